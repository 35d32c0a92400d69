"""The layer's size is quoted in one place, layers/README.md, in the form layers/build.sh checks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = (ROOT / "layers" / "README.md").read_text(encoding="utf-8")
BUILD = (ROOT / "layers" / "build.sh").read_text(encoding="utf-8")


def test_layers_readme_quotes_both_runtimes_as_build_sh_prints_and_checks_them():
    figures = re.findall(
        r"^    python(3\.\d+): [\d.]+[KMG] zipped, [\d.]+[KMG] unpacked$", LAYERS, flags=re.M
    )
    assert sorted(figures) == ["3.10", "3.12"]
    assert 'figures="python${version}: ${zipped} zipped, ${unpacked} unpacked"' in BUILD
    assert 'grep -qF "    ${figures}" "$root/layers/README.md"' in BUILD


def test_the_readme_refers_to_layers_readme_for_the_size_and_quotes_none():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"\d+(?:\.\d+)? ?MB? (?:zipped|unpacked)", readme)
    assert "[`layers/README.md`](layers/README.md)" in readme


def test_layers_readme_does_not_list_what_the_build_leaves_out_among_the_contents():
    paragraph = " ".join(LAYERS.split("\n\n", 2)[1].split())  # the one that lists what the layer carries
    listed = paragraph.split("come from one layer:", 1)[1].split(". ", 1)[0]
    for name in re.search(r'cli_only="([^"]+)"', BUILD)[1].split():
        assert name not in listed
        assert f"{name}, a dependency of the `playgate` command only, is not in it" in paragraph
