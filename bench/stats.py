"""The statistics of a benchmark: medians, percentiles and a bootstrap interval for a ratio.

A ratio is measured in rounds: in each round the numerator and the denominator run
back to back (in random order), so whatever else the machine is doing weighs on both
alike, and the round gives one paired ratio. The ratio reported is the median of
those paired ratios, with the 95% percentile-bootstrap interval of that median.
"""

import math
import random
from collections.abc import Callable, Sequence

BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261128

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation between ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bootstrap_interval(
    values: Sequence[float],
    *,
    statistic: Callable[[Sequence[float]], float] = median,
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """The percentile-bootstrap interval of ``statistic`` over ``values`` (deterministic: seeded)."""
    if not values:
        raise ValueError("no values")
    rng = random.Random(seed)
    n = len(values)
    estimates = [statistic([values[rng.randrange(n)] for _ in range(n)]) for _ in range(resamples)]
    tail = (1 - confidence) / 2 * 100
    return percentile(estimates, tail), percentile(estimates, 100 - tail)


def parse_goal(goal: str) -> tuple[str, float]:
    """``"<= 1.5"`` → ``("<=", 1.5)``."""
    op, _, value = goal.partition(" ")
    if op not in ("<=", ">="):
        raise ValueError(f"A goal is '<= x' or '>= x', not {goal!r}")
    return op, float(value)


def judge(interval: tuple[float, float], goal: str) -> str:
    """``pass`` when the whole interval meets the goal, ``fail`` when none of it does, else ``inconclusive``."""
    low, high = interval
    op, limit = parse_goal(goal)
    if op == "<=":
        return PASS if high <= limit else FAIL if low > limit else INCONCLUSIVE
    return PASS if low >= limit else FAIL if high < limit else INCONCLUSIVE


def summary(samples: Sequence[float]) -> dict:
    """A case's entry: its median, 95th percentile and every sample (one per round)."""
    return {
        "median": rounded(median(samples)),
        "p95": rounded(percentile(samples, 95)),
        "samples": [rounded(s) for s in samples],
    }


def ratio_entry(
    ratio_id: str, numerator: str, denominator: str, num: Sequence[float], den: Sequence[float], goal: str
) -> dict:
    """A ratio's entry from the paired samples of its two cases (same length, round by round)."""
    if len(num) != len(den) or not num:
        raise ValueError(f"{ratio_id}: {len(num)} numerator and {len(den)} denominator samples")
    paired = [n / d for n, d in zip(num, den, strict=True)]
    interval = bootstrap_interval(paired)
    return {
        "id": ratio_id,
        "numerator": numerator,
        "denominator": denominator,
        "median": rounded(median(paired)),
        "ci95": [rounded(interval[0]), rounded(interval[1])],
        "goal": goal,
        "status": judge(interval, goal),
        "rounds": len(paired),
    }


def rounded(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits, for a readable JSON document."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
