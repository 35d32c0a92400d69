"""Reading a rule file: YAML with line numbers kept, and errors that say where.

Mappings load as :class:`LineDict` and sequences as :class:`LineList`, which remember the line of
each key/item, so a validation error at ``profiles.premium.rules[3].within`` can name its line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any


class LineDict(dict):
    line: int | None = None
    key_lines: dict[Any, int]


class LineList(list):
    line: int | None = None
    item_lines: list[int]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule file."""

    kind: str  # a stable name: unknown_path, wrong_type, bad_regex, extends_cycle, …
    message: str
    file: str
    line: int | None = None
    profile: str | None = None
    rule: str | None = None
    field: str | None = None

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = []
        if self.profile:
            parts.append(f"profile {self.profile!r}")
        if self.rule:
            parts.append(f"rule {self.rule!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        context = ", ".join(parts)
        return f"{where}: [{self.kind}] {context + ': ' if context else ''}{self.message}"


def _construct_mapping(loader: Any, node: Any) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            loader.problems.append((key_node.start_mark.line + 1, f"a mapping key must be text, got {key!r}"))
            continue
        if key in out:
            loader.problems.append(
                (key_node.start_mark.line + 1, f"key {key!r} appears twice in one mapping")
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: Any, node: Any) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


@functools.lru_cache(maxsize=1)
def _loader_class() -> type:
    """The YAML loader, built on first use: a function on the built-in packs (shipped as JSON, see
    ``playgate.rules.prebuilt``) never imports a YAML parser."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 5-10x faster

    class _Loader(base):  # type: ignore[misc, valid-type]  # a base chosen at run time
        problems: list[tuple[int, str]]

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return _Loader


def load_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    """The document and any problems (syntax errors, duplicate keys). Never raises on bad YAML."""
    import yaml

    loader = _loader_class()(text)
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"not valid YAML: {exc.problem or exc}{_bracket_hint(text, line)}"
        return None, [Problem("yaml_syntax", message, file, line)]
    except yaml.YAMLError as exc:
        return None, [Problem("yaml_syntax", f"not valid YAML: {exc}", file)]
    finally:
        loader.dispose()
    problems = [Problem("duplicate_key", msg, file, line) for line, msg in loader.problems]
    return data, problems


# An unquoted path with brackets inside a flow mapping: {check: video[*].fps, …}
_UNQUOTED_BRACKETS = r"\{[^}\"']*\w\["


def _bracket_hint(text: str, line: int | None) -> str:
    """The quoting rule of docs/rules.md, when the line that fails holds an unquoted path like video[*]."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines) or not re.search(_UNQUOTED_BRACKETS, lines[line - 1]):
        return ""
    return (
        '; inside {…} a path with [ ] must be quoted, e.g. {check: "video[*].fps", …} '
        "(docs/rules.md: YAML flow mappings cannot hold unquoted [*])"
    )


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest element of ``loc`` found in ``data``."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
