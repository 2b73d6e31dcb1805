"""The JSON writer of the command line (``ruptstats.cli._common.json_text``) against the standard library.

The reference is the writer it replaced, kept here: every non-finite float replaced by None
(:func:`reference_strict`), then ``json.dumps(..., indent=2, allow_nan=False)``. The fast writer must give the
same bytes on any JSON-ready input (nested dicts and lists, records, strings with separators in them,
non-finite floats, numpy floats) and on the real outputs of ``python -m ruptstats.meta``. numpy integers, bools
and arrays, which ``json`` refuses, are written as their Python values (``tolist()``).
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruptstats.cli import _common
from ruptstats.cli.meta import main
from ruptstats.meta import _small
from ruptstats.meta.model import rma


def reference_strict(value):
    """The old ``_common._strict``: every non-finite float as None (strict JSON has no NaN or Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: reference_strict(val) for key, val in value.items()}
    if isinstance(value, (list, tuple)):
        return [reference_strict(val) for val in value]
    return value


def reference_text(payload) -> str:
    """The old ``_common.json_text``: the pure-Python encoder of ``json`` (it is used whenever indent is set)."""
    return json.dumps(reference_strict(payload), indent=2, allow_nan=False) + "\n"


def plain(value):
    """``value`` with numpy integers, bools and arrays as their Python values (what the writer documents)."""
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, float):
        return value.tolist()
    if isinstance(value, dict):
        return {key: plain(val) for key, val in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(val) for val in value]
    return value


def no_constants(text: str):
    """Parse ``text`` as strict JSON: NaN, Infinity and -Infinity make the parse fail."""
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


# -- generated structures ---------------------------------------------------------------------------------------

#: Strings that look like the separators, tokens and template markers the writer works with.
TRICKY = ["", "a, b", ", ", '"', 'say "hi"', "{", "}", "[]", "}, {", ": ", "NaN", "Infinity", "-Infinity",
          "nan", "null", "%s", "%%", "%(x)s", "\\", "\n", "\t", "\x00", "é", "\u2028", "日本", "\U0001f600",
          "Smith, 2001", '": NaN, "']

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e16, 1e-5, 1e-4, 5e-324, 1.7976931348623157e308, 0.1, 123456789012345678.0, -1.5e-300])
strings = st.text(max_size=12) | st.sampled_from(TRICKY)
python_scalars = st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70) | floats | strings
numpy_scalars = (floats.map(np.float64) | floats.map(np.float32) | st.integers(-2**40, 2**40).map(np.int64)
                 | st.booleans().map(np.bool_))
scalars = python_scalars | numpy_scalars
keys = strings | st.integers(-5, 5) | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def record_lists(draw, leaves):
    """Lists of dicts with the same keys in the same order (the per-study rows), sometimes one row differs."""
    names = draw(st.lists(keys, min_size=0, max_size=5, unique_by=lambda k: json.dumps(k)))
    column_kinds = [draw(st.sampled_from(["float", "int", "str", "bool", "any"])) for _ in names]
    kind_strategy = {"float": floats | floats.map(np.float64), "int": st.integers(), "str": strings,
                     "bool": st.booleans(), "any": leaves}
    n = draw(st.integers(0, 6))
    rows = [{name: draw(kind_strategy[kind]) for name, kind in zip(names, column_kinds)} for _ in range(n)]
    if rows and draw(st.booleans()):
        rows[draw(st.integers(0, n - 1))] = draw(st.dictionaries(keys, leaves, max_size=3))
    return rows


def nested(leaves):
    return st.recursive(
        leaves,
        lambda inner: (st.lists(inner, max_size=5) | st.lists(inner, max_size=3).map(tuple)
                       | st.dictionaries(keys, inner, max_size=5) | record_lists(inner)),
        max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(nested(python_scalars))
def test_same_bytes_as_json_dumps(payload):
    assert _common.json_text(payload) == reference_text(payload)


@settings(max_examples=300, deadline=None)
@given(nested(scalars))
def test_numpy_values_written_as_their_python_values(payload):
    text = _common.json_text(payload)
    assert text == reference_text(plain(payload))
    no_constants(text)


@settings(max_examples=200, deadline=None)
@given(record_lists(python_scalars), st.integers(0, 3))
def test_records_at_any_depth(rows, depth):
    payload = rows
    for level in range(depth):
        payload = {f"level {level}": payload, "after": [1.5, None]}
    assert _common.json_text(payload) == reference_text(payload)


def test_non_finite_floats_are_null_everywhere():
    payload = {"a": math.nan, "b": [math.inf, -math.inf, 1.0],
               "c": [{"x": math.nan, "y": 1.0}, {"x": 2.0, "y": -math.inf}], "d": np.float64("nan"), "e": np.array([1.0, np.nan]), "f": [np.float32("inf")]}
    text = _common.json_text(payload)
    got = no_constants(text)
    assert got == {"a": None, "b": [None, None, 1.0], "c": [{"x": None, "y": 1.0}, {"x": 2.0, "y": None}],
                   "d": None, "e": [1.0, None], "f": [None]}
    assert "NaN" not in text and "Infinity" not in text


def test_long_float_column_with_one_nan():
    """A long column of floats (the per-study rows) with a NaN far inside: that one value is null."""
    values = np.random.default_rng(3).normal(size=5000)
    values[4321] = np.nan
    rows = _small.records(["study", "estimate"], [[f"s{i}" for i in range(5000)], values.tolist()])
    text = _common.json_text({"rows": rows})
    assert text == reference_text({"rows": rows})
    assert no_constants(text)["rows"][4321] == {"study": "s4321", "estimate": None}


@pytest.mark.parametrize("payload, error", [
    ({math.nan: 1}, ValueError),  # json refuses a non-finite float key with allow_nan=False
    ({(1, 2): 1}, TypeError),  # and a tuple key
    ([object()], TypeError),
    ({"a": [{"b": object()}]}, TypeError),
])
def test_what_json_refuses_is_refused(payload, error):
    with pytest.raises(error):
        reference_text(payload)
    with pytest.raises(error):
        _common.json_text(payload)


def test_scalar_payloads():
    for payload in (None, True, 0, -3, 2.5, math.nan, "x, y", [], {}, [[]], [{}], {"a": {}}):
        assert _common.json_text(payload) == reference_text(payload)


# -- the command line -------------------------------------------------------------------------------------------

ARGVS = [
    ["--format", "json"],
    ["--format", "json", "--sensitivity"],
    ["--format", "json", "--bias"],
    ["--format", "json", "--subgroup", "rater"],
    ["--format", "json", "--cumulative", "year"],
    ["--format", "json", "--moderator", "year", "--moderator", "rater", "--categorical", "rater"],
    ["--format", "json", "--test", "knha", "--method", "DL", "--sensitivity", "--bias"],
    ["--format", "json", "--permutations", "50", "--seed", "1", "--moderator", "year"],
]


@pytest.fixture
def captured_payloads(monkeypatch):
    """The payloads the command writes, recorded on their way into ``json_text``."""
    payloads = []
    fast = _common.json_text

    def recording(payload):
        payloads.append(payload)
        return fast(payload)

    monkeypatch.setattr(_common, "json_text", recording)
    return payloads


@pytest.mark.parametrize("argv", ARGVS, ids=lambda argv: " ".join(argv[2:]) or "default")
def test_cli_output_same_bytes_as_json_dumps(argv, capsys, captured_payloads):
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 0, err
    assert len(captured_payloads) == 1
    assert out == reference_text(captured_payloads[0])
    no_constants(out)


def test_cli_sensitivity_with_commas_quotes_and_undefined_values(tmp_path, capsys, captured_payloads):
    """Study labels holding the writer's separators, and a model with undefined values (one identical effect
    everywhere: tau2 = 0, I2 undefined), written as the old writer wrote them."""
    table = pd.DataFrame({"study": ['Smith, 2001', 'Lee "B", 2003', "Ng {x}", "Ó'Brien: [1]", "x: NaN}"],
                          "yi": [0.2, 0.2, 0.2, 0.2, 0.2], "vi": [0.01, 0.02, 0.03, 0.04, 0.05]})
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    status = main([str(path), "--format", "json", "--sensitivity", "--bias"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out == reference_text(captured_payloads[0])
    got = no_constants(out)
    assert [row["study"] for row in got["leave_one_out"]] == list(table["study"])


def test_cli_write_effects_json_same_bytes(tmp_path, capsys):
    """``--write-effects PATH.json`` goes through the same writer (records from ``DataFrame.to_json``)."""
    path = tmp_path / "effects.json"
    assert main(["--write-effects", str(path)]) == 0
    capsys.readouterr()
    text = path.read_text(encoding="utf-8")
    assert text == reference_text(json.loads(text))


# -- to_dict built column-wise ------------------------------------------------------------------------------------

def old_studies(res):
    """The study rows as ``MetaResult.to_dict`` built them before, one ``itertuples`` row at a time."""
    return [{"study": r.study, "yi": float(r.yi), "vi": float(r.vi), "weight": float(r.weight),
             "ci_lower": float(r.ci_lower), "ci_upper": float(r.ci_upper)}
            for r in res.studies_frame().itertuples(index=False)]


@pytest.mark.parametrize("study", [["a", "b, c", "d"], [3, 1, 2], ["a", 2, "c"], None])
def test_meta_result_studies_unchanged(study):
    res = rma([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], study=study)
    got, want = res.to_dict()["studies"], old_studies(res)
    assert got == want
    assert [type(row["study"]) for row in got] == [type(row["study"]) for row in want]
    assert [list(row) for row in got] == [list(row) for row in want]


def old_per_study(result):
    """The rows as ``PerStudyResult.to_dict`` built them before: a ``json_value`` call per label."""
    frame = result.summary_frame()
    names = list(result.json_fields) if result.json_fields is not None else list(frame.columns)
    columns = []
    for name in names:
        values = frame[name].to_numpy()
        if values.dtype.kind == "f":
            out = [None if math.isnan(v) else v for v in values.tolist()]
        elif values.dtype.kind in "iub":
            out = values.tolist()
        else:
            out = [_small.json_value(x) for x in values.tolist()]
        columns.append(out)
    return [dict(zip(names, row)) for row in zip(*columns)]


def test_per_study_results_unchanged():
    from ruptstats.meta.sensitivity import influence, leave_one_out

    res = rma([0.1, 0.3, 0.2, 0.5, 0.2], [0.01, 0.02, 0.03, 0.02, 0.05],
              study=["a", "b, c", "d", "e", "f"])
    for result in (leave_one_out(res), influence(res)):
        got, want = result.to_dict(), old_per_study(result)
        assert got == want
        assert [list(row) for row in got] == [list(row) for row in want]
        assert [[type(v) for v in row.values()] for row in got] == [[type(v) for v in row.values()] for row in want]
