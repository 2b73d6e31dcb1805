"""Write a simulated session table in the messy formats the loaders read, each with its TOML mapping.

==========================  =====================================================================================
writer                      file
==========================  =====================================================================================
:func:`write_spss`          SPSS ``.sav``, long, German variable names, value labels (``ja``/``nein``,
                            ``Rückzug``/``Konfrontation``), SRS items with the user-missing code -9 declared in
                            the file
:func:`write_wide_excel`    Excel, wide (one row per client, ``s<session>_<variable>``), two title rows above the
                            header, SRS items with empty cells for missing items, ``ja``/``nein``
:func:`write_semicolon_csv` semicolon CSV with decimal commas, Latin-1, German headers with umlauts, the SRS total
==========================  =====================================================================================

Each writer returns ``(data_path, mapping_path)``; ``ruptstats.sessions.read_sessions(data_path, mapping_path)``
returns the canonical table again (the round trip is tested in ``tests/test_simulate_formats.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import OptionError
from .generate import SRS_ITEMS

__all__ = ["write_spss", "write_wide_excel", "write_semicolon_csv", "write_formats"]

_TYPE_DE = {"withdrawal": "Rückzug", "confrontation": "Konfrontation"}
_VALUES_TOML = '[values.rupture_type]\n"Rückzug" = "withdrawal"\nKonfrontation = "confrontation"\n'
_SRS_TOML = ('\n[instruments.srs]\ninstrument = "SRS"\nitems = "{items}"\nmax_missing = 1\ntarget = "alliance"\n')
_RULE_TOML = '\n[rule]                  # the simulated codes are used as they are\ntype = "coded"\n'
_NEEDED = ("study", "client", "therapist", "session", "rupture", "rupture_type", "repaired", "outcome", "pre",
           "post", "dropout") + SRS_ITEMS


def _check(sessions) -> pd.DataFrame:
    if not isinstance(sessions, pd.DataFrame):
        sessions = getattr(sessions, "sessions", None)
    if not isinstance(sessions, pd.DataFrame):
        raise OptionError("sessions must be a Simulation or its session table (a DataFrame)")
    missing = [c for c in _NEEDED if c not in sessions.columns]
    if missing:
        raise OptionError(f"the session table lacks the simulated columns {missing}")
    return sessions


def _flag(s: pd.Series, yes, no):
    """Nullable boolean -> yes / no / None."""
    return np.where(s.isna(), None, np.where(s.fillna(False).to_numpy(bool), yes, no))


def _paths(path, suffix):
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise OptionError(f"path={str(path)!r} must end in {suffix}")
    return path, path.with_suffix(".toml")


def write_spss(sessions, path) -> tuple[Path, Path]:
    """Write an SPSS ``.sav`` file (long) and its mapping; return both paths."""
    import pyreadstat

    s = _check(sessions)
    path, toml = _paths(path, ".sav")
    df = pd.DataFrame({
        "STUDIE": s["study"].astype(str).to_numpy(), "ID": s["client"].astype(str).to_numpy(),
        "THER": s["therapist"].astype(str).to_numpy(), "SITZUNG": s["session"].to_numpy(dtype=float),
        "BRUCH": s["rupture"].astype(float).to_numpy(),
        "ART": s["rupture_type"].map({"withdrawal": 1.0, "confrontation": 2.0}).astype(float).to_numpy(),
        "REPARIERT": s["repaired"].astype(float).to_numpy(),
    })
    for j, item in enumerate(SRS_ITEMS, start=1):
        df[f"SRS{j}"] = s[item].fillna(-9.0).to_numpy()
    df["ORS"] = s["outcome"].to_numpy()
    df["PRAE"], df["POST"] = s["pre"].to_numpy(), s["post"].to_numpy()
    df["ABBRUCH"] = s["dropout"].astype(float).to_numpy()
    yes_no = {0.0: "nein", 1.0: "ja"}
    pyreadstat.write_sav(df, str(path), variable_value_labels={
        "BRUCH": yes_no, "REPARIERT": yes_no, "ABBRUCH": yes_no, "ART": {1.0: "Rückzug", 2.0: "Konfrontation"}},
        missing_ranges={f"SRS{j}": [-9.0] for j in range(1, 5)})
    toml.write_text(
        "# Simulated by ruptstats.simulate (SPSS, long; value labels; -9 = user-missing SRS item in the file)\n\n"
        '[columns]\nSTUDIE = "study"\nID = "client"\nTHER = "therapist"\nSITZUNG = "session"\nBRUCH = "rupture"\n'
        'ART = "rupture_type"\nREPARIERT = "repaired"\nORS = "outcome"\nPRAE = "pre"\nPOST = "post"\n'
        'ABBRUCH = "dropout"\n\n' + _VALUES_TOML + _SRS_TOML.format(items="SRS{}") + _RULE_TOML, encoding="utf-8")
    return path, toml


def write_wide_excel(sessions, path) -> tuple[Path, Path]:
    """Write a wide Excel workbook (one row per client, title rows above the header) and its mapping."""
    s = _check(sessions)
    path, toml = _paths(path, ".xlsx")
    long = pd.DataFrame({
        "key": s["study"].astype(str) + "\x1f" + s["client"].astype(str), "session": s["session"].to_numpy(int),
        "bruch": _flag(s["rupture"], "ja", "nein"), "art": s["rupture_type"].map(_TYPE_DE).astype(object),
        "repariert": _flag(s["repaired"], "ja", "nein"), "ors": s["outcome"].to_numpy(),
        **{item: s[item].to_numpy() for item in SRS_ITEMS}})
    wide = long.pivot(index="key", columns="session")
    wide.columns = [f"s{sess}_{var}" for var, sess in wide.columns]
    order = sorted(wide.columns, key=lambda c: (int(c.split("_")[0][1:]), c))
    clients = s.drop_duplicates(["study", "client"])
    keys = (clients["study"].astype(str) + "\x1f" + clients["client"].astype(str)).to_numpy()
    head = pd.DataFrame({"Studie": clients["study"].astype(str).to_numpy(),
                         "Klient": clients["client"].astype(str).to_numpy(),
                         "Therapeut": clients["therapist"].astype(str).to_numpy(),
                         "Prae": clients["pre"].to_numpy(), "Post": clients["post"].to_numpy(),
                         "Abbruch": _flag(clients["dropout"], "ja", "nein")})
    table = pd.concat([head, wide.loc[keys, order].reset_index(drop=True)], axis=1)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="Sitzungen", startrow=2, index=False)
        xl.sheets["Sitzungen"]["A1"] = "Simulierte Sitzungsdaten (ruptstats.simulate)"
    toml.write_text(
        "# Simulated by ruptstats.simulate (Excel, wide, title rows above the header; empty cell = missing)\n\n"
        '[read]\nsheet = "Sitzungen"\nheader_row = 3\nlayout = "wide"\n'
        "wide_pattern = '^s(?P<session>\\d+)_(?P<variable>.+)$'\n\n"
        '[columns]\nStudie = "study"\nKlient = "client"\nTherapeut = "therapist"\nPrae = "pre"\nPost = "post"\n'
        'Abbruch = "dropout"\nbruch = "rupture"\nart = "rupture_type"\nrepariert = "repaired"\nors = "outcome"\n\n'
        + _VALUES_TOML + _SRS_TOML.format(items="srs{}") + _RULE_TOML, encoding="utf-8")
    return path, toml


def write_semicolon_csv(sessions, path) -> tuple[Path, Path]:
    """Write a semicolon CSV with decimal commas (Latin-1, German headers) and its mapping."""
    s = _check(sessions)
    path, toml = _paths(path, ".csv")
    df = pd.DataFrame({
        "Studie": s["study"].astype(str).to_numpy(), "Klient": s["client"].astype(str).to_numpy(),
        "Therapeut": s["therapist"].astype(str).to_numpy(), "Sitzung": s["session"].to_numpy(int),
        "Bruch": _flag(s["rupture"], "ja", "nein"), "Art": s["rupture_type"].map(_TYPE_DE).astype(object),
        "Repariert": _flag(s["repaired"], "ja", "nein"), "Allianz": s["alliance"].to_numpy(),
        "Ergebnis": s["outcome"].to_numpy(), "Prä": s["pre"].to_numpy(), "Post": s["post"].to_numpy(),
        "Abbruch": _flag(s["dropout"], "ja", "nein")})
    df.to_csv(path, sep=";", decimal=",", encoding="latin-1", index=False)
    toml.write_text(
        "# Simulated by ruptstats.simulate (semicolon CSV, decimal commas, Latin-1, German headers)\n\n"
        '[columns]\nStudie = "study"\nKlient = "client"\nTherapeut = "therapist"\nSitzung = "session"\n'
        'Bruch = "rupture"\nArt = "rupture_type"\nRepariert = "repaired"\nAllianz = "alliance"\n'
        '"Ergebnis" = "outcome"\n"Prä" = "pre"\nPost = "post"\nAbbruch = "dropout"\n\n' + _VALUES_TOML + _RULE_TOML,
        encoding="utf-8")
    return path, toml


def write_formats(sessions, directory, *, stem: str = "simulated") -> dict[str, tuple[Path, Path]]:
    """Write all three formats into ``directory``; return ``{"spss": (data, mapping), "excel": ..., "csv": ...}``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return {"spss": write_spss(sessions, d / f"{stem}_spss.sav"),
            "excel": write_wide_excel(sessions, d / f"{stem}_wide.xlsx"),
            "csv": write_semicolon_csv(sessions, d / f"{stem}_csv.csv")}
