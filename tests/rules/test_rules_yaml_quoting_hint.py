"""An unquoted ``[*]`` inside ``{…}`` is a YAML error; ``rules lint`` then points at the quoting rule
docs/rules.md gives, on the line that has it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HINT = 'inside {…} a path with [ ] must be quoted, e.g. {check: "video[*].fps", …}'


def lint(tmp_path: Path, rule: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.yml"
    rules.write_text(f"version: 1\nprofiles:\n  default:\n    rules:\n      - {rule}\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "rules", "lint", str(rules)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip


@pytest.mark.parametrize("path", ["video[*].codec_name", "video[0].codec_name", "audio[*]"])
def test_an_unquoted_bracket_path_in_braces_points_at_the_quoting_rule(tmp_path, path):
    done = lint(tmp_path, f"{{id: h264, check: {path}, eq: h264}}")
    assert done.returncode == 2
    out = done.stdout + done.stderr
    assert "rules.yml:5: [yaml_syntax] not valid YAML" in out
    assert HINT in out and "docs/rules.md" in out
    assert (
        "YAML flow mappings (`{...}`) cannot hold unquoted `[*]`" in (ROOT / "docs" / "rules.md").read_text()
    )


def test_the_quoted_path_is_fine_and_other_yaml_errors_get_no_such_hint(tmp_path):
    assert lint(tmp_path, '{id: h264, check: "video[*].codec_name", eq: h264}').returncode == 0
    done = lint(tmp_path, "{id: h264, check: codec_name eq: [h264}")
    assert done.returncode == 2 and "[yaml_syntax]" in done.stdout + done.stderr
    assert HINT not in done.stdout + done.stderr
