"""Three-level model and CR2 cluster-robust inference against metafor 3.8.1 and clubSandwich 0.5.8.

Sources: konstantopoulos2011.json (make_reference_shared.R: ``rma.mv(yi, vi, random = ~ 1 | district/school)``
and ``robust(ml, cluster = district, clubSandwich = TRUE)``) and analyses_reference.json (make_analyses_reference.R:
level-wise I2 by the metafor FAQ formula, ``clubSandwich::coef_test(ml, vcov = "CR2")``).
"""

import numpy as np
import pytest
from analyses_helpers import ANALYSES, close, konstantopoulos, load
from tolerances import CLOSED_FORM, EXACT, ITERATIVE

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import rma, robust, three_level
from ruptstats.meta.cluster_robust import cr2_vcov

REF = load("konstantopoulos2011.json")


@pytest.fixture(scope="module")
def model():
    return three_level(konstantopoulos(), "district")


def test_three_level_model_equals_rma_mv(model):
    ref = REF["three_level_REML"]
    assert model.k == ref["k"] and model.n_clusters == 11
    for key in ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "sigma2_cluster", "sigma2_within"):
        close(getattr(model, key), ref[key], ITERATIVE)
    close([model.q, model.q_p], [ref["q"], ref["q_p"]], CLOSED_FORM)
    extra = ANALYSES["konstantopoulos2011"]["three_level_REML"]
    close([model.i2_cluster, model.i2_within, model.loglik], [extra["i2_cluster"], extra["i2_within"], extra["ll"]],
          ITERATIVE)


def test_three_level_from_a_result_and_labels(model):
    d = konstantopoulos()
    again = three_level(rma(d.yi, d.vi), d.district.tolist())
    assert again.estimate == pytest.approx(model.estimate, rel=EXACT)
    assert set(model.to_dict()) >= {"k", "sigma2_cluster", "sigma2_within", "i2_cluster", "i2_within", "q_p"}


def test_cr2_equals_clubsandwich(model):
    ref = REF["three_level_REML_robust_CR2"]
    rb = robust(model)
    for key in ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper"):
        close(getattr(rb, key), ref[key], ITERATIVE)
    cs = ANALYSES["konstantopoulos2011"]["clubsandwich_CR2"]
    close([rb.se, rb.df, rb.p], [cs["se"], cs["df"], cs["p"]], ITERATIVE)


def test_cr2_of_a_random_effects_model_equals_clubsandwich():
    # coef_test(rma(yi, vi), vcov = "CR2", cluster = district): working weights 1/(vi + tau2)
    ref = ANALYSES["konstantopoulos2011"]["clubsandwich_CR2_rma_uni"]
    d = konstantopoulos()
    rb = robust(rma(d.yi, d.vi), cluster=d.district)
    close([rb.estimate, rb.se, rb.df, rb.p], [ref["estimate"], ref["se"], ref["df"], ref["p"]], ITERATIVE)


def test_cr2_reduces_to_the_hc2_idea_for_one_effect_per_cluster():
    # With one effect size per cluster and W = V^-1, A_j = (1 - h_j)^(-1/2): CR2 = sum w_j^2 e_j^2/(1-h_j) / (sum w)^2
    y = np.array([0.1, 0.4, 0.25, 0.6, 0.3])
    V = np.diag([0.02, 0.03, 0.01, 0.05, 0.02])
    beta, vcov, _ = cr2_vcov(y, np.ones((5, 1)), V, ["a", "b", "c", "d", "e"])
    w = 1 / np.diag(V)
    h = w / w.sum()
    e = y - beta[0]
    close(vcov[0, 0], np.sum(w**2 * e**2 / (1 - h)) / w.sum() ** 2, CLOSED_FORM)


def test_bad_clusters_raise():
    d = konstantopoulos()
    with pytest.raises(DataError, match="cluster label missing"):
        three_level(rma(d.yi, d.vi), [None] + d.district.tolist()[1:])
    with pytest.raises(DataError, match="at least 2 clusters"):
        three_level(rma(d.yi, d.vi), ["one"] * len(d))
    with pytest.raises(DataError, match="not found"):
        three_level(d, "nope")
    with pytest.raises(OptionError, match="cluster"):
        robust(rma(d.yi, d.vi))
    model = three_level(d, "district")
    with pytest.raises(OptionError, match="links effect sizes of different clusters"):
        robust(model, cluster=d.school)
