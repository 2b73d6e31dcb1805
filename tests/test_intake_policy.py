"""One ``missing=`` policy on every entry point that takes a table: ``"error"`` (default) names the file, the
1-based data row and the column; ``"drop"`` drops the rows and reports their file row numbers. The old
spellings (``drop_missing=``, ``on_invalid=``) still work with a DeprecationWarning.

The tables are small invented examples; each test says which row is bad and why.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from ruptstats.effects import aggregate, convert_table, escalc
from ruptstats.exceptions import DataError, DataWarning, OptionError
from ruptstats.intake import MISSING, effects_from_table, missing_policy
from ruptstats.sessions import classify_sessions, client_conditions, load_clients, load_sessions
from ruptstats.sessions.validate import check_sessions, client_conflicts

# row 2 (1-based) has an empty cell in every table below
GROUPS = pd.DataFrame({"m1": [10.0, np.nan, 9.0], "s1": [2.0, 3.0, 2.5], "n1": [20, 25, 30],
                       "m2": [9.0, 11.0, 8.0], "s2": [2.2, 2.8, 2.4], "n2": [21, 24, 29]})
TWO = dict(m1i="m1", sd1i="s1", n1i="n1", m2i="m2", sd2i="s2", n2i="n2")
MIXED = pd.DataFrame({"statistic": ["r", "r", "r"], "value": [0.3, np.nan, 0.1], "n": [50, 40, 60]})
EFFECTS = pd.DataFrame({"study": ["A", "A", "B"], "yi": [0.2, np.nan, 0.1], "vi": [0.04, 0.09, 0.05]})
CORRS = pd.DataFrame({"study": ["A", "B", "C"], "r": [0.3, np.nan, 0.1], "n": [50, 80, 60]})
SESSIONS = "client,session,alliance\nA,1,3\n,2,4\nB,1,4\n"      # data row 2: no client
CLIENTS = "client,pre\nA,20\n,30\nB,25\n"                       # data row 2: no client


def _classified():
    # client a's covariate 'age' differs between its sessions (rows 1-3); alliance drop 5 -> 2 is a rupture
    d = pd.DataFrame({"client": ["a", "a", "a", "b", "b"], "session": [1, 2, 3, 1, 2],
                      "alliance": [5., 2, 3, 4, 4], "age": [30, 31, 30, 40, 40]})
    return classify_sessions(d, rule="trajectory", c=1, m=1)


def _write(tmp_path, text, name):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _gone(out, n=3):
    """File rows (the index ``row`` of the session loaders) no longer in the table."""
    return sorted(set(range(1, n + 1)) - set(out.index))


def _table_entry_points(tmp_path):
    """name -> (call taking **policy, how to read the dropped file rows from the result)."""
    s_path, c_path = _write(tmp_path, SESSIONS, "s.csv"), _write(tmp_path, CLIENTS, "c.csv")
    return {
        "escalc": (lambda **kw: escalc(GROUPS, measure="MD", **TWO, **kw), lambda out: out.attrs["dropped_rows"]),
        "convert_table": (lambda **kw: convert_table(MIXED, to="ZCOR", **kw), lambda out: out.attrs["dropped_rows"]),
        "aggregate": (lambda **kw: aggregate(EFFECTS, rho=0.5, **kw), lambda out: out.attrs["dropped_rows"]),
        "effects_from_table": (lambda **kw: effects_from_table(CORRS, **kw),
                               lambda out: [row for row, _ in out.excluded]),
        "load_sessions": (lambda **kw: load_sessions(s_path, **kw), _gone),
        "load_clients": (lambda **kw: load_clients(c_path, **kw), _gone),
    }


ENTRY_POINTS = ["escalc", "convert_table", "aggregate", "effects_from_table", "load_sessions", "load_clients"]


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_error_is_the_default_and_names_row_2(tmp_path, name):
    call, _ = _table_entry_points(tmp_path)[name]
    with pytest.raises(DataError) as err:
        call()
    assert err.value.row == 2
    with pytest.raises(DataError) as explicit:
        call(missing="error")
    assert str(explicit.value) == str(err.value)


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_drop_reports_the_file_row(tmp_path, name):
    call, dropped = _table_entry_points(tmp_path)[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call(missing="drop")
    assert dropped(out) == [2]
    shown = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    if name == "effects_from_table":  # reported in EffectInput.excluded (the CLI prints one line per row)
        assert shown == [] and out.excluded == ((2, "empty r"),)
    else:
        assert len(shown) == 1 and ("row 2 (" in shown[0] or "rows 2 excluded" in shown[0])


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_bad_policy_names_the_argument_and_the_allowed_set(tmp_path, name):
    call, _ = _table_entry_points(tmp_path)[name]
    with pytest.raises(OptionError, match=r"missing='skip' is not allowed; choose one of 'error', 'drop'"):
        call(missing="skip")


def test_client_conditions_takes_the_same_policy():
    with pytest.raises(DataError, match=r"row 1, column 'age': 'age' describes the client but differs"):
        client_conditions(_classified(), covariates=["age"])
    with pytest.warns(DataWarning, match=r"differs.*rows 1, 2, 3\)"):  # client a's three session rows
        out = client_conditions(_classified(), covariates=["age"], missing="drop")
    assert out["age"].isna().tolist() == [True, False]
    with pytest.raises(OptionError, match="missing='exclude' is not allowed; choose one of 'error', 'drop'"):
        client_conditions(_classified(), covariates=["age"], missing="exclude")


@pytest.mark.parametrize("old, value, new", [
    ("on_invalid", "exclude", "drop"), ("on_invalid", "error", "error"),
    ("drop_missing", True, "drop"), ("drop_missing", False, "error"),
])
def test_old_spellings_map_onto_missing_with_a_deprecation_warning(old, value, new):
    with pytest.warns(DeprecationWarning, match=f"{old}= is deprecated.*use missing="):
        assert missing_policy(**{old: value}) == new


def test_each_old_keyword_warns_on_its_entry_point(tmp_path):
    calls = _table_entry_points(tmp_path)
    for name in ("load_sessions", "load_clients"):
        call, dropped = calls[name]
        with pytest.warns(DeprecationWarning, match="on_invalid="), pytest.warns(DataWarning):
            assert dropped(call(on_invalid="exclude")) == [2]
    with pytest.warns(DeprecationWarning, match="on_invalid="), pytest.warns(DataWarning):
        client_conditions(_classified(), covariates=["age"], on_invalid="exclude")
    with pytest.warns(DeprecationWarning, match="drop_missing="):
        inp = effects_from_table(CORRS, drop_missing=True)
    assert inp.excluded == ((2, "empty r"),)
    with pytest.warns(DeprecationWarning, match="drop_missing="), pytest.raises(DataError, match="row 2"):
        effects_from_table(CORRS, drop_missing=False)


def test_session_checks_take_the_policy_and_the_old_spelling():
    d = pd.DataFrame({"client": ["a", "a", "b"], "session": [1, 2, 1], "age": [30, 31, 40]})
    with pytest.raises(DataError, match="row 1, column 'age'"):
        client_conflicts(d, "age")
    _, issue = client_conflicts(d, "age", "drop")
    assert issue.rows == (1, 2)
    with pytest.warns(DeprecationWarning):
        _, old = client_conflicts(d, "age", "exclude")  # the old third positional value
    assert old.rows == (1, 2)
    with pytest.warns(DeprecationWarning):
        _, old = client_conflicts(d, "age", on_invalid="exclude")
    assert old.rows == (1, 2)
    s = pd.DataFrame({"client": ["a", None, "b"], "session": [1, 1, 1]},
                     index=pd.Index([1, 2, 3], name="row"))
    with pytest.raises(DataError, match="row 2, column 'client': client is missing"):
        check_sessions(s)
    out, issues = check_sessions(s, missing="drop")
    assert out.index.tolist() == [1, 3] and issues[0].rows == (2,)


def test_old_and_new_keyword_together_is_an_option_error():
    with pytest.warns(DeprecationWarning), pytest.raises(OptionError, match="not both"):
        effects_from_table(CORRS, missing="drop", drop_missing=True)
    with pytest.warns(DeprecationWarning), pytest.raises(OptionError, match="on_invalid='skip' is not allowed"):
        missing_policy(on_invalid="skip")


def test_the_allowed_set_is_error_and_drop():
    assert MISSING == ("error", "drop")
    with pytest.raises(OptionError, match="missing=None"):
        missing_policy(None, default=None)


def test_mapping_checks_take_missing_and_the_older_on_invalid(tmp_path):
    p = _write(tmp_path, SESSIONS, "s.csv")
    with pytest.warns(DataWarning):
        new = load_sessions(p, {"checks": {"missing": "drop"}})
    with pytest.warns(DataWarning):
        old = load_sessions(p, {"checks": {"on_invalid": "exclude"}})
    assert _gone(new) == _gone(old) == [2]
    with pytest.raises(DataError, match="row 2"):
        load_sessions(p, {"checks": {"missing": "drop"}}, missing="error")  # the argument overrides the mapping
    with pytest.raises(OptionError, match="not both"):
        load_sessions(p, {"checks": {"missing": "drop", "on_invalid": "exclude"}})


def test_dropped_rows_keep_file_row_numbers_after_a_subset():
    # rows 11-13 of a file (row_numbers): the empty r is file row 12
    with pytest.raises(DataError, match="row 12, column 'r'"):
        effects_from_table(CORRS, row_numbers=[11, 12, 13])
    inp = effects_from_table(CORRS, row_numbers=[11, 12, 13], missing="drop")
    assert inp.excluded == ((12, "empty r"),) and inp.rows.tolist() == [11, 13]
