"""Measured times are quoted in one place, the README's Benchmarks table; everything else refers to it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# A measured time: a number with a unit of time, e.g. "27.2 s", "0.53 ms", "≈ 0.33 ms".
TIME = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b(?!\w)")


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_the_soak_figures_of_guarantees_quote_no_time_and_point_at_benchmarks():
    guarantees = _section("Guarantees")
    measured = guarantees.split("**Measured.**", 1)[1]
    assert [row for row in _table_rows(measured) if TIME.search(row)] == []
    assert "(#benchmarks)" in measured


def test_the_rules_reference_quotes_no_timing_and_points_at_benchmarks():
    cost = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").split("## Cost\n", 1)[1].split("\n## ")[0]
    assert not TIME.search(cost), cost
    assert "README.md#benchmarks" in cost and "bench/bench_rules.py" in cost
