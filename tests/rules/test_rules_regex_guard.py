"""Issue 9: rule regexes cannot pin the gate. ``matches: '(a+)+$'`` took 88 s on a 30-character value.

Catastrophic nesting is refused by ``rules lint`` (and so by loading), backreferences and lookaround
too, and every other pattern runs on RE2 in linear time — with the same answers as Python's ``re`` for the
syntax both read, which hypothesis checks on generated patterns and values.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rules_helpers import crafted, outcome

from playgate.rules.regex import RegexRefused, compile_search


def lint(tmp_path: Path, pattern: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        textwrap.dedent(
            f"""\
            version: 1
            profiles:
              default:
                rules:
                  - id: title-shape
                    check: media.title
                    matches: '{pattern}'
            """
        )
    )
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "rules", "lint", str(rules)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(a+)+$", "exponential time"),
        ("^(\\w+\\s?)*$", "exponential time"),
        ("(x|y*)*z", "exponential time"),
        ("(a)\\1", "backreferences and lookaround are not supported"),
        ("^(?!tmp)", "backreferences and lookaround are not supported"),
    ],
)
def test_lint_refuses_catastrophic_and_backtracking_patterns_naming_the_rule(tmp_path, pattern, why):
    done = lint(tmp_path, pattern)
    assert done.returncode == 2, done
    assert why in done.stderr and "title-shape" in done.stderr, done.stderr


@pytest.mark.parametrize("pattern", ["^[A-Z]{2}-\\d+$", "(ab+)+", "(?i)^(h264|hevc)$", "(a|aa)+$"])
def test_lint_accepts_patterns_that_run_in_linear_time(tmp_path, pattern):
    done = lint(tmp_path, pattern)
    assert done.returncode == 0, done.stderr


EVALUATE = """
import sys
sys.path.insert(0, sys.argv[1])
from rules_helpers import crafted, outcome
value = "a" * 60 + "!"
print(outcome({"check": "media.title", "matches": "(a|aa)+$"}, crafted(info={"title": value})))
"""


def test_a_pattern_that_backtracks_exponentially_in_re_is_evaluated_at_once():
    # Python's re needs about fib(60) ~ 1.5e12 steps for this; the subprocess bound says "it finished"
    done = subprocess.run(
        [sys.executable, "-c", EVALUATE, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fail"


def test_the_operator_uses_the_guarded_engine():
    snapshot = crafted(info={"title": "Episode 12"})
    assert outcome({"check": "media.title", "matches": "^Episode \\d+$"}, snapshot) == "pass"
    assert outcome({"check": "media.title", "matches": "^episode", "ignore_case": True}, snapshot) == "pass"
    assert outcome({"check": "media.title", "matches": "^episode"}, snapshot) == "fail"


# --- the same answers as re ---------------------------------------------------------------------------
ATOMS = st.sampled_from(["a", "b", "-", ".", "[ab]", "[^a]", "[a-c1]", "\\d", "\\w", "\\s", "\\.", "x"])
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "*?", "+?"])


def patterns() -> st.SearchStrategy[str]:
    piece = st.builds(lambda a, q: a + q, ATOMS, QUANTIFIERS)
    return st.recursive(
        st.lists(piece, min_size=1, max_size=4).map("".join),
        lambda inner: st.one_of(
            st.builds(lambda p, q: f"({p}){q}", inner, QUANTIFIERS),
            st.builds(lambda p, q: f"(?:{p}){q}", inner, QUANTIFIERS),
            st.builds(lambda a, b: f"{a}|{b}", inner, inner),
            st.builds(lambda a, b: a + b, inner, inner),
            st.builds(lambda p: f"^{p}", inner),
            st.builds(lambda p: f"{p}$", inner),
        ),
        max_leaves=6,
    )


@settings(max_examples=600, deadline=None)
@given(pattern=patterns(), text=st.text("ab1x.- _AB", max_size=12), ignore_case=st.booleans())
def test_re2_finds_what_re_finds_for_the_syntax_both_read(pattern, text, ignore_case):
    try:
        search = compile_search(pattern, ignore_case=ignore_case)
    except RegexRefused:
        assume(False)  # refused patterns never run
    flags = re.ASCII | (re.IGNORECASE if ignore_case else 0)  # values here are ASCII, without newlines
    assert search(text) == (re.search(pattern, text, flags) is not None), (pattern, text)
