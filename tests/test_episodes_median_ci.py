"""The median time to repair and its confidence interval equal R survival's ``quantile.survfit`` (issue 15, item 6:
the sessions command reports the median with its CI).

Reference values: R 4.x, survival 3.5.3, run on the committed episode tables (2026-11-30)::

    library(survival)
    d <- read.csv("tests/reference/episodes_a.csv")      # and episodes_b.csv
    q <- quantile(survfit(Surv(latency, repaired) ~ 1, data = d, conf.type = ct), 0.5)     # ct: "log", "log-log"
    c(q$quantile, q$lower, q$upper)
    q <- quantile(survfit(Surv(latency, repaired) ~ type, data = d, conf.type = ct), 0.5)
    cbind(q$quantile, q$lower, q$upper)

Sessions are whole numbers and every limit R gives is a listed time or the mean of two: compared exactly.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.episodes import time_to_repair
from ruptstats.episodes._survival import km_median, km_median_ci

REF = Path(__file__).parent / "reference"
NA = None
# (file, conf_type, group): (median, lower, upper), printed by the R calls above
R_QUANTILES = {
    ("episodes_a.csv", "log", "all"): (4, 4, 6),
    ("episodes_a.csv", "log", "both"): (6, 4, 9),  # the upper curve is not monotone: approx() sorts it
    ("episodes_a.csv", "log", "confrontation"): (5, 4, 7),
    ("episodes_a.csv", "log", "withdrawal"): (3, 2, 3),
    ("episodes_a.csv", "log-log", "all"): (4, 4, 5),
    ("episodes_a.csv", "log-log", "both"): (6, 4, 7),
    ("episodes_a.csv", "log-log", "confrontation"): (5, 4, 7),
    ("episodes_a.csv", "log-log", "withdrawal"): (3, 2, 3),
    ("episodes_b.csv", "log", "all"): (2, 1, 3),
    ("episodes_b.csv", "log", "confrontation"): (3, 3, NA),
    ("episodes_b.csv", "log", "withdrawal"): (1, 0, NA),
    ("episodes_b.csv", "log-log", "all"): (2, 1, 3),
    ("episodes_b.csv", "log-log", "confrontation"): (3, 1, NA),
    ("episodes_b.csv", "log-log", "withdrawal"): (1, 0, 2),
}


@pytest.mark.parametrize("key", sorted(R_QUANTILES))
def test_median_and_its_ci_equal_quantile_survfit(key):
    file, conf_type, group = key
    episodes = pd.read_csv(REF / file)
    res = time_to_repair(episodes, by=None if group == "all" else "type", conf_type=conf_type)
    ci = {row["group"]: row for row in res.to_dict()["median_ci"]}[group]
    assert (res.median[group], ci["ci_lower"], ci["ci_upper"]) == R_QUANTILES[key]


def test_a_curve_ending_at_one_half_gives_the_mean_of_that_time_and_the_last():
    # R: quantile(survfit(Surv(c(0, 4, 6), c(FALSE, TRUE, FALSE)) ~ 1), 0.5)$quantile is 5: S = 0.5 from 4 to the
    # last time 6, and survival's findq takes (4 + 6) / 2
    res = time_to_repair(pd.DataFrame({"latency": [0, 4, 6], "repaired": [False, True, False]}))
    assert res.median["all"] == 5.0
    assert np.isnan(km_median(np.array([1.0, 2.0]), np.array([0.9, 0.8])))  # never reaches 0.5: NA in R


def test_the_summary_prints_the_interval():
    res = time_to_repair(pd.read_csv(REF / "episodes_a.csv"))
    assert "Median latency: 4.0 sessions, 95% CI [4.0, 6.0]" in res.summary()  # the log row of episodes_a above
    assert km_median_ci(np.array([1.0]), np.array([np.nan]), np.array([np.nan])) == pytest.approx((np.nan,) * 2,
                                                                                                  nan_ok=True)
