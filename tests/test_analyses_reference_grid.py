"""The analyses reference grid (tests/reference/analyses_reference.json) is complete and as recorded.

If make_analyses_reference.R stops producing a block, or a block loses rows, these tests fail instead of the
comparisons quietly covering less.
"""

import pytest
from analyses_helpers import ANALYSES, load

GRID = {
    "molloy2014": {
        "baujat_REML", "cumulative_year_REML", "failsafe_n", "gosh_first10_DL", "gosh_first10_FE", "influence_REML",
        "influence_design_REML", "influence_meanage_REML_knha", "meta_regression_design_DL",
        "meta_regression_design_controls_meanage_REML",
        "meta_regression_design_controls_meanage_REML_knha", "permutest_design_REML", "pet_peese", "ranktest",
        "selection_model_stepfun_025", "selection_model_stepfun_025_bfgs", "subgroups_common_tau2_design_REML",
        "trimfill_L0_FE", "trimfill_L0_REML_filled", "trimfill_R0_FE", "trimfill_R0_REML"},
    "bcg": {
        "baujat_REML", "bias_REML", "cumulative_year_REML", "failsafe_n", "influence_REML", "influence_ablat_REML",
        "leave_one_out_REML", "meta_regression_ablat_alloc_REML", "meta_regression_ablat_alloc_REML_knha",
        "permutest_intercept_DL", "pet_peese", "ranktest", "trimfill_R0_REML"},
    "konstantopoulos2011": {"clubsandwich_CR2", "clubsandwich_CR2_rma_uni", "three_level_REML"},
}
SHARED = {  # blocks of the shared reference files the analyses tests use
    "molloy2014.json": {"bias_REML", "leave_one_out_REML", "meta_regression_meanage_REML",
                        "meta_regression_meanage_REML_knha", "meta_regression_design_REML",
                        "subgroups_design_REML"},
    "bcg.json": {"meta_regression_ablat_REML", "meta_regression_ablat_REML_knha"},
    "konstantopoulos2011.json": {"three_level_REML", "three_level_REML_robust_CR2"},
}
K = {"molloy2014": 16, "bcg": 13}


def test_versions_are_recorded():
    assert ANALYSES["versions"] == {"R": "4.2.2", "metafor": "3.8.1", "clubSandwich": "0.5.8",
                                    "metadat": ANALYSES["versions"]["metadat"]}


@pytest.mark.parametrize("data", sorted(GRID))
def test_every_block_is_present_without_errors(data):
    assert set(ANALYSES[data]) == GRID[data]
    for key, block in ANALYSES[data].items():
        assert "error" not in block, (data, key)


@pytest.mark.parametrize("data", sorted(K))
def test_per_study_blocks_have_a_row_per_study(data):
    blocks = ANALYSES[data]
    for key in ("influence_REML", "cumulative_year_REML", "baujat_REML"):
        for col, values in blocks[key].items():
            assert len(values) == K[data], (key, col)
    if data == "molloy2014":
        assert all(len(blocks[f"gosh_first10_{m}"]["q"]) == 2**10 - 1 for m in ("FE", "DL"))


@pytest.mark.parametrize("file", sorted(SHARED))
def test_shared_blocks_used_here_are_present(file):
    assert SHARED[file] <= set(load(file))
