"""The benchmark's statistics: paired ratios, their bootstrap interval and the verdict against a goal."""

import pytest

from bench.stats import bootstrap_interval, judge, median, percentile, ratio_entry, rounded


def test_percentiles_interpolate_between_ranks():
    assert median([3, 1, 2]) == 2
    assert median([1, 2, 3, 4]) == 2.5
    assert percentile([0, 10], 95) == pytest.approx(9.5)


def test_the_interval_is_deterministic_and_holds_the_median():
    values = [1.0, 1.2, 0.9, 1.1, 1.05, 0.95, 1.3]

    low, high = bootstrap_interval(values)

    assert (low, high) == bootstrap_interval(values)
    assert low <= median(values) <= high


@pytest.mark.parametrize(
    ("interval", "goal", "status"),
    [
        ((1.1, 1.4), "<= 1.5", "pass"),
        ((1.4, 1.6), "<= 1.5", "inconclusive"),
        ((1.6, 1.9), "<= 1.5", "fail"),
        ((5.5, 7.0), ">= 5", "pass"),
        ((4.0, 6.0), ">= 5", "inconclusive"),
        ((2.0, 4.9), ">= 5", "fail"),
    ],
)
def test_the_verdict_needs_the_whole_interval_on_one_side_of_the_goal(interval, goal, status):
    assert judge(interval, goal) == status


def test_a_ratio_pairs_the_samples_round_by_round():
    # The machine slows down in round 2; each round's ratio stays 2.
    entry = ratio_entry("r", "num", "den", [2.0, 20.0, 4.0], [1.0, 10.0, 2.0], "<= 3")

    assert entry["median"] == 2.0
    assert entry["ci95"] == [2.0, 2.0]
    assert entry["status"] == "pass"


def test_rounded_keeps_four_significant_digits():
    assert rounded(123456.0) == 123500.0
    assert rounded(0.000123456) == 0.0001235
