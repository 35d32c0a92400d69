"""docs/probe.md names every probe check in its table and every defect of the probe corpus in its
detection table; the README's list of probe checks is the same."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playgate.probe.checks import CHECKS

ROOT = Path(__file__).resolve().parents[2]
PROBE_MD = (ROOT / "docs" / "probe.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_checks_table_names_every_probe_check():
    table = PROBE_MD.split("## Checks\n", 1)[1].split("\n## ", 1)[0]
    assert sorted(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.M)) == sorted(CHECKS)


def test_the_readme_lists_every_probe_check():
    listed = README.split("- Checks (ids for rule files):", 1)[1].split(". Their findings", 1)[0]
    assert sorted(re.findall(r"`([a-z0-9-]+)`", listed)) == sorted(CHECKS)


def test_the_detection_table_has_a_row_for_every_defect_of_the_corpus():
    sys.path.insert(0, str(ROOT / "tests" / "probe"))
    from defects_probe import every_defect

    rows = {line.split("|")[1].strip(): line for line in PROBE_MD.splitlines() if line.startswith("| ")}
    for defect in every_defect():
        assert defect.name in rows, defect.name
        row = rows[defect.name]
        assert all(f"`{check}`" in row for check in defect.fails), row
        assert f"test_each_defect_fails_only_its_checks[{defect.name}]" in row
