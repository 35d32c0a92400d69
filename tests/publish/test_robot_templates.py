"""The robots' human messages: one template per message type, replaceable by a file, checked when loaded."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_helpers import alert_event

from playgate.errors import ConfigError
from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, make_event
from playgate.publish.templates import Templates


def test_the_alert_says_what_failed_and_what_to_do_on_a_phone():
    title, text = Templates(console_url="https://console/{media_id}?r={region}", region="cn-beijing").render(
        alert_event(failing=2, passing=1)
    )
    assert title == "❌ QC qc_failed: media-0001"
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 240
    assert sum("rule-000" in line for line in lines) == 2  # the failing rules only, one line each
    assert "https://console/media-0001?r=cn-beijing" in text
    assert "Fix the source or the transcoding template" in text


def test_a_long_actual_value_is_shortened_to_one_line():
    _, text = Templates().render(alert_event(long=5000))
    finding = next(line for line in text.splitlines() if "rule-0000" in line)
    assert len(finding) < 400 and "…" in finding


def test_playback_ready_lists_the_renditions_and_a_dead_letter_says_how_to_replay():
    ready = make_event(
        PLAYBACK_READY,
        source="s",
        subject="m",
        data={"media_id": "m", "renditions": [{"definition": "SD", "format": "mp4", "width": 640}]},
        id_parts=("r",),
    )
    assert "- SD mp4 640×- - kbps" in Templates().render(ready)[1]
    data = {"reason": "malformed_event"}
    dead = make_event(DEAD_LETTER, source="s", subject=None, data=data, id_parts=("d",))
    assert "playgate dead-letters replay" in Templates().render(dead)[1]


def test_a_template_file_replaces_parts_of_a_type(tmp_path):
    path = tmp_path / "templates.yml"
    path.write_text(
        "qc.alert:\n  title: 'QC {reason} on {media_id}'\n  finding: '* {rule}: {actual} vs {expected}'\n",
        encoding="utf-8",
    )
    title, text = Templates(str(path)).render(alert_event())
    assert title == "QC qc_failed on media-0001"
    assert "* rule-0000: " in text and "vs >= 1080" in text
    assert "**What to do:**" in text  # the parts the file leaves alone keep the default


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("qc.alert:\n  title: '{nope}'\n", "qc.alert.title: unknown field(s) nope"),
        ("qc.alert:\n  finding: '{media_id}'\n", "qc.alert.finding: unknown field(s) media_id"),
        ("qc.alert:\n  title: '{title.__class__}'\n", "unknown field(s) title.__class__"),
        ("qc.alarm:\n  title: x\n", "unknown message type 'qc.alarm'"),
        ("qc.alert:\n  colour: red\n", "qc.alert must map some of"),
        ("qc.alert:\n  title: '{'\n", "literal braces"),
    ],
)
def test_a_bad_template_file_is_refused_naming_file_type_and_field(tmp_path, content, problem):
    path = tmp_path / "templates.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Templates(str(path))
    assert problem in caught.value.message
    assert str(path) in caught.value.message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("qc.alert:\n  title: '{title:{title.__class__.__mro__}}'\n", "a format spec may not hold a field"),
        ("qc.alert:\n  text: '{title:{count}}'\n", "a format spec may not hold a field"),
        ("qc.alert:\n  finding: '{actual:>{rule}}'\n", "a format spec may not hold a field"),
        ("qc.alert:\n  title: '{title:d}'\n", "cannot be rendered"),
        ("digest:\n  title: '{count:,}'\n", "cannot be rendered"),
        ("qc.alert:\n  title: '{title:>999999999}'\n", "a width or precision over 999"),
    ],
)
def test_a_format_spec_no_value_can_take_is_refused_when_the_file_loads(tmp_path, content, problem):
    path = tmp_path / "templates.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Templates(str(path))
    assert problem in caught.value.message and str(path) in caught.value.message


def test_a_template_that_fails_to_render_gives_way_to_the_built_in_one_with_a_log_line(
    tmp_path, monkeypatch, capsys
):
    path = tmp_path / "templates.yml"
    path.write_text("qc.alert:\n  title: 'QC {title}'\n", encoding="utf-8")
    templates = Templates(str(path))
    broken = replace(templates.templates["qc.alert"], text="{title:%}")  # a spec the load check let by
    monkeypatch.setitem(templates.templates, "qc.alert", broken)
    title, text = templates.render(alert_event())
    assert title == Templates().render(alert_event())[0]  # the whole built-in template, not half of each
    assert "**What to do:**" in text
    assert "templates.render_failed" in capsys.readouterr().out


SPEC = st.lists(
    st.sampled_from([">", "<", "^", "=", "d", "s", ",", ".", "3", "1000", "x", "%", "{title}"]), max_size=4
)
FIELD = st.builds(
    lambda name, conversion, spec: "{" + name + conversion + ("" if spec is None else ":" + spec) + "}",
    st.sampled_from(["title", "count", "media_id", "nope"]),
    st.sampled_from(["", "!r", "!s", "!x"]),
    st.none() | SPEC.map("".join),
)
TEMPLATE = st.lists(FIELD | st.sampled_from(["x", " ", "\n", "- ", "{{", "}}", "{", "}"]), max_size=6).map(
    "".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEMPLATE)
def test_a_template_file_that_loads_renders_every_message_without_the_fallback(tmp_path, capsys, text):
    path = tmp_path / "templates.yml"
    path.write_text(yaml.safe_dump({"qc.alert": {"title": text, "text": text}, "digest": {"text": text}}))
    try:
        templates = Templates(str(path))
    except ConfigError:
        return
    capsys.readouterr()
    templates.render(alert_event(long=5000))
    templates.render_digest([alert_event(), alert_event(failing=3)])
    assert "templates.render_failed" not in capsys.readouterr().out
