"""The built-in packs ship twice: as YAML (what people read and edit) and as prebuilt JSON (what a
function loads, with no YAML parser at cold start). They must say the same thing."""

from __future__ import annotations

import subprocess
import sys

from playgate.rules import prebuilt
from playgate.rules.book import _compile_parsed, builtin_profiles


def test_the_prebuilt_json_is_what_the_yaml_packs_load_as():
    assert prebuilt.pack_data() == prebuilt.parse_packs(), (
        "src/playgate/rules/packs/builtin.json is stale: run python -m playgate.rules.prebuilt"
    )
    assert [file for file, _ in prebuilt.pack_data()] == [file for file, _ in prebuilt.pack_texts()]


def test_profiles_compiled_from_the_json_equal_those_compiled_from_the_yaml():
    compiler, from_yaml = _compile_parsed(prebuilt.parse_packs(), {})
    assert not compiler.problems
    from_json = builtin_profiles()
    assert list(from_json) == list(from_yaml)
    for name, profile in from_json.items():
        theirs = from_yaml[name]
        assert [(r.id, r.severity, r.description, r.check.text()) for r in profile.rules] == [
            (r.id, r.severity, r.description, r.check.text()) for r in theirs.rules
        ]


def test_the_function_loads_the_builtin_rules_without_importing_yaml():
    code = (
        "import sys; from playgate.rules import load_rules; book = load_rules(None); "
        "assert book.rule_count() > 0; print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
