"""Issue 11 items 5-7 and 9 against metafor 3.8.1 and clubSandwich (``tests/reference/make_parity2_reference.R``,
values in ``parity2_reference.json``; the R call of each block is named in its test):

- ``regtest(res, model = "rma" | "lm", predictor = ...)`` on dat.bcg (log RR): REML z, DL Knapp-Hartung, FE and
  a meta-regression on ablat;
- ``rma.mh`` (OR, RR, RD) on dat.bcg and dat.collins1985a (the MH examples), ``rma.peto`` on dat.bcg,
  dat.yusuf1985 tables 6 and 9 (zero cells) and dat.collins1985a;
- ``robust(..., clubSandwich = FALSE | TRUE)`` and ``rma.mv(yi, vi, mods, random = ~ 1 | district/school)`` (ML and
  REML, ``confint``) on dat.konstantopoulos2011;
- ``gosh(rma(yi, vi, method = "FE"))`` on the first 16 rows of dat.konstantopoulos2011 (all 65,535 subsets).
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from analyses_helpers import close, load
from tolerances import ALGEBRAIC, CLOSED_FORM, ITERATIVE, PROFILE_CI_UNIROOT_ABS, RMA_MV_ITERATIVE

from ruptstats.cli.meta import main
from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import (egger_test, gosh, meta_regression, regtest, rma, rma_mh, rma_peto, robust,
                            three_level)

REF = load("parity2_reference.json")
MH_KEYS = ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "q", "q_p", "i2", "h2", "cmh", "cmh_p",
           "tarone", "tarone_p")


# --- regtest ----------------------------------------------------------------------------------------------------

def _regtest_fits():
    d = REF["regtest"]["data"]
    y, v, n = (np.array(d[key]) for key in ("yi", "vi", "ni"))
    table = pd.DataFrame({"yi": y, "vi": v, "ablat": d["ablat"]})
    return n, {"REML_z": rma(y, v, ni=n), "DL_knha": rma(y, v, ni=n, method="DL", test="knha"),
               "FE_z": rma(y, v, ni=n, method="FE"), "REML_z_ablat": meta_regression(table, ["ablat"])}


N_BCG, REGTEST_FITS = _regtest_fits()


def test_regtest_grid_is_complete():
    assert len(REF["regtest"]["cases"]) == 4 * 2 * 5


@pytest.mark.parametrize("name", sorted(REF["regtest"]["cases"]))
def test_regtest_equals_metafor(name):
    # regtest(<fit>, model = <model>, predictor = <predictor>)
    case = REF["regtest"]["cases"][name]
    fit = REGTEST_FITS[case["fit"]]
    res = regtest(fit, model=case["model"], predictor=case["predictor"], ni=N_BCG)
    tol = ITERATIVE if case["model"] == "rma" and case["fit"].startswith("REML") else CLOSED_FORM
    close([res.statistic, res.p, res.intercept, res.se], [case["statistic"], case["p"], case["coef"][-1],
                                                          case["se"][-1]], tol)
    assert res.df == case["df"]
    assert (res.model, res.predictor) == (case["model"], case["predictor"])
    if case["limit_estimate"] is None:
        assert res.limit_estimate is None and res.limit_ci_lower is None
    else:
        close([res.limit_estimate, res.limit_ci_lower, res.limit_ci_upper],
              [case["limit_estimate"], case["ci_lower"], case["ci_upper"]], tol)


def test_egger_test_is_regtest_lm_sei():
    fit = REGTEST_FITS["REML_z"]
    a, b = egger_test(fit), regtest(fit, model="lm")
    close([a.intercept, a.se, a.p, a.limit_estimate], [b.intercept, b.se, b.p, b.limit_estimate], ALGEBRAIC)
    assert a.to_dict()["model"] == "lm" and a.to_dict()["predictor"] == "sei"


def test_regtest_errors():
    fit = rma([0.1, 0.3, 0.2, 0.4], [0.01, 0.02, 0.03, 0.04])
    with pytest.raises(OptionError, match="needs the sample sizes"):
        regtest(fit, predictor="ninv")
    with pytest.raises(OptionError, match="model"):
        regtest(fit, model="glm")
    with pytest.raises(DataError, match="constant or collinear"):
        regtest(rma([0.1, 0.3, 0.2, 0.4], [0.02] * 4))


def test_cli_regtest_model_option(capsys):
    assert main(["--bias", "--format", "json"]) == 0
    lm = json.loads(capsys.readouterr().out)["bias"]["egger"]
    assert main(["--bias", "--regtest-model", "rma", "--format", "json"]) == 0
    rma_ = json.loads(capsys.readouterr().out)["bias"]["egger"]
    assert (lm["model"], rma_["model"]) == ("lm", "rma") and lm["df"] == 9 and rma_["df"] is None


# --- Mantel-Haenszel and Peto -------------------------------------------------------------------------------------

def _check(res, ref):
    close([getattr(res, key) for key in MH_KEYS], [ref[key] for key in MH_KEYS], CLOSED_FORM)
    assert res.k == ref["k"]


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
def test_rma_mh_bcg(measure):
    # rma.mh(measure = <measure>, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
    d = pd.DataFrame(REF["mh"]["bcg"]["data"])
    res = rma_mh(d, ai="tpos", bi="tneg", ci="cpos", di="cneg", measure=measure)
    _check(res, REF["mh"]["bcg"]["cases"][measure])
    if measure == "RD":
        assert res.back_transformed is None
    else:
        close(res.back_transformed["estimate"], np.exp(res.estimate), CLOSED_FORM)


@pytest.mark.parametrize("case", ["OR", "RR", "RD", "OR_nocorrect"])
def test_rma_mh_collins1985a_with_empty_rows_and_zero_cells(case):
    # rma.mh(measure, ai = b.xti, n1i = nti, ci = b.xci, n2i = nci, data = dat.collins1985a[, correct = FALSE]);
    # metafor omits the two tables with missing counts, ruptstats does so under missing="drop" with a note
    d = REF["mh"]["collins1985a"]["data"]
    with pytest.warns(Warning, match="dropped 2 row"):
        res = rma_mh(ai=d["ai"], n1i=d["n1i"], ci=d["ci"], n2i=d["n2i"], measure=case[:2],
                     correct=case != "OR_nocorrect", missing="drop")
    _check(res, REF["mh"]["collins1985a"]["cases"][case])
    assert "6, 18" in res.notes[0]
    with pytest.raises(DataError, match="empty cell"):
        rma_mh(ai=d["ai"], n1i=d["n1i"], ci=d["ci"], n2i=d["n2i"])


@pytest.mark.parametrize("name", sorted(REF["peto"]))
def test_rma_peto(name):
    # rma.peto(ai, n1i = n1i, ci, n2i = n2i, data = dat.yusuf1985[table == "6" | "9"]) and on dat.bcg, collins1985a
    d = REF["peto"][name]["data"]
    if "tpos" in d:
        res = rma_peto(ai=d["tpos"], bi=d["tneg"], ci=d["cpos"], di=d["cneg"])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # collins1985a: two tables with missing counts are dropped
            res = rma_peto(ai=d["ai"], n1i=d["n1i"], ci=d["ci"], n2i=d["n2i"], missing="drop")
    _check(res, REF["peto"][name]["result"])
    assert res.cmh is None and res.tarone is None and res.method == "PETO"


def test_mh_and_peto_refuse_undefined_estimates():
    with pytest.raises(DataError, match="not defined"):
        rma_mh(ai=[0, 0], bi=[10, 12], ci=[3, 4], di=[7, 8], measure="RR")
    with pytest.raises(DataError, match="never occurred"):
        rma_peto(ai=[0, 0], bi=[10, 12], ci=[0, 0], di=[7, 8])


def test_mh_json_is_strict_and_in_the_vocabulary():
    from ruptstats.vocabulary import unknown_names

    d = pd.DataFrame(REF["mh"]["bcg"]["data"])
    out = rma_mh(d, ai="tpos", bi="tneg", ci="cpos", di="cneg", measure="RD").to_dict()
    json.dumps(out, allow_nan=False)
    assert unknown_names(out) == [] and out["cmh"] is None


def test_cli_method_mh_and_peto(tmp_path, capsys):
    path = tmp_path / "bcg.csv"
    pd.DataFrame(REF["mh"]["bcg"]["data"]).assign(study=[f"T{i}" for i in range(13)]).to_csv(path, index=False)
    cells = ["--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg"]
    assert main([str(path), "--method", "MH", "--measure", "RR", *cells, "--format", "json"]) == 0
    close(json.loads(capsys.readouterr().out)["estimate"], REF["mh"]["bcg"]["cases"]["RR"]["estimate"], CLOSED_FORM)
    assert main([str(path), "--method", "PETO", *cells, "--format", "json"]) == 0
    close(json.loads(capsys.readouterr().out)["q"], REF["peto"]["bcg"]["result"]["q"], CLOSED_FORM)
    assert main([str(path), "--method", "PETO", "--measure", "RR", *cells]) == 2
    assert "pools OR" in capsys.readouterr().err
    assert main([str(path), "--method", "MH", "--bias", *cells]) == 2


# --- robust and the three-level model ----------------------------------------------------------------------------

KON = pd.DataFrame(REF["robust"]["data"])


def _models():
    return {"uni_year": meta_regression(KON, ["year"]), "uni": rma(KON.yi, KON.vi),
            "mv_REML": three_level(KON, "district", mods=["year"]),
            "mv_ML": three_level(KON, "district", mods=["year"], method="ML"),
            "uni_quad": meta_regression(KON, ["yc", "yc2"]), "mv_quad": three_level(KON, "district", mods=["yc", "yc2"])}


MODELS = _models()


@pytest.mark.parametrize("name", sorted(REF["robust"]["cases"]))
def test_robust_equals_metafor_and_clubsandwich(name):
    # robust(<model>, cluster = district, clubSandwich = FALSE (CR1) | TRUE (CR2: coef_test, Wald_test HTZ))
    case = REF["robust"]["cases"][name]
    base, kind = name.rsplit("_", 1)
    res = robust(MODELS[base], cluster=KON.district, clubsandwich=kind == "CR2")
    assert res.method == kind
    tol = RMA_MV_ITERATIVE if base.startswith("mv") else ITERATIVE
    for key in ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper"):
        expected = np.broadcast_to(np.atleast_1d(case[key]), len(res.coefficients))  # CR1: one df for all
        close([c[key] for c in res.coefficients], expected, tol)
    close([res.qm, *res.qm_df], [case["qm"], *case["qm_df"]], tol)


@pytest.mark.parametrize("name", ["REML", "ML", "REML0", "ML0"])
def test_three_level_with_moderators_ml_reml_and_profile_cis(name):
    # rma.mv(yi, vi, [mods = ~ year,] random = ~ 1 | district/school, method = <ML|REML>); confint(res)
    ref = REF["three_level"][name]
    mods = None if name.endswith("0") else ["year"]
    res = three_level(KON, "district", mods=mods, method=name.rstrip("0"))
    close([c["estimate"] for c in res.coefficients], ref["estimate"], RMA_MV_ITERATIVE)
    close([c["se"] for c in res.coefficients], ref["se"], RMA_MV_ITERATIVE)
    close([c["p"] for c in res.coefficients], ref["p"], RMA_MV_ITERATIVE)
    close([res.sigma2_cluster, res.sigma2_within], ref["sigma2"], RMA_MV_ITERATIVE)
    close([res.loglik, res.q, res.q_p], [ref["loglik"], ref["q"], ref["q_p"]], RMA_MV_ITERATIVE)
    if mods:
        close([res.qm, res.qm_p], [ref["qm"], ref["qm_p"]], RMA_MV_ITERATIVE)
    else:
        assert res.qm is None
    got = [res.sigma2_cluster_ci_lower, res.sigma2_within_ci_lower, res.sigma2_cluster_ci_upper,
           res.sigma2_within_ci_upper]
    np.testing.assert_allclose(got, ref["sigma2_ci_lower"] + ref["sigma2_ci_upper"], rtol=0,
                               atol=PROFILE_CI_UNIROOT_ABS)


def test_three_level_is_block_diagonal_and_scales():
    # 20,000 effect sizes in 5,000 clusters: a k x k matrix would need 3.2 GB; the block fit needs O(k)
    rng = np.random.default_rng(11)
    cl = np.repeat(np.arange(5000), 4)
    v = rng.uniform(0.01, 0.05, cl.size)
    y = 0.3 + rng.normal(0, 0.2, 5000)[cl] + rng.normal(0, 0.1, cl.size) + rng.normal(0, np.sqrt(v))
    res = three_level(pd.DataFrame({"yi": y, "vi": v, "c": cl}), "c", profile=False)
    assert abs(res.sigma2_cluster - 0.04) < 0.01 and abs(res.sigma2_within - 0.01) < 0.005


def test_robust_refuses_clusters_that_split_the_model():
    res = three_level(KON, "district", mods=["year"], profile=False)
    with pytest.raises(OptionError, match="links effect sizes"):
        robust(res, cluster=KON.school)
    with pytest.raises(DataError, match="at least 3 clusters"):
        robust(meta_regression(KON, ["year"]), cluster=np.where(KON.district < 100, "a", "b"), clubsandwich=False)


# --- gosh ---------------------------------------------------------------------------------------------------------

def test_gosh_fits_all_65535_subsets_of_16_studies_by_default():
    # gosh(rma(yi, vi, data = dat.konstantopoulos2011[1:16, ], method = "FE")): sums over all subsets
    ref = REF["gosh16"]
    g = gosh(rma(np.array(ref["yi"]), np.array(ref["vi"]), method="FE"))
    assert g.exact and g.seed is None and g.k.size == ref["n_subsets"] == 2**16 - 1
    close([g.estimate.sum(), g.estimate.min(), g.estimate.max(), g.i2.sum(), g.q.sum()],
          [ref["estimate_sum"], ref["estimate_min"], ref["estimate_max"], ref["i2_sum"], ref["q_sum"]], ALGEBRAIC)


def test_gosh_samples_above_2_16_with_a_reported_default_seed():
    from ruptstats.meta.gosh_subsets import DEFAULT_SEED

    rng = np.random.default_rng(3)
    res = rma(rng.normal(0.3, 0.1, 17), rng.uniform(0.01, 0.02, 17), method="FE")
    g = gosh(res, max_subsets=300)
    assert not g.exact and g.seed == DEFAULT_SEED and g.k.size == 300
