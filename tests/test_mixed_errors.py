"""Bad input to mixed_model: a DataError naming the column, an OptionError naming the offending part of the
formula (issue 13 item 1), never a traceback from deep inside."""

import numpy as np
import pandas as pd
import pytest

from ruptstats import DataError, OptionError
from ruptstats.mixed import mixed_model


@pytest.fixture()
def sessions():
    rng = np.random.default_rng(7)
    client = np.repeat([f"c{i}" for i in range(12)], 5)
    frame = pd.DataFrame({"client": client, "session": np.tile(np.arange(1, 6), 12),
                          "therapist": np.repeat([f"t{i}" for i in range(4)], 15),
                          "condition": np.repeat(["none", "repaired", "unrepaired"], 20)})
    frame["y"] = 10 + 0.2 * frame["session"] + rng.normal(0, 1, 12)[np.repeat(np.arange(12), 5)] + rng.normal(0, 1, 60)
    return frame


def test_the_fixture_fits(sessions):
    res = mixed_model("y ~ session + condition + (1 | client)", sessions)
    assert res.fixed["term"].tolist() == ["(Intercept)", "session", "conditionrepaired", "conditionunrepaired"]


@pytest.mark.parametrize("formula, part", [
    ("y ~ session", "no random-effects term"),
    ("y session + (1 | client)", "exactly one '~'"),
    ("y ~ session + (1 | client", "unbalanced '('"),
    ("y ~ session + 1 | client", "'1 | client' must be in parentheses"),
    ("y ~ session + ( | client)", "'( | client)'"),
    ("y ~ session + (1 | )", "'(1 | )'"),
    ("y ~ session + (log(session) | client)", "(log(session) | client)"),
    ("y ~ session + (session - 1 - 0 | cli ent)", "'cli ent'"),
    ("y ~ session + + (1 | client)", "empty term"),
    ("log(y) ~ session + (1 | client)", "'log(y)'"),
    ("y ~ session + [ + (1 | client)", "fixed part 'session + ['"),
])
def test_formula_errors_name_the_offending_part(sessions, formula, part):
    with pytest.raises(OptionError) as err:
        mixed_model(formula, sessions)
    assert part in str(err.value)


def test_formula_must_be_a_string(sessions):
    with pytest.raises(OptionError, match="must be a string"):
        mixed_model(None, sessions)


@pytest.mark.parametrize("formula, column", [
    ("y ~ sesion + (1 | client)", "sesion"),
    ("y ~ session + (1 | clinet)", "clinet"),
    ("outcome ~ session + (1 | client)", "outcome"),
    ("y ~ session + (dose | client)", "dose"),
])
def test_unknown_column_is_a_data_error_naming_it(sessions, formula, column):
    with pytest.raises(DataError) as err:
        mixed_model(formula, sessions)
    assert err.value.column == column and repr(column) in str(err.value)


def test_non_numeric_outcome_names_the_column(sessions):
    with pytest.raises(DataError, match="must be numeric") as err:
        mixed_model("condition ~ session + (1 | client)", sessions)
    assert err.value.column == "condition"


def test_infinite_outcome_names_the_column(sessions):
    sessions.loc[3, "y"] = np.inf
    with pytest.raises(DataError, match="infinite") as err:
        mixed_model("y ~ session + (1 | client)", sessions)
    assert err.value.column == "y"


def test_grouping_factor_with_only_missing_values(sessions):
    sessions["client"] = None
    with pytest.raises(DataError, match="no non-missing value") as err:
        mixed_model("y ~ session + (1 | client)", sessions)
    assert err.value.column == "client"


def test_grouping_factor_with_one_level_is_refused_as_lme4_does(sessions):
    # lme4: "grouping factors must have > 1 sampled level"
    sessions["client"] = "only"
    with pytest.raises(DataError, match="> 1 sampled level") as err:
        mixed_model("y ~ session + (1 | client)", sessions)
    assert err.value.column == "client"


def test_one_row_per_group_is_refused_as_lme4_does(sessions):
    sessions["client"] = np.arange(len(sessions))
    with pytest.raises(DataError, match="fewer levels than rows"):
        mixed_model("y ~ session + (1 | client)", sessions)


def test_no_complete_row(sessions):
    sessions["y"] = np.nan
    with pytest.raises(DataError, match="no row has a value"):
        mixed_model("y ~ session + (1 | client)", sessions)


def test_rank_deficient_design(sessions):
    sessions["session2"] = 2 * sessions["session"]
    with pytest.raises(DataError, match="rank deficient"):
        mixed_model("y ~ session + session2 + (1 | client)", sessions)


def test_data_must_be_a_data_frame(sessions):
    with pytest.raises(DataError, match="DataFrame"):
        mixed_model("y ~ session + (1 | client)", sessions.to_dict("list"))


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_reml_must_be_a_bool(sessions, bad):
    with pytest.raises(OptionError, match="reml="):
        mixed_model("y ~ session + (1 | client)", sessions, reml=bad)


def test_level_is_checked(sessions):
    with pytest.raises(OptionError, match="level="):
        mixed_model("y ~ session + (1 | client)", sessions, level=150)


def test_constant_outcome_is_a_data_error(sessions):
    sessions["y"] = 3.0
    with pytest.raises(DataError, match="constant") as err:
        mixed_model("y ~ session + (1 | client)", sessions)
    assert err.value.column == "y"


def test_hostile_but_valid_columns_fit_like_plain_ones(sessions):
    # identifiers of mixed types, a categorical with an unused level, a nullable integer outcome with <NA>
    base = mixed_model("y ~ session + (1 | client)", sessions.iloc[1:])
    odd = sessions.copy()
    odd["client"] = pd.Series([i if i % 2 else f"c{i}" for i in sessions["client"].str[1:].astype(int)],
                              dtype=object)
    odd["y"] = pd.array(np.round(sessions["y"] * 1000).astype(int), dtype="Int64")
    odd.loc[0, "y"] = pd.NA
    res = mixed_model("y ~ session + (1 | client)", odd.assign(client=pd.Categorical(odd["client"].astype(str),
                      categories=sorted(set(odd["client"].astype(str))) + ["never"])))
    assert res.n_dropped == 1 and res.n_obs == 59 and res.n_groups == {"client": 12}
    scaled = mixed_model("y ~ session + (1 | client)", sessions.iloc[1:].assign(y=np.round(sessions["y"] * 1000)))
    np.testing.assert_allclose(res.fixed["estimate"], scaled.fixed["estimate"], rtol=1e-6)
    assert base.n_obs == 59
