"""Make the simulated session-level studies in ``data/sessions/`` (seeded; run from anywhere).

Five small synthetic studies, each in another format, each with its TOML mapping next to it (the mappings are
written by hand and committed; this script writes only the data files):

==========================  =========================================================================================
file                        what it exercises
==========================  =========================================================================================
``study_a_psq.sav``         SPSS, long; client and therapist PSQ ratings (``rater``); value labels (ja/nein,
                            rater, sex); user-missing -9 declared in the file, 99 declared only in the mapping;
                            SRS items (alliance) and ORS items (outcome); self-report rule
``study_b_wide.xlsx``       Excel, wide (``s1_wai1 … s12_wai12``), a title row above the header (header_row 3),
                            sheet ``Sitzungen`` plus a notes sheet; WAI-SR items; trajectory rule (1 SD)
``study_c_3rs.csv``         semicolon CSV, decimal commas, Latin-1, German headers; 3RS-style observer markers;
                            ``ja``/``nein`` dropout; observer rule
``study_c_clients.csv``     the same clients' OQ-45 totals before and after treatment (-9 = missing), for
                            ``read_clients`` (``load_clients``)
``study_d_oq.dta``          Stata, long; OQ-45 items each session (outcome), alliance total; Stata value labels;
                            trajectory rule, 2 SD of each client's own differences
``study_e_canonical.parquet``  Parquet in canonical column names: needs no mapping
==========================  =========================================================================================

Studies A, C and E also carry a coded repair strategy for each simulated rupture session (``repair_strategy``; empty
for the other sessions), as a lab would code it from session notes or recordings: ``immediate`` (the therapist names
the tension directly: immediate metacommunication), ``exploratory`` (the therapist invites the client's view of what
happened: exploratory metacommunication) or ``none`` (the session goes on, or the next one starts, as usual). Study A
stores it as SPSS codes with value labels (``STRAT``: sofort, explorativ, keine), study C as German text
(``Strategie``), study E in the canonical spelling. Repaired ruptures more often get metacommunication (the chances
are in :data:`STRATEGY_CHANCES`). The strategies are drawn from a second random stream (``[seed, 1]``), so every
other value is the same as before the column was added.

The alliance follows a client level plus a slow rise; some sessions get a sudden drop (a rupture) that recovers
within a few sessions (repaired) or not. Everything is simulated; no real client is described.

Run: ``python data/make_session_data.py [--seed 20261125]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "sessions"

#: Coded repair strategies (canonical spelling) and their chances for a repaired and an unrepaired rupture.
STRATEGIES = ("immediate", "exploratory", "none")
STRATEGY_CHANCES = {True: (0.45, 0.35, 0.20), False: (0.30, 0.20, 0.50)}


def strategies(srng, rupture, repaired):
    """Strategy code 0, 1, 2 (:data:`STRATEGIES`) for each rupture session, -1 elsewhere (second random stream)."""
    u = srng.random(rupture.shape)
    out = np.full(rupture.shape, -1)
    for rep, chances in STRATEGY_CHANCES.items():
        cut = np.cumsum(chances)[:-1]
        sel = rupture & (repaired == rep)
        out[sel] = np.searchsorted(cut, u[sel], side="right")
    return out


def alliance_paths(rng, n_clients: int, n_sessions: int, low: float, high: float):
    """Alliance per client × session on [low, high], with V-shaped drops; returns (values, rupture, repaired)."""
    span = high - low
    level = rng.uniform(low + 0.45 * span, low + 0.75 * span, n_clients)[:, None]
    trend = np.linspace(0, 0.12 * span, n_sessions)[None, :]
    noise = rng.normal(0, 0.04 * span, (n_clients, n_sessions))
    a = level + trend + noise
    rupture = np.zeros((n_clients, n_sessions), dtype=bool)
    repaired = np.zeros((n_clients, n_sessions), dtype=bool)
    for i in range(n_clients):  # simulation only: a few events per client
        for _ in range(rng.integers(0, 3)):
            t = int(rng.integers(2, n_sessions - 1))
            depth = rng.uniform(0.2, 0.35) * span
            recover = rng.random() < 0.6
            a[i, t] -= depth
            if not recover:
                a[i, t + 1:] -= depth * 0.8
            rupture[i, t] = True
            repaired[i, t] = recover
    return np.clip(a, low, high), rupture, repaired


def items_for_total(rng, total, n_items: int, low: int, high: int, integer=True):
    """Item values whose mean is near ``total / n_items``."""
    mean = total / n_items
    x = mean[..., None] + rng.normal(0, 0.5, total.shape + (n_items,))
    x = np.clip(x, low, high)
    return np.rint(x).astype(int) if integer else np.round(x, 1)


def study_a(rng, srng):
    import pyreadstat

    n_c, n_s = 24, 10
    srs, rup, rep = alliance_paths(rng, n_c, n_s, 0, 40)
    strat = strategies(srng, rup, rep)
    rows = []
    for rater in (1, 2):  # 1 = client, 2 = therapist (labelled)
        for i in range(n_c):
            for s in range(n_s):
                intensity = rng.integers(3, 6) if rup[i, s] else rng.integers(1, 3)
                resolution = rng.integers(4, 6) if rep[i, s] else (rng.integers(1, 3) if rup[i, s] else -9)
                rows.append({"ID": f"A{i + 1:03d}", "THER": 1 + i % 4, "SITZUNG": s + 1, "RATER": rater,
                             "BRUCH": 1 if (rup[i, s] or (rng.random() < 0.05)) else 2,
                             "INTENS": intensity, "AUFL": resolution, "srs_total": srs[i, s],
                             "ORS_PRE": 0.0, "GESCHL": 1 + i % 2, "ALTER": 20 + (i * 7) % 45})
    df = pd.DataFrame(rows)
    items = items_for_total(rng, df["srs_total"].to_numpy(), 4, 0, 10, integer=False)
    for j in range(4):
        df[f"SRS{j + 1}"] = items[:, j]
    ors = items_for_total(rng, np.clip(df["srs_total"].to_numpy() * 0.7, 0, 40), 4, 0, 10, integer=False)
    for j in range(4):
        df[f"ORS{j + 1}"] = ors[:, j]
    df = df.drop(columns=["srs_total", "ORS_PRE"])
    code = np.tile(strat.ravel(), 2)  # the same coded strategy on the client's and the therapist's row
    df["STRAT"] = np.where(code >= 0, code + 1.0, np.nan)  # 1 sofort, 2 explorativ, 3 keine; empty: no rupture
    # missing data the two ways the mapping must handle: -9 declared in the file, 99 only in the mapping
    pick = rng.choice(len(df), 6, replace=False)
    df.loc[pick[:3], "INTENS"] = 99
    df.loc[pick[3:], "SRS2"] = -9
    labels = {"BRUCH": {1: "ja", 2: "nein"}, "RATER": {1: "Klient", 2: "Therapeut"},
              "GESCHL": {1: "weiblich", 2: "männlich"}, "AUFL": {-9: "keine Angabe"},
              "STRAT": {1: "sofort", 2: "explorativ", 3: "keine"}}
    pyreadstat.write_sav(df, HERE / "study_a_psq.sav", variable_value_labels=labels,
                         missing_ranges={"AUFL": [-9], "SRS2": [-9]},
                         column_labels={"BRUCH": "PSQ: Gab es Spannungen?", "INTENS": "PSQ: Intensität 1-5",
                                        "AUFL": "PSQ: Auflösung 1-5", "STRAT": "Reparaturstrategie (kodiert)"})


def study_b(rng, srng):
    n_c, n_s = 30, 12
    wai, _, _ = alliance_paths(rng, n_c, n_s, 12, 60)
    items = items_for_total(rng, wai, 12, 1, 5)
    wide = {"Klient": [f"B{i + 1:03d}" for i in range(n_c)], "Therapeut": [f"T{1 + i % 5}" for i in range(n_c)],
            "OQ_prae": rng.integers(55, 110, n_c), "OQ_post": rng.integers(30, 95, n_c),
            "Abbruch": np.where(rng.random(n_c) < 0.15, "ja", "nein")}
    last = rng.integers(8, n_s + 1, n_c)  # dropouts and short treatments: later sessions empty
    for s in range(n_s):
        for j in range(12):
            col = items[:, s, j].astype(float)
            col[last <= s] = np.nan
            wide[f"s{s + 1}_wai{j + 1}"] = col
    df = pd.DataFrame(wide)
    path = HERE / "study_b_wide.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        title = pd.DataFrame([["Studie B: WAI-SR je Sitzung (simuliert)"], [""]])
        title.to_excel(xw, sheet_name="Sitzungen", header=False, index=False)
        df.to_excel(xw, sheet_name="Sitzungen", startrow=2, index=False)
        pd.DataFrame({"Hinweis": ["simulierte Daten", "WAI-SR Items 1-5"]}).to_excel(xw, sheet_name="Info",
                                                                                        index=False)


def study_c(rng, srng):
    n_c, n_s = 20, 8
    alliance, rup, rep = alliance_paths(rng, n_c, n_s, 1, 5)
    strat = strategies(srng, rup, rep)
    words = np.array(["unmittelbar", "explorativ", "keine", ""])  # index -1: empty (no rupture)
    rows = []
    for i in range(n_c):
        drop = "ja" if rng.random() < 0.2 else "nein"
        for s in range(n_s):
            kind = rng.integers(0, 3)
            w = rng.integers(2, 6) if rup[i, s] and kind != 1 else rng.integers(0, 2)
            c = rng.integers(2, 6) if rup[i, s] and kind != 0 else 0
            res = rng.integers(3, 6) if rep[i, s] else rng.integers(1, 3)
            rows.append(f"K{i + 1:02d};Th{1 + i % 3};{s + 1};{w};{c};{res};"
                        f"{alliance[i, s]:.2f}".replace(".", ",") + f";{drop};{18 + (i * 5) % 50}"
                        f";{words[strat[i, s]]}")
    header = "Klient;Therapeut;Sitzung;Rückzug;Konfrontation;Auflösung;Allianz;Abbruch;Älter;Strategie\n"
    text = header + "\n".join(rows) + "\n"
    (HERE / "study_c_3rs.csv").write_bytes(text.encode("latin-1"))
    pre = rng.integers(60, 110, n_c)  # client-level file: OQ-45 totals before and after treatment
    post = np.clip(pre - rng.integers(-5, 40, n_c), 0, 180)
    lines = [f"K{i + 1:02d};{pre[i]};{post[i] if rng.random() > 0.1 else -9}" for i in range(n_c)]
    text = "Klient;OQ_prae;OQ_post\n" + "\n".join(lines) + "\n"
    (HERE / "study_c_clients.csv").write_bytes(text.encode("latin-1"))


def study_d(rng, srng):
    import pyreadstat

    n_c, n_s = 16, 8
    alliance, _, _ = alliance_paths(rng, n_c, n_s, 1, 7)
    oq_total = np.clip(rng.normal(80, 15, (n_c, 1)) - np.linspace(0, 25, n_s)[None, :], 10, 170)
    items = items_for_total(rng, oq_total, 45, 0, 4)
    rows = {"studie": np.full(n_c * n_s, 4), "pid": np.repeat(np.arange(1, n_c + 1) * 11, n_s),
            "sess": np.tile(np.arange(1, n_s + 1), n_c), "hakt": np.round(alliance.ravel(), 2)}
    for j in range(45):
        rows[f"oq{j + 1}"] = items[:, :, j].ravel()
    df = pd.DataFrame(rows)
    pyreadstat.write_dta(df, HERE / "study_d_oq.dta", variable_value_labels={"studie": {4: "Study D"}})


def study_e(rng, srng):
    n_c, n_s = 12, 6
    alliance, rup, rep = alliance_paths(rng, n_c, n_s, 1, 5)
    strat = strategies(srng, rup, rep).ravel()
    df = pd.DataFrame({"study": "Study E", "client": np.repeat([f"E{i:02d}" for i in range(n_c)], n_s),
                       "therapist": np.repeat([f"TE{i % 3}" for i in range(n_c)], n_s),
                       "session": np.tile(np.arange(1, n_s + 1), n_c),
                       "rupture": rup.ravel(), "resolution": np.where(rep.ravel(), 5, np.where(rup.ravel(), 2, np.nan)),
                       "alliance": np.round(alliance.ravel(), 2),
                       "repair_strategy": np.where(strat >= 0, np.array(STRATEGIES, dtype=object)[strat], None)})
    df.to_parquet(HERE / "study_e_canonical.parquet", index=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args(argv)
    HERE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    srng = np.random.default_rng([args.seed, 1])  # the coded strategies: a stream of their own (see the docstring)
    for make in (study_a, study_b, study_c, study_d, study_e):
        make(rng, srng)
    for p in sorted(HERE.iterdir()):
        print(f"{p.name:32s} {p.stat().st_size:>8,d} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
