"""Hostile values from ICE and the media reach DingTalk, Lark and WeCom as text, as the robots render them.

Each message goes through the real robot sink to a local receiver; the delivered markdown is then parsed
the way a robot's client reads it: markdown-it with inline HTML on (the robots take ``<font>``, ``<at>``,
``<@userid>``), GFM tables and strikethrough, and linkify (every client turns a bare URL into a link).
The hostile message must have exactly the shape of the same message with plain values: the same
headings, code spans, emphasis and links (only playgate's console link), no image, no HTML, and no text
that a client decoding entities would read as a tag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from playgate.publish import open_sink
from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, QC_ALERT, make_event
from playgate.publish.markup import MarkdownFormatter, inert, one_line
from playgate.publish.templates import Templates
from playgate.settings import Settings
from playgate.testing.receivers import Receiver

CONSOLE = "https://console.example/media?id={media_id}&region={region}"
ATTACKS = (
    "[Re-run QC here](https://evil.example/sso)",
    "![](https://evil.example/p.gif)",
    "<at id=all></at>",
    "<@all>",
    '<font color="warning">urgent</font>',
    "\n### ✅ QC passed\n",
    "line one\nline two\r\n\u2028## two\u2029# three\x85#### four",
    "`code` ``` fence ``",
    "&lt;at id=all&gt;&lt;/at&gt; &#60;font color=red&#62;x&#60;/font&#62; &#x3C;@all&#x3E;",
    "https://evil.example/sso www.evil.example mail@evil.example evil.com/path",
    "<https://evil.example/autolink>",
    "\n[ref]: https://evil.example/ref\n[ref]",
    "**bold** _it_ ~~strike~~ __strong__",
    "\\[escaped\\](https://evil.example/e) \\`x\\`",
    "\u202eevil\u202c \x1b[31mred\x00",
    "\n| a | b |\n|---|---|\n| c | d |\n",
    "\n- [ ] task\n> quote\n<div>block</div>\n",
)
_MARKUP = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
    ["table", "strikethrough", "linkify"]
)
_TAG_LIKE = re.compile(r"<[A-Za-z@/!?]")


def plain(i: int) -> str:
    return f"plain value {i}"


def events(value: Any) -> dict[str, dict[str, Any]]:
    """One event of each kind, every value that comes from ICE, the media or the event set by ``value``."""
    findings = [
        {
            "rule": value(1),
            "severity": "error",
            "outcome": "fail",
            "subject": value(2),
            "actual": value(3),
            "expected": value(4),
            "message": value(5),
        }
        for _ in range(2)
    ]
    alert = {
        "media_id": value(6),
        "title": value(7),
        "job_id": value(8),
        "event_type": value(9),
        "profile": value(10),
        "reason": "qc_failed",
        "severity": "error",
        "findings": findings,
        "error": {"code": value(11), "message": value(12)},
    }
    ready = {
        "media_id": value(6),
        "title": value(7),
        "job_id": value(8),
        "duration_s": value(13),
        "renditions": [{"definition": value(14), "format": value(15), "width": value(16), "url": value(0)}],
        "qc": {"profile": value(10), "outcome": "pass"},
    }
    dead = {"reason": value(11), "error": {"code": value(12), "message": value(13)}}
    make = lambda kind, data: make_event(kind, source="s", subject=value(6), data=data, id_parts=(kind,))  # noqa: E731
    return {
        "alert": make(QC_ALERT, alert),
        "ready": make(PLAYBACK_READY, ready),
        "dead": make(DEAD_LETTER, dead),
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


ROBOTS = {
    "dingtalk": "dingtalk+http://{host}/robot/send?access_token=t",
    "lark": "lark+http://{host}/open-apis/bot/v2/hook/h",
    "wecom": "wecom+http://{host}/cgi-bin/webhook/send?key=k",
}


def open_robot(robot: str, host: str = "127.0.0.1:9") -> Any:
    return open_sink(ROBOTS[robot].format(host=host), Settings(console_url=CONSOLE, region="cn-shanghai"))


def message(robot: str, body: dict[str, Any]) -> tuple[str, str]:
    """(title, markdown) of a robot's request body, as the robot's client shows them."""
    if robot == "dingtalk":
        return body["markdown"]["title"], body["markdown"]["text"]
    if robot == "lark":
        card = body["card"]
        return card["header"]["title"]["content"], card["elements"][0]["content"]
    return "", body["markdown"]["content"]


def built(robot: str, value: Any) -> list[tuple[str, str]]:
    """The request bodies the robot sink builds for each kind of message, and for a digest of them."""
    sink = open_robot(robot)
    kinds = list(events(value).values())
    rendered = [(sink.templates.render(e), e) for e in kinds] + [
        (sink.templates.render_digest(kinds), kinds[-1])
    ]
    return [message(robot, json.loads(sink.request(*texts, e)[1])) for texts, e in rendered]


def assert_shown_as_text(title: str, text: str, plain_text: str, attack: str) -> None:
    assert "\n" not in title and "\r" not in title
    tokens = flat(text)
    assert shape(text) == shape(plain_text), text
    links = [t.attrs["href"] for t in tokens if t.type == "link_open"]
    assert all(href.startswith("https://console.example/media?id=") for href in links), links
    assert not [t for t in tokens if t.type in ("image", "html_inline", "html_block")]
    shown = " ".join(t.content for t in tokens if t.type in ("text", "code_inline"))
    assert not _TAG_LIKE.search(shown), shown  # nor after the entities are decoded
    assert _letters(attack) in _letters(shown)  # the values are there, shown as text
    for mention in ("<at", "<@", "<font", "&lt;", "&#"):
        assert mention not in text + title


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("robot", sorted(ROBOTS))
def test_hostile_values_are_shown_as_text_and_the_only_link_is_playgates(robot, attack):
    hostile_messages = built(robot, lambda i: f"{attack} {i}")
    plain_messages = built(robot, plain)
    assert len(hostile_messages) == len(plain_messages) == 4
    for (title, text), (_, plain_text) in zip(hostile_messages, plain_messages, strict=True):
        assert_shown_as_text(title, text, plain_text, attack)


@pytest.mark.parametrize("robot", sorted(ROBOTS))
def test_a_hostile_title_arrives_at_the_robot_as_text(receiver, robot):
    title = " ".join(ATTACKS[:6])
    value = lambda i: title if i == 7 else plain(i)  # noqa: E731
    sink = open_robot(robot, receiver.url.removeprefix("http://"))
    sink.send(events(value)["alert"])
    [request] = receiver.requests
    got_title, text = message(robot, request.json())
    [(_, plain_text), *_] = built(robot, plain)
    assert_shown_as_text(got_title, text, plain_text, title)


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def flat(text: str) -> list[Any]:
    tokens = []
    for token in _MARKUP.parse(text):
        tokens.append(token)
        tokens.extend(token.children or [])
    return tokens


def shape(text: str) -> list[tuple[str, str]]:
    return [(t.type, t.tag) for t in flat(text) if t.type not in ("text", "inline")]


def test_the_console_link_keeps_a_hostile_media_id_inside_its_target():
    [(_, text), *_] = built("dingtalk", lambda i: ATTACKS[0])
    [href, *others] = [t.attrs["href"] for t in flat(text) if t.type == "link_open"]
    assert not others
    assert href.startswith("https://console.example/media?id=%5BRe-run") and href.endswith(
        "&region=cn-shanghai"
    )


def test_a_value_a_custom_template_puts_at_the_start_of_a_line_opens_no_block(tmp_path):
    path = tmp_path / "templates.yml"
    text = "{title}\\n{job_id}\\n\\n> {profile}\\n\\n- {media_id}\\n\\n{findings}"
    path.write_text(f'qc.alert:\n  text: "{text}"\n  finding: "{{rule}}\\n{{actual}}"\n', encoding="utf-8")
    templates = Templates(str(path))
    hostile = {7: "✅ QC passed", 8: "===", 10: "- x", 6: "1. x", 1: "| a | b |", 3: "|---|---|"}
    _, got = templates.render(events(lambda i: hostile.get(i, plain(i)))["alert"])
    _, expected = templates.render(events(plain)["alert"])
    assert shape(got) == shape(expected), got
    assert "QC passed" in got


MARKUP_PIECES = st.sampled_from(
    ["[", "]", "(", ")", "<", ">", "!", "#", "*", "_", "~", "`", "\\", "&", ";", ":", "/", ".", "@", "|",
     "-", "+", "=", " ", "\n", "\t", "\r", "http", "www", "lt", "#60", "at id=all", "font", "x", "0", "é"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(MARKUP_PIECES | st.characters(), max_size=40).map("".join))
def test_no_value_becomes_markup_wherever_a_template_puts_it(value):
    shown = inert(one_line(value))
    plain_shape = shape(_in_a_template("x", "x"))
    assert shape(_in_a_template(f"x{shown}", shown or "x")) == plain_shape, shown
    assert not _TAG_LIKE.search(" ".join(t.content for t in flat(_in_a_template(shown, shown)) if t.content))


def _in_a_template(inline: str, first: str) -> str:
    """A value mid-line, in a code span, in bold, at the start of a list item and of a line."""
    return MarkdownFormatter().fill(
        "### ❌ {a} failed\n\n- **{a}** on {a}: actual `{a}`\n- {b}\n\n{b}\n{b}\n", {"a": inline, "b": first}
    )
