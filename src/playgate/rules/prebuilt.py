"""The built-in rule packs, parsed once at build time: ``packs/builtin.json`` holds what the YAML files in
``packs/`` load as, so a function on the built-in profiles never imports or runs a YAML parser (about
15 ms of every cold start). ``tests/rules/test_rules_prebuilt_packs.py`` fails when the two drift apart;
regenerate with ``python -m playgate.rules.prebuilt``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

PACKS = resources.files("playgate.rules") / "packs"
PREBUILT = "builtin.json"


def pack_texts() -> list[tuple[str, str]]:
    """``(file, YAML text)`` of every built-in pack, in name order."""
    files = sorted((p for p in PACKS.iterdir() if p.name.endswith(".yml")), key=lambda p: p.name)
    return [(f"playgate/rules/packs/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def pack_data() -> list[tuple[str, Any]]:
    """``(file, parsed document)`` of every built-in pack, from the prebuilt JSON."""
    return [(file, data) for file, data in json.loads((PACKS / PREBUILT).read_text(encoding="utf-8"))]


def parse_packs() -> list[tuple[str, Any]]:
    """``(file, parsed document)`` straight from the YAML (what the JSON must equal)."""
    from playgate.rules.source import load_yaml

    return [(file, load_yaml(text, file)[0]) for file, text in pack_texts()]


def main() -> None:
    target = PACKS / PREBUILT
    text = json.dumps([[file, data] for file, data in parse_packs()], ensure_ascii=False, indent=1)
    with resources.as_file(target) as path:
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
