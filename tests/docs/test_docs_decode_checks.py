"""docs/decode.md's checks table and the rule file's ``decode:`` block name the same checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from playgate.decode.spec import DecodeChecks, DecodeSpec

ROOT = Path(__file__).resolve().parents[2]
DECODE_MD = (ROOT / "docs" / "decode.md").read_text(encoding="utf-8")


def _table_ids() -> list[str]:
    table = DECODE_MD.split("## Checks\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.M)


def test_every_check_in_the_table_can_be_set_in_a_decode_block_and_every_settable_check_is_in_it():
    settable = [str(f.alias) for f in DecodeChecks.model_fields.values()]
    assert sorted(_table_ids()) == sorted(settable)
    for check in _table_ids():
        DecodeSpec.model_validate({"checks": {check: {"severity": "warning"}}})


def test_setting_decode_incomplete_says_it_is_always_reported_and_names_the_checks(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "version: 1\nprofiles:\n  default:\n    probe: decode\n"
        "    decode:\n      checks:\n        decode-incomplete: {severity: error}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "playgate.cli", "rules", "lint", str(rules)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert done.returncode == 2
    out = done.stdout + done.stderr
    assert f"{rules}:7:" in out
    assert "'decode-incomplete' cannot be set: it is always reported, as a warning" in out
    assert "checks: video-black, video-frozen, audio-silence, decode-clean, audio-loudness" in out
    assert "decode-incomplete" in DECODE_MD.split("## Checks\n", 1)[1].split("\n## ", 1)[0]
