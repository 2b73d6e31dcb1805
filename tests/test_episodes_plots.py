"""The episode figures under Agg: what they draw (lines, bands, markers, labels, the risk table), 300 dpi files."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from PIL import Image  # noqa: E402

from ruptstats.episodes import alliance_around_episodes, client_spans, rupture_episodes, time_to_repair  # noqa: E402
from ruptstats.exceptions import DataError  # noqa: E402
from ruptstats.plotting import episode_alliance_plot, km_plot, save_figure, swimmer_plot  # noqa: E402

EPISODES = pd.read_csv(Path(__file__).parent / "reference" / "episodes_a.csv")


@pytest.fixture()
def sessions():
    # client "id-007": rupture at 2, repaired at 3; client "id-042": rupture at 2, never repaired, dropped out
    return pd.DataFrame({"client": ["id-007"] * 4 + ["id-042"] * 3, "session": [1, 2, 3, 4, 1, 2, 3],
                         "rupture": [False, True, False, False, False, True, False],
                         "repaired": [False, False, True, False, False, False, False],
                         "alliance": [5.0, 3.0, 4.0, 6.0, 4.0, 2.0, 2.5],
                         "dropout": [False] * 4 + [True] * 3})


def test_km_plot_draws_a_curve_and_band_per_group_and_the_risk_table(tmp_path):
    res = time_to_repair(EPISODES, by="type")
    fig = km_plot(res, ticks=[0, 2, 4, 6])
    ax, table = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["withdrawal", "confrontation", "both"]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 3
    # the step curve of withdrawal ends at its last survival value from the result
    last = [r["survival"] for r in res.km if r["group"] == "withdrawal"][-1]
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(last)
    texts = [t.get_text() for t in table.texts]
    assert "Number at risk" in texts
    # at tick 0 every episode of a group is at risk: the group sizes of the table
    for group, n in EPISODES["type"].value_counts().items():
        assert str(n) in texts
    path = save_figure(fig, tmp_path / "km.png")
    assert Image.open(path).info["dpi"][0] == pytest.approx(300, abs=1)


def test_km_plot_of_an_empty_result_is_a_data_error():
    with pytest.raises(DataError):
        km_plot(time_to_repair(EPISODES.iloc[:0]))


def test_swimmer_plot_pseudonymises_and_marks_ruptures_repairs_dropout(sessions):
    ep = rupture_episodes(sessions)
    fig = swimmer_plot(ep, client_spans(sessions))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["client 1", "client 2"]
    assert not any("id-0" in t.get_text() for t in fig.findobj(matplotlib.text.Text))
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == 2
    marks = {c.get_label(): c.get_offsets() for c in ax.collections if c.get_label() in
             ("rupture", "repair", "unrepaired", "dropout")}
    assert sorted(marks["rupture"][:, 0].tolist()) == [2, 2]
    assert marks["repair"][:, 0].tolist() == [3]
    assert marks["unrepaired"][:, 0].tolist() == [3]  # censored at id-042's last session
    assert marks["dropout"][:, 0].tolist() == [3]
    named = swimmer_plot(ep, client_spans(sessions), include_ids=True)
    assert [t.get_text() for t in named.axes[0].get_yticklabels()] == ["id-007", "id-042"]


def test_episode_alliance_plot_draws_what_alliance_around_episodes_computed(sessions):
    ep = rupture_episodes(sessions)
    around = alliance_around_episodes(sessions, ep, before=1, after=1)
    # repaired (id-007): onset-1 = 5, onset = 3, repair = 4, repair+1 = 6; censored (id-042): 4, 2, end = 2.5
    rep = around[around["status"] == "repaired"]
    assert rep["mean"].tolist() == [5.0, 3.0, 4.0, 6.0]
    fig = episode_alliance_plot(around)
    ax = fig.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    assert labels == ["repaired", "censored"]
    drawn = [c.lines[0] for c in ax.containers]  # one errorbar per status and block (onset, end)
    ys = sorted(float(y) for line in drawn for y in line.get_ydata())
    assert ys == sorted([5.0, 3.0, 4.0, 6.0, 4.0, 2.0, 2.5])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["\u22121", "onset", "end", "+1"]
