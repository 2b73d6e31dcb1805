"""Renamed options keep their old names for one release, with a DeprecationWarning (issue 9 item 7), and the
old and new spellings give the same numbers."""

import warnings

import numpy as np
import pytest

from ruptstats.effects import ci_to_se, ci_to_yi_vi
from ruptstats.exceptions import OptionError
from ruptstats.meta import rma, subgroup_analysis

# two subgroups of three studies (made-up numbers; only old vs new spelling is compared)
YI = [0.10, 0.25, 0.30, 0.60, 0.55, 0.70]
VI = [0.010, 0.020, 0.015, 0.010, 0.020, 0.012]
GROUPS = ["a", "a", "a", "b", "b", "b"]


@pytest.mark.parametrize("model", ["separate", "common"])
def test_subgroup_tau2_keyword_is_deprecated_for_tau2_model(model):
    res = rma(YI, VI)
    new = subgroup_analysis(res, GROUPS, tau2_model=model)
    with pytest.warns(DeprecationWarning, match="tau2_model"):
        old = subgroup_analysis(res, GROUPS, tau2=model)
    assert type(old) is type(new)
    assert old.tau2_model == new.tau2_model == model
    assert old.to_dict() == new.to_dict()


def test_subgroup_tau2_model_is_checked_and_not_given_twice():
    res = rma(YI, VI)
    with pytest.raises(OptionError, match="tau2_model.*'both'"):
        subgroup_analysis(res, GROUPS, tau2_model="both")
    with pytest.raises(OptionError, match="not both"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        subgroup_analysis(res, GROUPS, tau2_model="common", tau2="common")


def test_new_spelling_warns_nothing():
    res = rma(YI, VI)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        subgroup_analysis(res, GROUPS, tau2_model="common")


def test_ci_to_se_log_scale_is_deprecated_for_scale():
    new = ci_to_se([1.2, 0.5], [3.4, 0.9], scale="log")
    with pytest.warns(DeprecationWarning, match="scale='log'"):
        old = ci_to_se([1.2, 0.5], [3.4, 0.9], log_scale=True)
    np.testing.assert_array_equal(old, new)
    with pytest.warns(DeprecationWarning):
        old_identity = ci_to_se([0.1], [0.5], log_scale=False)
    np.testing.assert_array_equal(old_identity, ci_to_se([0.1], [0.5]))


def test_ci_to_se_and_ci_to_yi_vi_share_one_scale_option():
    yi, vi = ci_to_yi_vi(2.0, 1.2, 3.4, scale="log")
    np.testing.assert_array_equal(vi, ci_to_se(1.2, 3.4, scale="log") ** 2)
    with pytest.raises(OptionError, match="scale.*'logit'"):
        ci_to_se(1.2, 3.4, scale="logit")
    with pytest.raises(OptionError, match="not both"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ci_to_se(1.2, 3.4, scale="log", log_scale=True)
