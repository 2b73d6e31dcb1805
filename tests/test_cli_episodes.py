"""``python -m ruptstats.sessions ... --episodes PATH`` (issue 15, item 6; ruptstats/cli/sessions_episodes.py) on
the bundled session studies, in-process: the episode table and the summary equal the library calls, identifiers
are replaced unless asked for, the JSON is strict, one rater's ruptures make the episodes, and the Kaplan-Meier
and swimmer figures are drawn one file per study."""

import json
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ruptstats.cli.sessions import main  # noqa: E402
from ruptstats.episodes import rupture_episodes, stronger_after_repair, time_to_repair  # noqa: E402
from ruptstats.sessions import classify_sessions, read_sessions  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"
A, B, C = DATA / "study_a_psq.sav", DATA / "study_b_wide.xlsx", DATA / "study_c_3rs.csv"
KEY = "test-key-of-at-least-16-bytes"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RUPTSTATS_PSEUDONYM_KEY", KEY)  # study A's mapping pseudonymises with this variable's key


def _episodes(path, rater=None):
    """The library calls the command must reproduce: read with the mapping, classify, rupture_episodes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_sessions(path, path.with_suffix(".toml"))
    classified = classify_sessions(data.sessions, rule=data.rule)
    if rater is not None:
        classified = classified[classified["rater"].astype(object) == rater]
    return rupture_episodes(classified)


def _strict(text):
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_the_episode_table_equals_rupture_episodes_with_client_numbers(tmp_path, capsys):
    path, clients = tmp_path / "episodes.csv", tmp_path / "clients.csv"
    assert main([str(C), "--episodes", str(path), "--clients", str(clients)]) == 0
    capsys.readouterr()
    table, expected = pd.read_csv(path), _episodes(C)
    assert "client" not in table.columns and len(table) == len(expected) > 0
    assert table["strategy"].fillna("-").tolist() == expected["strategy"].fillna("-").tolist()
    for col in ("episode", "onset", "latency"):
        assert table[col].tolist() == expected[col].astype(int).tolist(), col
    assert table["repaired"].tolist() == expected["repaired"].tolist()
    assert set(table["strategy"].dropna()) <= {"immediate", "exploratory", "none"}  # the mapping's recodes
    # client_number is the client's row in the --clients table: study C's clients K01 ... K20 are rows 1 ... 20
    assert table["client_number"].tolist() == [int(str(c)[1:]) for c in expected["client"]]
    assert main([str(C), "--episodes", str(path), "--include-ids"]) == 0
    capsys.readouterr()
    assert pd.read_csv(path)["client"].tolist() == [str(c) for c in expected["client"]]


def test_the_summary_is_each_results_own_to_dict_and_summary(tmp_path, capsys):
    assert main([str(B), str(C), "--episodes", str(tmp_path / "e.json"), "--format", "json"]) == 0
    payload = _strict(capsys.readouterr().out)
    for study, path in zip(payload["studies"], (B, C)):
        ep = _episodes(path)
        assert study["episodes"]["rater"] is None
        assert study["episodes"]["time_to_repair"] == _strict(json.dumps(time_to_repair(ep).to_dict()))
        assert study["episodes"]["stronger_after_repair"] == _strict(json.dumps(stronger_after_repair(ep).to_dict()))
        assert study["episodes"]["time_to_repair"]["median_ci"][0]["group"] == "all"
    assert main([str(C), "--episodes", str(tmp_path / "e.json")]) == 0
    text = capsys.readouterr().out
    ttr, stronger = time_to_repair(_episodes(C)), stronger_after_repair(_episodes(C))
    assert "Rupture episodes:\n" + ttr.summary() + "\nStronger after repair:\n" + stronger.summary() in text
    assert "95% CI" in ttr.summary().splitlines()[1]  # the median with its CI
    written = json.loads((tmp_path / "e.json").read_text())
    assert len(written) == ttr.n_episodes  # .json: one record per episode


def test_no_episode_option_no_episode_summary(capsys):
    assert main([str(C), "--format", "json"]) == 0
    assert "episodes" not in json.loads(capsys.readouterr().out)["studies"][0]


def test_one_raters_ruptures_make_the_episodes(tmp_path, capsys):
    path = tmp_path / "a.csv"
    assert main([str(A), "--episodes", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Rupture episodes (client ratings):" in out  # study A has client and therapist rows: client by default
    client = pd.read_csv(path)
    assert set(client["rater"]) == {"client"} and len(client) == len(_episodes(A, "client"))
    assert main([str(A), "--episodes", str(path), "--episode-rater", "therapist"]) == 0
    capsys.readouterr()
    assert len(pd.read_csv(path)) == len(_episodes(A, "therapist"))
    assert main([str(A), "--episodes", str(path), "--episode-rater", "observer"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--episode-rater 'observer' has no sessions" in err
    assert main([str(C), "--episodes", str(path), "--episode-rater", "client"]) == 2
    assert "no rater column" in capsys.readouterr().err


def test_identifiers_never_reach_the_output(capsys, tmp_path):
    assert main([str(C), "--episodes", str(tmp_path / "e.csv"), "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert [f"K{i:02d}" for i in range(1, 21) if f"K{i:02d}" in text] == []  # study C's client identifiers


def test_km_and_swimmer_plots_one_file_per_study(tmp_path, capsys, monkeypatch):
    from ruptstats import plotting

    drawn = []
    real_km, real_swim = plotting.km_plot, plotting.swimmer_plot
    monkeypatch.setattr(plotting, "km_plot", lambda res, **kw: drawn.append(("km", res.by)) or real_km(res, **kw))
    monkeypatch.setattr(plotting, "swimmer_plot",
                        lambda e, s, **kw: drawn.append(("swim", kw["include_ids"])) or real_swim(e, s, **kw))
    assert main([str(B), str(C), "--km-plot", str(tmp_path / "km.png"), "--swimmer-plot",
                 str(tmp_path / "sw.pdf")]) == 0
    assert "Rupture episodes" in capsys.readouterr().out  # a figure option alone also reports the summary
    # study B (trajectory rule) has no rupture types: one curve; study C (observer markers): by type
    assert drawn == [("km", None), ("km", "type"), ("swim", False), ("swim", False)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["km_Study_B.png", "km_Study_C.png", "sw_Study_B.pdf",
                                                          "sw_Study_C.pdf"]
    assert (tmp_path / "km_Study_C.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([str(C), "--swimmer-plot", str(tmp_path / "one.svg"), "--include-ids"]) == 0
    capsys.readouterr()
    assert drawn[-1] == ("swim", True) and (tmp_path / "one.svg").is_file()


def test_a_missing_folder_is_one_line_before_any_work(tmp_path, capsys):
    assert main([str(C), "--episodes", str(tmp_path / "nope" / "e.csv")]) == 2
    err = capsys.readouterr().err
    assert "--episodes" in err and "does not exist" in err
