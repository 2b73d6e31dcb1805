"""session_model (issue 13 item 3): the next-session outcome, person-mean centring and the model it fits.

The model itself is mixed_model (tested against lme4 in test_mixed_reference.py); these tests check what
session_model builds around it: the lagged response, the within/between parts, and the effects table.
"""

import json

import numpy as np
import pandas as pd
import pytest

from ruptstats import DataError, OptionError
from ruptstats.mixed import mixed_model, session_model
from tests.tolerances import EXACT


@pytest.fixture(scope="module")
def sessions():
    """60 clients x 12 sessions (seeded): a rupture lowers next-session alliance by 0.4 (within) and clients with
    a higher rupture rate have a 1.0 lower alliance per unit of rate (between); rows in shuffled order."""
    rng = np.random.default_rng(3)
    client = np.repeat(np.arange(60), 12)
    frame = pd.DataFrame({"client": client, "therapist": client // 6, "session": np.tile(np.arange(1, 13), 60)})
    rate = rng.uniform(0.1, 0.6, 60)[client]
    frame["rupture"] = (rng.random(len(frame)) < rate).astype(int)
    frame["alliance"] = 5 + rng.normal(0, 0.5, 60)[client] + rng.normal(0, 0.3, len(frame)) - 1.0 * rate
    frame["alliance"] -= 0.4 * frame.groupby("client")["rupture"].shift(1).fillna(0)
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_effects_equal_the_model_fitted_by_hand(sessions):
    res = session_model(sessions, outcome="alliance", predictors=["rupture"])
    s = sessions.sort_values(["client", "session"]).copy()
    s["alliance_next"] = s.groupby("client")["alliance"].shift(-1)
    mean = s.groupby("client")["rupture"].transform("mean")
    s["rupture_within"], s["rupture_between"] = s["rupture"] - mean, mean
    by_hand = mixed_model("alliance_next ~ rupture_within + rupture_between + alliance + (1 | client)", s)
    table = by_hand.fixed.set_index("term")
    for row in res.effects.itertuples(index=False):
        for col in ("estimate", "se", "df", "p"):
            assert getattr(row, col) == pytest.approx(table.loc[row.term, col], rel=EXACT)
    assert res.model.n_obs == len(sessions) - 60  # each client's last session has no next session
    assert res.effects["part"].tolist() == ["within", "between"]


def test_recovers_the_simulated_within_and_between_effects(sessions):
    res = session_model(sessions, outcome="alliance", predictors=["rupture"], therapist="therapist")
    within, between = res.effects["estimate"].tolist()
    low, high = res.effects["ci_lower"].tolist(), res.effects["ci_upper"].tolist()
    assert low[0] < -0.4 < high[0] and low[1] < -1.0 < high[1]  # the simulation's -0.4 and -1.0
    assert within < 0 and between < 0
    assert list(res.model.n_groups) == ["client:therapist", "therapist"]
    text = res.summary()
    assert "Within clients:" in text and "Between clients:" in text and "t(" in text


def test_lag_two_and_no_decomposition(sessions):
    res = session_model(sessions, outcome="alliance", predictors=["rupture"], lag=2, decompose=False,
                        control_current=False)
    assert res.model.n_obs == len(sessions) - 120
    assert res.effects[["part", "term"]].values.tolist() == [["total", "rupture"]]
    assert "2 sessions later" in res.summary()


def test_to_dict_is_strict_json(sessions):
    payload = session_model(sessions, outcome="alliance", predictors=["rupture"]).to_dict()
    json.dumps(payload, allow_nan=False)
    assert payload["effects"][0]["part"] == "within" and payload["model"]["fixed"]


def test_bad_input(sessions):
    with pytest.raises(DataError) as err:
        session_model(sessions, outcome="symptoms", predictors=["rupture"])
    assert err.value.column == "symptoms"
    with pytest.raises(DataError, match="numeric") as err:
        session_model(sessions.assign(rupture="yes"), outcome="alliance", predictors=["rupture"])
    assert err.value.column == "rupture"
    with pytest.raises(OptionError, match="lag="):
        session_model(sessions, outcome="alliance", predictors=["rupture"], lag=0)
    with pytest.raises(OptionError, match="predictors="):
        session_model(sessions, outcome="alliance", predictors="rupture")
    with pytest.raises(DataError, match="never varies within a client"):
        session_model(sessions.assign(flag=sessions["client"] % 2), outcome="alliance", predictors=["flag"])
