"""What the benchmark scripts share: percentiles, env-free settings and the targets table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from otpkit._settings import IsolatedSettings

__all__ = ["BenchSettings", "Target", "fmt", "percentile", "print_targets"]


#: otpkit's defaults and the arguments given, nothing else: a developer's ``OTPKIT_*``
#: variables or ``.env`` file (a rate limit, a budget, a push URL) must not change what a
#: benchmark measures.
BenchSettings = IsolatedSettings


def percentile(values: Sequence[float], pct: int) -> float:
    """The ``pct``-th percentile (inclusive method: within the observed range); NaN if empty."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def fmt(value: float, digits: int = 1) -> str:
    """``value`` rounded, or ``-`` for NaN (no data)."""
    return "-" if value != value else f"{value:.{digits}f}"


@dataclass(frozen=True)
class Target:
    """A goal beside what was measured; ``met`` is None when there was nothing to judge."""

    goal: str
    measured: str
    met: bool | None


def print_targets(targets: Sequence[Target]) -> None:
    print()
    width = max([len("target"), *(len(t.goal) for t in targets)]) + 2
    header = f"{'target':<{width}}{'measured':>12}  result"
    print(header)
    print("-" * (len(header) + 2))
    for target in targets:
        result = "no data" if target.met is None else "MET" if target.met else "MISSED"
        print(f"{target.goal:<{width}}{target.measured:>12}  {result}")
