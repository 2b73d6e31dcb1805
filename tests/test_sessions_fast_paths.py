"""The loader's fast paths give what the general paths (or a plain Python loop) give, on seeded random data.

No reference numbers here: each test computes the same quantity twice, by the fast path the 1,000,000-row
benchmark (``benchmarks/bench_loaders.py``) takes and by the slow, obvious route, and requires equality (exact
for counts, codes and sums of whole numbers).
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from ruptstats.sessions import INSTRUMENTS, Instrument, load_sessions, score_instrument
from ruptstats.sessions._groups import group_codes, sample_sd
from ruptstats.sessions.normalise import to_boolean
from ruptstats.sessions.validate import client_conflicts
from ruptstats.tables import read_table


def as_list(values):
    return [None if pd.isna(v) else bool(v) for v in values]


# --- scoring: whole-number items (int64 sums) against the same items as floats (the general path) ---------------

@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
@pytest.mark.parametrize("score", ["sum", "mean"])
def test_integer_items_score_as_their_float_copies(name, score):
    inst = INSTRUMENTS[name]
    rng = np.random.default_rng(7)
    lo, hi = int(np.ceil(inst.low)), int(np.floor(inst.high))
    d = pd.DataFrame(rng.integers(lo, hi + 1, (500, inst.n_items)), columns=[f"i{j + 1}" for j in range(inst.n_items)])
    fast = score_instrument(d, inst, items="i{}", score=score)
    slow = score_instrument(d.astype(float), inst, items="i{}", score=score)
    assert all(d.dtypes == np.int64) and all(fast.dtypes == slow.dtypes)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the mean of a scale without items
def test_integer_items_of_a_declared_instrument_with_overlapping_subscales_and_reverse_keys():
    inst = Instrument("X", 5, 1.0, 7.0, reverse=(1, 4), subscales={"a": (1, 2, 3), "b": (3, 4, 5), "c": ()})
    d = pd.DataFrame(np.random.default_rng(8).integers(1, 8, (300, 5)), columns=[f"x{j}" for j in range(1, 6)])
    for score in ("sum", "mean"):
        fast = score_instrument(d.astype(np.int8), inst, items="x{}", score=score)
        slow = score_instrument(d.astype(float), inst, items="x{}", score=score)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_sample_sd_is_numpy_std_of_the_known_values():
    x = np.random.default_rng(5).normal(0, 2, 1001)
    x[::7] = np.nan
    assert sample_sd(x) == np.std(x[~np.isnan(x)], ddof=1)  # the same two-pass arithmetic, to the last bit
    assert np.isnan(sample_sd(np.array([np.nan, 1.0])))


# --- group codes and the client-level conflict check ---------------------------------------------------------------

@pytest.mark.parametrize("seed", [41, 42, 43])
def test_group_codes_group_and_order_as_the_columns(seed):
    rng = np.random.default_rng(seed)
    n = 400
    d = pd.DataFrame({
        "study": pd.Categorical(["S"] * n),                                   # one value: skipped
        "client": pd.Categorical(rng.choice(["x", "y", "z", None], n)),       # with missing values
        "rater": rng.choice(["client", "therapist"], n),                      # plain text
        "wave": pd.Categorical(rng.integers(0, 3, n)),
    })
    for cols in (["study"], ["client"], ["study", "client"], ["client", "rater"], ["study", "client", "wave"]):
        g = np.asarray(group_codes(d, cols))
        want = d.groupby(cols, dropna=False, observed=True, sort=False).ngroup().to_numpy()
        pairs = set(zip(g.tolist(), want.tolist()))
        assert len(pairs) == len(set(g.tolist())) == len(set(want.tolist()))  # the same partition of the rows
    g = np.asarray(group_codes(d, ["client", "wave"]))  # order: by client category (missing last), then wave
    client = np.where(d["client"].cat.codes < 0, 3, d["client"].cat.codes)
    assert np.array_equal(np.argsort(g, kind="stable"), np.lexsort((d["wave"].cat.codes, client)))


def plain_conflicts(d, column):
    """Rows of clients whose non-missing values of ``column`` differ (a loop over clients)."""
    bad = np.zeros(len(d), dtype=bool)
    for _, rows in d.groupby("client", sort=False).indices.items():
        values = set(d[column].iloc[rows].dropna())
        bad[rows] = len(values) > 1
    return bad


@pytest.mark.parametrize("seed", [51, 52, 53, 54])
@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_client_conflicts_match_a_plain_loop(seed, missing, shuffle):
    rng = np.random.default_rng(seed)
    client = np.repeat([f"c{i:02d}" for i in range(60)], rng.integers(1, 6, 60))  # category order = row order
    therapist = pd.Series(client).map({c: f"t{int(c[1:]) % 7}" for c in set(client)}).to_numpy(dtype=object)
    flip = rng.random(len(client)) < 0.03
    therapist[flip] = "tx"
    if missing:
        therapist[rng.random(len(client)) < 0.2] = None
    d = pd.DataFrame({"client": pd.Categorical(client), "therapist": pd.Categorical(therapist),
                      "age": np.where(flip, 99.0, 30.0)})
    assert np.all(np.diff(d["client"].cat.codes) >= 0)  # grouped rows unless shuffled: both paths are tested
    if shuffle:
        d = d.sample(frac=1, random_state=seed).reset_index(drop=True)
    for column in ("therapist", "age"):
        want = plain_conflicts(d, column)
        out, issue = client_conflicts(d, column, "exclude")
        assert (issue is None) == (not want.any())
        if issue is not None:
            assert issue.rows == tuple(int(r) + 1 for r in np.flatnonzero(want))
            assert out[column][want].isna().all()


# --- values and the reader ------------------------------------------------------------------------------------------

def test_booleans_from_a_categorical_equal_those_from_text():
    words = np.random.default_rng(6).choice(["ja", "Nein", "yes", "0", None, "x"], 300)
    text = pd.DataFrame({"rupture": pd.Series(words, dtype=object)})
    coded = pd.DataFrame({"rupture": pd.Categorical(words, categories=["unused", "x", "ja", "Nein", "yes", "0"])})
    assert as_list(to_boolean(coded, "rupture")) == as_list(to_boolean(text, "rupture"))
    bad = pd.DataFrame({"rupture": pd.Categorical(["ja", "vielleicht", "nein"])})
    with pytest.raises(Exception, match="row 2.*'vielleicht'"):
        to_boolean(bad, "rupture")


def test_arrow_reader_categoricals_equal_what_to_pandas_gives(tmp_path):
    rng = np.random.default_rng(9)
    n = 5000
    d = pd.DataFrame({"client": rng.choice([f"K{i}" for i in range(700)] + [""], n),
                      "therapist": rng.choice(["A", "B", "Ä"], n), "empty": [""] * n, "x": rng.integers(0, 9, n)})
    p = tmp_path / "s.csv"
    d.to_csv(p, index=False)
    cols = ["client", "therapist", "empty"]
    got = read_table(p, engine="pyarrow", categorical=cols)
    text = pa.dictionary(pa.int32(), pa.string())
    table = pacsv.read_csv(p, read_options=pacsv.ReadOptions(block_size=1 << 14),  # several chunks to unify
                           convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                column_types={c: text for c in cols}))
    want = table.to_pandas()
    pd.testing.assert_frame_equal(got.drop(columns="empty"), want.drop(columns="empty"), check_exact=True)
    for c in ("client", "therapist"):
        assert got[c].cat.categories.dtype == want[c].cat.categories.dtype
        assert got[c].cat.codes.dtype == want[c].cat.codes.dtype
    assert got["empty"].isna().all() and isinstance(got["empty"].dtype, pd.CategoricalDtype)
    assert list(got["client"].cat.categories[:3]) == list(pd.unique(d["client"].replace("", np.nan).dropna())[:3])


def test_loaded_score_columns_are_independent_and_writable(tmp_path):
    rng = np.random.default_rng(10)
    d = pd.DataFrame({"client": np.repeat(["a", "b"], 3), "session": [1, 2, 3] * 2,
                      "resolution": rng.integers(1, 6, 6)})
    for j in range(1, 13):
        d[f"w{j}"] = rng.integers(1, 6, 6)
    d.to_csv(tmp_path / "s.csv", index=False)
    s = load_sessions(tmp_path / "s.csv", {"instruments": {"wai": {"instrument": "WAI-SR", "items": "w{}",
                                                                     "target": "alliance"}}})
    assert s["alliance"].tolist() == s["wai_total"].tolist() == d[[f"w{j}" for j in range(1, 13)]].sum(axis=1).tolist()
    total = s["wai_total"].tolist()
    s.loc[s.index[0], "alliance"] = -1.0  # the target is its own column
    s.loc[s.index[1], "session"] = 7      # loaded columns can be changed in place
    s.loc[s.index[2], "resolution"] = 0.5
    assert s["wai_total"].tolist() == total and s["alliance"].iloc[0] == -1.0
    assert s["session"].iloc[1] == 7 and s["resolution"].iloc[2] == 0.5
