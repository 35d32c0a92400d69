"""Every kind of bad rule file gives its named error: file, line, profile, rule id, field, what is allowed."""

from __future__ import annotations

import textwrap

import pytest

from playgate.errors import RuleFileError
from playgate.rules import RuleFileInvalid, compile_text, load_rules


def problems(text: str):
    with pytest.raises(RuleFileInvalid) as info:
        compile_text(textwrap.dedent(text), "bad.yml")
    assert isinstance(info.value, RuleFileError) and info.value.retryable is False
    return info.value.problems


def one(text: str):
    found = problems(text)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


RULE = """\
profiles:
  p:
    rules:
      - id: r1
{body}
"""


def rule(body: str):
    return one(RULE.format(body=textwrap.indent(textwrap.dedent(body), " " * 8)))


@pytest.mark.parametrize(
    ("body", "kind", "field", "line", "words"),
    [
        ("check: video[*].fpz\neq: 1\n", "unknown_path", "check", 5, "allowed: avg_fps"),
        ("check: vidoe[*].fps\neq: 1\n", "unknown_path", "check", 5, "derived fact"),
        ("check: media.status\nequals: Normal\n", "unknown_operator", "equals", 6, "operators: eq, ne"),
        ("check: media.status\n", "no_operator", "check", 5, "give one operator"),
        ("check: media.status\neq: Normal\nne: Init\n", "several_operators", "ne", 7, "exactly one operator"),
        ("check: video[*].fps\nlt: fast\n", "wrong_type", "lt", 6, "expects a number"),
        ("check: video[*].level\neq: 31\n", "wrong_type", "eq", 6, "quote numbers"),
        ("check: media.status\ngt: 3\n", "wrong_type", "gt", 6, "compares numbers"),
        ("check: video[*].fps\nbetween: [60, 1]\n", "wrong_type", "between", 6, "above high"),
        ("check: video[*].fps\nin: 25\n", "wrong_type", "in", 6, "list"),
        ("check: media.status\nexists: maybe\n", "wrong_type", "exists", 6, "bool"),
        ("check: video[*].codec_name\nmatches: '([a-z'\n", "bad_regex", "matches", 6, "not a valid regular"),
        ("check: video[*].fps\nwithin: 1 percent of 25\n", "bad_tolerance", "within", 6, "'N%'"),
        ("check: video[*].fps\nwithin: close to 25\n", "bad_tolerance", "within", 6, "of <number"),
        (
            "check: video[*].fps\nwithin: 1% of media.nope\n",
            "unknown_path",
            "within",
            6,
            "unknown field 'nope'",
        ),
        (
            "check: video[*].fps\nwithin: 1% of rendition[*].fps\n",
            "bad_reference",
            "within",
            6,
            "same collection",
        ),
        ("check: video[*].fps\nle: 60\nquantifier: most\n", "bad_quantifier", "quantifier", 7, "at_least N"),
        (
            "check: media.status\neq: Normal\nquantifier: any\n",
            "bad_quantifier",
            "quantifier",
            7,
            "single value",
        ),
        (
            "check: video[*].fps\nle: 60\nwhen: {media.tipe: video}\n",
            "unknown_path",
            "when",
            7,
            "unknown field",
        ),
        (
            "check: video[*].fps\nle: 60\nwhen: {media.type: {is: video}}\n",
            "unknown_operator",
            "when",
            7,
            "is",
        ),
        ("check: video[*].fps\nle: 60\nwhen: {any_of: []}\n", "bad_condition", "when", 7, "non-empty list"),
        ("check: video[*].fps\nle: 60\nwhere: {colour: red}\n", "unknown_path", "where", 7, "unknown field"),
        ("check: video[*].fps\nle: 60\nseverity: fatal\n", "wrong_type", "severity", 7, "'error', 'warning'"),
        ("check: video[*].fps\nle: {ref: media.status}\n", "wrong_type", "le", 6, "is str"),
    ],
)
def test_bad_rule_gives_named_error(body, kind, field, line, words):
    p = rule(body)
    assert (p.kind, p.field, p.line, p.file, p.profile, p.rule) == (kind, field, line, "bad.yml", "p", "r1")
    assert words in p.message
    rendered = p.render()
    assert rendered.startswith(f"bad.yml:{line}: [{kind}] profile 'p', rule 'r1', field '{field}'")


def test_all_errors_are_collected_not_just_the_first():
    found = problems("""\
        profiles:
          default:
            extends: nope
            rules:
              - {id: a, check: "video[*].fpz", eq: 1}
              - {id: a, check: media.status, eq: Normal}
              - {id: b, check: media.status, matches: "(("}
          x: {extends: y}
          y: {extends: x}
        """)
    kinds = sorted(p.kind for p in found)
    assert kinds == ["bad_regex", "duplicate_rule_id", "extends_cycle", "unknown_path", "unknown_profile"]
    by_kind = {p.kind: p for p in found}
    assert by_kind["duplicate_rule_id"].line == 6 and by_kind["duplicate_rule_id"].rule == "a"
    assert by_kind["unknown_profile"].line == 3 and "known:" in by_kind["unknown_profile"].message
    assert "x → y → x" in by_kind["extends_cycle"].message


def test_message_lists_every_problem_with_file_and_line():
    with pytest.raises(RuleFileInvalid) as info:
        compile_text(
            "profiles:\n  p:\n    rules:\n      - {id: a, check: nope, eq: 1}\n"
            "      - {id: b, check: media.status}\n",
            "team.yml",
        )
    text = str(info.value)
    assert "rule file team.yml is invalid (2 problems)" in text
    assert "team.yml:4: [unknown_path] profile 'p', rule 'a'" in text
    assert "team.yml:5: [no_operator] profile 'p', rule 'b'" in text


def test_self_extension_is_a_cycle_that_points_at_builtin():
    p = one("profiles:\n  default:\n    extends: default\n")
    assert p.kind == "extends_cycle" and "builtin:default" in p.message


def test_inherited_rule_id_needs_override():
    p = one(
        "profiles:\n  p:\n    extends: default\n    rules:\n"
        "      - {id: media-status-normal, check: media.status, eq: Normal}\n"
    )
    assert (p.kind, p.rule, p.line) == ("duplicate_rule_id", "media-status-normal", 5)
    assert "override: true" in p.message


def test_disable_of_an_unknown_rule_is_named():
    p = one("profiles:\n  p:\n    extends: default\n    disable: [no-such-rule]\n")
    assert (p.kind, p.field, p.line) == ("unknown_rule", "disable", 4)


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ("profiles:\n  p:\n    rules: [\n", "yaml_syntax", 4),
        ("profiles:\n  p: {}\n  p: {}\n", "duplicate_key", 3),
        ("- just\n- a list\n", "not_a_rule_file", 1),
        ("profiles: {}\n", "wrong_type", 1),
        ("version: 2\nprofiles:\n  p: {}\n", "wrong_type", 1),
        ("profiles:\n  p:\n    rulez: []\n", "unknown_field", 3),
        ("profiles:\n  p:\n    rules:\n      - {check: media.status, eq: Normal}\n", "missing_field", 4),
        (
            "profiles:\n  p:\n    rules:\n      - {id: 'has space', check: media.status, eq: Normal}\n",
            "bad_name",
            4,
        ),
        ("profiles:\n  p:\n    select: {event: X}\n", "unknown_field", 3),
    ],
)
def test_bad_file_structure_is_named(text, kind, line):
    p = one(text)
    assert (p.kind, p.file) == (kind, "bad.yml")
    assert p.line == line


def test_missing_file_is_a_rule_file_error_naming_it(tmp_path):
    with pytest.raises(RuleFileError) as info:
        load_rules(tmp_path / "absent.yml")
    assert "absent.yml" in info.value.message and "does not exist" in info.value.message


def test_load_rules_reads_a_file_and_names_it_in_errors(tmp_path):
    good = tmp_path / "ok.yml"
    good.write_text("profiles:\n  p:\n    rules:\n      - {id: a, check: media.status, eq: Normal}\n")
    assert load_rules(good).rule_count("p") == 1
    bad = tmp_path / "bad.yml"
    bad.write_text("profiles:\n  p:\n    rules:\n      - {id: a, check: media.nope, eq: Normal}\n")
    with pytest.raises(RuleFileInvalid) as info:
        load_rules(bad)
    assert info.value.problems[0].file == str(bad) and info.value.problems[0].line == 4
