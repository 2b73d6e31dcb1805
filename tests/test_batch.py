"""rma_batch: every row equals rma() on that row (all estimators, z and knha), and hostile input is refused."""

import json
import warnings

import numpy as np
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import rma, rma_batch
from ruptstats.vocabulary import unknown_names
from tolerances import EXACT, ITERATIVE, ITERATIVE_ABS, ZERO_ATOL

CLOSED = ("FE", "DL", "HE", "HS", "SJ")
ITER = ("ML", "REML", "EB", "PM")
FIELDS = ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "tau2_se",
          "i2", "h2", "q", "q_p")


def _stack(seed=20261130, n=40, m=9):
    """Random rows with k = 1..m (NaN-padded), plus rows with k = 1, k = 2 and all-identical effects."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, m + 1, n)
    k[:3] = [1, 2, m]
    v = rng.uniform(0.005, 0.2, (n, m))
    y = rng.normal(0.3, np.sqrt(v + rng.uniform(0, 0.1, (n, 1))))
    y[3, :] = 0.4  # all-identical effects: Q = 0, tau2 = 0
    k[3] = m
    for i in range(n):
        y[i, k[i]:] = np.nan
        v[i, k[i]:] = np.nan
    return y, v, k


def _rows_equal(b, y, v, k, method, test, rtol, atol):
    for i in range(len(k)):
        if test == "knha" and k[i] == 1:  # rma() refuses knha with one study; the batch row is NaN
            assert np.isnan(b.se[i]) and np.isnan(b.ci_lower[i])
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = rma(y[i, :k[i]], v[i, :k[i]], method=method, test=test)
        assert b.k[i] == r.k
        for name in FIELDS:
            want = getattr(r, name)
            want = np.nan if want is None else want
            np.testing.assert_allclose(getattr(b, name)[i], want, rtol=rtol, atol=atol, err_msg=f"row {i} {name}")
        if test == "knha":
            assert b.df[i] == r.df


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", CLOSED)
def test_closed_form_rows_equal_rma(method, test):
    y, v, k = _stack()
    _rows_equal(rma_batch(y, v, method=method, test=test), y, v, k, method, test, EXACT, ZERO_ATOL)


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", ITER)
def test_iterative_rows_equal_rma(method, test):
    y, v, k = _stack()
    _rows_equal(rma_batch(y, v, method=method, test=test), y, v, k, method, test, ITERATIVE, ITERATIVE_ABS)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_rows_where_scoring_stops_short_take_rma_fallback(method):
    # k = 20 with tau2 = 0.02: about 1.5 % of such rows have a likelihood larger at 0 than where Fisher scoring
    # stops, so rma() (and the batch) fall back to the bracketed root; these rows are the hard cases
    rng = np.random.default_rng(1)
    v = rng.uniform(0.01, 0.1, (2000, 20))
    y = rng.normal(0.3, np.sqrt(v + 0.02))
    b = rma_batch(y, v, method=method)
    bad = np.flatnonzero(~b.converged)
    assert bad.size > 5
    for i in bad[:15]:
        r = rma(y[i], v[i], method=method)
        assert any("Fisher scoring" in n for n in r.notes)  # rma() says why it used the bracketed root
        np.testing.assert_allclose([b.tau2[i], b.estimate[i], b.se[i]], [r.tau2, r.estimate, r.se],
                                   rtol=ITERATIVE, atol=ITERATIVE_ABS)


def test_one_dimensional_input_is_one_row_and_chunking_changes_nothing():
    y, v, _ = _stack()
    whole = rma_batch(y, v)
    chunked = rma_batch(y, v, chunk_size=7)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name))
    one = rma_batch(y[2], v[2])
    assert len(one) == 1 and one.estimate[0] == whole.estimate[2]


def test_row_without_studies_is_nan_and_not_converged():
    y = np.array([[0.1, 0.2], [np.nan, np.nan]])
    b = rma_batch(y, np.array([[0.01, 0.02], [np.nan, np.nan]]))
    assert b.k.tolist() == [2, 0] and np.isnan(b.estimate[1]) and b.converged.tolist() == [True, False]


@pytest.mark.parametrize("yi, vi, text", [
    ([[0.1, 0.2]], [[0.01]], "same shape"),
    ([[0.1, np.nan]], [[0.01, 0.02]], "row 1, column 2"),
    ([[0.1, 0.2], [0.3, 0.4]], [[0.01, 0.02], [0.01, 0.0]], "row 2, column 2"),
    ([[0.1, np.inf]], [[0.01, 0.02]], "yi must be finite"),
    ([["a", "b"]], [[0.01, 0.02]], "numeric"),
])
def test_hostile_input_is_a_data_error_naming_the_cell(yi, vi, text):
    with pytest.raises(DataError, match=text):
        rma_batch(yi, vi)


@pytest.mark.parametrize("kwargs, text", [({"method": "XX"}, "method='XX'"), ({"test": "t"}, "test='t'"),
                                          ({"level": 0}, "level"), ({"chunk_size": 0}, "chunk_size"),
                                          ({"control": {"tresh": 1}}, "unknown keys"),
                                          ({"client": object()}, "not a dask")])
def test_bad_options_are_option_errors(kwargs, text):
    with pytest.raises(OptionError, match=text):
        rma_batch([[0.1, 0.2]], [[0.01, 0.02]], **kwargs)


def test_to_dict_is_strict_json_and_names_are_in_the_vocabulary():
    y, v, _ = _stack()
    for test in ("z", "knha"):
        b = rma_batch(y, v, test=test)
        payload = json.loads(json.dumps(b.to_dict(), allow_nan=False))
        assert payload["estimate"][0] == b.estimate[0]
        assert unknown_names(payload) == [] and unknown_names(b.to_frame().columns) == []
        assert len(b.to_frame()) == len(y)
        assert "meta-analyses" in b.summary()
