"""A type x strategy GEE that cannot be fitted (complete separation) is a note naming the likely cause, with no
numpy RuntimeWarning leaking out (the notebook 06_testing_practice_claims.ipynb shows such a note)."""

import warnings

import pandas as pd

from ruptstats.episodes import repair_by_type


def test_separation_is_a_note_not_a_warning():
    # 8 clients, one episode each; every withdrawal/exploratory episode repaired, every withdrawal/immediate one not:
    # the logistic likelihood has no maximum (an odds ratio runs off to infinity), as R's geeglm also fails to fit
    episodes = pd.DataFrame({
        "client": [f"c{i}" for i in range(8)],
        "type": ["withdrawal"] * 4 + ["confrontation"] * 4,
        "strategy": ["exploratory", "exploratory", "immediate", "immediate"] * 2,
        "repaired": [True, True, False, False, True, False, True, False],
        "latency": [0, 1, 3, 2, 1, 4, 0, 2],
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        res = repair_by_type(episodes)
    assert res.repair is None
    assert any("separation" in note for note in res.notes), res.notes
