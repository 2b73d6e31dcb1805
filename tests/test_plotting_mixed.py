"""Predictions of a mixed model's fixed part (ruptstats.mixed.predict) and the figures of session-level models
(ruptstats.plotting.mixed), tested under Agg for what they draw (issue 13 item 5)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ruptstats.exceptions import DataError, OptionError  # noqa: E402
from ruptstats.mixed import mixed_model, predict_fixed, predict_trajectories, session_model  # noqa: E402
from ruptstats.plotting import coefficient_plot, predicted_trajectory_plot  # noqa: E402
from tests.tolerances import LME4_ESTIMATE  # noqa: E402

REF_DIR = Path(__file__).parent / "reference"

# R 4.2.2, lme4 1.1.31 (tests/reference/PROVENANCE.md), run from the repository root:
#   d <- read.csv("tests/reference/mixed_unbalanced.csv", na.strings = c("", "NA"))
#   m <- lmer(y ~ session + condition + session:condition + (1 | client), data = d,
#             control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
#   nd <- expand.grid(session = c(1, 5, 20), condition = c("none", "repaired", "unrepaired"))
#   p <- predict(m, newdata = nd, re.form = NA)
#   X <- model.matrix(~ session + condition + session:condition, nd); se <- sqrt(diag(X %*% vcov(m) %*% t(X)))
R_PREDICTIONS = pd.DataFrame({
    "session": [1, 5, 20] * 3,
    "condition": ["none"] * 3 + ["repaired"] * 3 + ["unrepaired"] * 3,
    "estimate": [30.2606609947110, 29.6112552761550, 27.1759838315699, 27.2262887743459, 26.5951856625675,
                 24.2285489933983, 31.4005883633757, 31.0570325589413, 29.7686982923123],
    "se": [0.507782357952289, 0.497419038688587, 0.497606347156767, 0.611560411265512, 0.599725895296343,
           0.608893767489431, 0.590364782918752, 0.571905736451090, 0.603846137358173]})


@pytest.fixture(scope="module")
def unbalanced():
    data = pd.read_csv(REF_DIR / "mixed_unbalanced.csv")
    return mixed_model("y ~ session + condition + session:condition + (1 | client)", data)


def test_predictions_equal_lme4(unbalanced):
    got = unbalanced.predict(R_PREDICTIONS[["session", "condition"]])
    np.testing.assert_allclose(got["estimate"], R_PREDICTIONS["estimate"], rtol=LME4_ESTIMATE)
    np.testing.assert_allclose(got["se"], R_PREDICTIONS["se"], rtol=LME4_ESTIMATE)
    # Wald intervals at the model's level (0.95): estimate -+ qnorm(0.975) * se
    np.testing.assert_allclose(got["ci_upper"] - got["estimate"], 1.959963984540054 * got["se"], rtol=1e-12)
    traj = predict_trajectories(unbalanced, sessions=[1, 5, 20], conditions=["none", "repaired", "unrepaired"])
    np.testing.assert_allclose(traj["estimate"], R_PREDICTIONS["estimate"], rtol=LME4_ESTIMATE)
    assert traj.columns.tolist() == ["condition", "session", "estimate", "se", "ci_lower", "ci_upper"]


def test_predictions_handle_missing_values_and_unknown_levels(unbalanced):
    nd = pd.DataFrame({"session": [1.0, np.nan], "condition": ["repaired", "none"]})
    got = predict_fixed(unbalanced, nd, level=0.9)
    assert np.isfinite(got["estimate"].iloc[0]) and np.isnan(got["estimate"].iloc[1])
    np.testing.assert_allclose(got["ci_upper"] - got["estimate"], 1.6448536269514722 * got["se"], rtol=1e-12)
    with pytest.raises(DataError, match="at most one"):
        predict_fixed(unbalanced, pd.DataFrame({"session": [1, 2], "condition": ["nothing", "none"]}))
    with pytest.raises(OptionError, match="session"):
        predict_fixed(unbalanced, pd.DataFrame({"condition": ["none"]}))
    with pytest.raises(OptionError, match="overwrite"):
        predict_fixed(unbalanced, R_PREDICTIONS)
    with pytest.raises(OptionError, match="sessions"):
        predict_trajectories(unbalanced, sessions=[])


@pytest.fixture(scope="module")
def session_result():
    rng = np.random.default_rng(20261130)
    client = np.repeat(np.arange(40), 8)
    sessions = pd.DataFrame({"client": client, "session": np.tile(np.arange(1, 9), 40),
                             "rupture": (rng.random(320) < 0.3).astype(int),
                             "repair": (rng.random(320) < 0.2).astype(int)})
    sessions["alliance"] = 5 + rng.normal(0, 0.5, 40)[client] - 0.3 * sessions["rupture"] + rng.normal(0, 0.3, 320)
    return session_model(sessions, outcome="alliance", predictors=["rupture", "repair"])


def test_coefficient_plot_draws_each_effect_with_its_interval(session_result):
    fig = coefficient_plot(session_result)
    ax = fig.axes[0]
    effects = session_result.effects
    gids = [line.get_gid() for line in ax.lines]
    assert gids[0] == "zero"
    for r in effects.itertuples(index=False):
        ci = next(line for line in ax.lines if line.get_gid() == f"ci-{r.predictor}-{r.part}")
        point = next(line for line in ax.lines if line.get_gid() == f"estimate-{r.predictor}-{r.part}")
        np.testing.assert_allclose(ci.get_xdata(), [r.ci_lower, r.ci_upper])
        np.testing.assert_allclose(point.get_xdata(), [r.estimate])
    assert len(ax.lines) == 1 + 2 * len(effects) == 9
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["rupture (within)", "rupture (between)", "repair (within)", "repair (between)"]
    # the first row is drawn at the top
    first = next(line for line in ax.lines if line.get_gid() == "estimate-rupture-within")
    assert first.get_ydata()[0] == max(ax.get_yticks())
    assert ax.get_xlabel() == "Effect on alliance in the next session (95% CI)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Within", "Between"]
    plt.close(fig)


def test_coefficient_plot_rejects_bad_tables():
    with pytest.raises(DataError, match="part"):
        coefficient_plot(pd.DataFrame({"predictor": ["x"], "part": ["inside"], "estimate": [0.1],
                                       "ci_lower": [0.0], "ci_upper": [0.2]}))
    with pytest.raises(DataError, match="ci_upper"):
        coefficient_plot(pd.DataFrame({"predictor": ["x"], "part": ["within"], "estimate": [0.1]}))


def test_predicted_trajectory_plot_draws_one_line_and_band_per_condition(unbalanced):
    traj = predict_trajectories(unbalanced, sessions=range(1, 21))
    fig = predicted_trajectory_plot(traj, ylabel="Symptoms")
    ax = fig.axes[0]
    assert [line.get_gid() for line in ax.lines] == ["prediction-none", "prediction-unrepaired",
                                                      "prediction-repaired"]
    for line in ax.lines:
        cond = line.get_gid().removeprefix("prediction-")
        part = traj[traj["condition"] == cond]
        np.testing.assert_allclose(line.get_xdata(), part["session"])
        np.testing.assert_allclose(line.get_ydata(), part["estimate"])
    assert sorted(c.get_gid() for c in ax.collections) == ["band-none", "band-repaired", "band-unrepaired"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["No rupture", "Unrepaired", "Repaired",
                                                                    "95% CI"]
    assert ax.get_ylabel() == "Symptoms"
    plt.close(fig)
    fig = predicted_trajectory_plot(traj, band=False)
    assert not fig.axes[0].collections
    plt.close(fig)
    with pytest.raises(DataError, match="estimate"):
        predicted_trajectory_plot(traj.drop(columns="estimate"))
