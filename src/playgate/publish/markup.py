"""Values from ICE and the media made inert in the robots' markdown: shown as text, never as markup.

DingTalk, Lark and WeCom each render a markdown dialect with HTML-like tags of their own (``<font>``,
Lark's ``<at id=all>``, WeCom's ``<@userid>``), and none documents an escape that holds in all three
(DingTalk and WeCom document none; a backslash means nothing inside a code span). So a value is not
escaped but neutralised the same way for every robot, with characters that look alike and are markup in
none of them: ``[`` ``]`` become ``［`` ``］`` (no link, image or reference), a ``<`` that could open a tag
becomes ``＜`` (no HTML, mention or autolink; ``<= 5`` stays), a ``&`` that could start an entity becomes
``＆``, ``#`` becomes ``＃`` (no heading), and the backtick, backslash, ``*``, ``~`` and a word-edge ``_``
get look-alikes (no code span, emphasis or strikethrough). Line breaks, control and bidirectional-override
characters are dropped, so a value stays on its line. URLs and domain names are defanged
(``https:∕∕evil․example``) so that no client turns them into links: the only links in a message are the
ones playgate builds. A value that a template puts at the start of a line also has a leading ``-``,
``+``, ``>``, ``=``, ``|`` or ``1.`` replaced, so it opens no list, quote, table or setext heading.
A plain ``@all`` notifies nobody: DingTalk mentions only whom a message's ``at`` field names, WeCom and
Lark only their tags, and playgate sends neither. What each robot renders (their documentation):
DingTalk headings, quotes, emphasis, links, images, lists and ``<font>``; WeCom headings, bold, links,
inline code, quotes, ``<font color>`` and ``<@userid>``; Lark's card markdown the same and more
(``<at>``, ``<link>``, tables, code blocks, images by key), its card header plain text.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

_LOOK_ALIKE = str.maketrans({"[": "［", "]": "］", "#": "＃", "`": "ˋ", "\\": "＼", "*": "∗", "~": "∼"})
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?@])")
_ENTITY_AMP = re.compile(r"&(?=[#A-Za-z0-9])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_SCHEME_SLASHES = re.compile(r"(?<=:)//")
_DOMAIN_DOT = re.compile(r"\.(?=[^\W\d_])")  # "evil.example", ".lt"; not "29.97" or "end. "
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_BLOCK_START = re.compile(r"^(?:[-+>=|]|\d{1,9}[.)](?=\s|$))")
_BLOCK_LOOK_ALIKE = str.maketrans(
    {"-": "‐", "+": "＋", ">": "＞", "=": "＝", "|": "｜", ".": "．", ")": "）"}
)
# What may stand before a value on its line for the value to start a block: indentation and the
# markers of list items and quotes (a heading's or a table's content is not a block start).
_LINE_START = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+|>[ \t]?)*")


def one_line(text: str) -> str:
    """``text`` on one line: whitespace runs (line breaks included) become one space, controls go."""
    text = "".join(c for c in text if c not in _BIDI and (c.isspace() or unicodedata.category(c) != "Cc"))
    return " ".join(text.split())


def inert(text: str) -> str:
    """``text`` (one line, see :func:`one_line`) with nothing any robot would read as markup or a link."""
    text = _ENTITY_AMP.sub("＆", text).translate(_LOOK_ALIKE)
    text = _TAG_OPEN.sub("＜", text)
    text = _EDGE_UNDERSCORE.sub("＿", text)
    text = _SCHEME_SLASHES.sub("∕∕", text)
    return _DOMAIN_DOT.sub("․", text)


def not_a_block(text: str) -> str:
    """``text`` that opens no list, quote, table or setext heading at the start of a line."""
    return _BLOCK_START.sub(lambda m: m.group(0).translate(_BLOCK_LOOK_ALIKE), text)


class MarkdownFormatter(string.Formatter):
    """``str.format_map`` for a markdown template: a value placed at the start of a line is
    :func:`not_a_block` (the values are inert already), except the ``own`` fields, which hold markdown
    that playgate wrote (a list of findings, a link)."""

    def __init__(self, own: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.own = own

    def fill(self, template: str, values: Mapping[str, Any]) -> str:
        return self.vformat(template, (), values)

    def parse(self, format_string: str) -> Iterator[tuple[str, str | None, str | None, str | None]]:
        line = ""
        for literal, field, spec, conversion in super().parse(format_string):
            line = (line + literal).rsplit("\n", 1)[-1]
            starts = field not in self.own and field is not None and _LINE_START.fullmatch(line) is not None
            yield literal, field, spec, (f"b{conversion or ''}" if starts else conversion)
            if field is not None:
                line += "x"  # a value now stands on this line

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if not conversion or conversion[0] != "b":
            return super().convert_field(value, conversion)
        return not_a_block(str(super().convert_field(value, conversion[1:] or None)))
