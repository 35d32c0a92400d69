"""``matches:`` patterns: refused when they nest repetitions, run by RE2 in time linear in the value.

Python's ``re`` backtracks: ``matches: '(a+)+$'`` took 88 s on a 30-character value, and a value comes
from the media, so an event could pin every delivery. RE2 (the ``google-re2`` wheel, a few ms to import,
only when a rule uses ``matches``) never backtracks. It reads ``re``'s syntax, except what needs
backtracking — backreferences (``\\1``) and lookaround (``(?=…)``, ``(?<!…)``) — which is refused with a
clear message. ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only and ``$`` matches only at the very end
(not before a final newline). ``rules lint`` also refuses a repetition nested in a repetition with nothing
fixed between the rounds (``(a+)+``, ``(\\w+\\s?)*``): the classic catastrophic pattern, a mistake even where
it is harmless.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_FIXED = (sre_constants.LITERAL, sre_constants.NOT_LITERAL, sre_constants.IN, sre_constants.ANY)


class RegexRefused(ValueError):
    """The pattern is not a regular expression, or one that playgate will not run."""


def compile_search(raw: str, *, ignore_case: bool = False) -> Callable[[str], bool]:
    """``text -> bool``: does ``raw`` match anywhere in the text (like ``re.search``)?"""
    try:
        parsed = sre_parse.parse(raw, re.IGNORECASE if ignore_case else 0)
    except re.error as error:
        raise RegexRefused(f"{raw!r} is not a valid regular expression: {error}") from None
    nested = _nested_repeat(parsed)
    if nested is not None:
        raise RegexRefused(
            f"{raw!r} repeats a repetition ('{nested}' around a '+', '*' or '?') with nothing fixed between "
            "the rounds: backtracking engines take exponential time on a near miss; write the inner part "
            "once (e.g. '(a+)+' is 'a+')"
        )
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print to stderr; the message below says it all
    options.case_sensitive = not ignore_case
    try:
        pattern = re2.compile(raw, options)
    except re2.error as error:
        detail = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        raise RegexRefused(
            f"{raw!r} needs backtracking ({detail}): backreferences and lookaround are not supported, "
            "rule regexes run in linear time (RE2)"
        ) from None
    return lambda text: pattern.search(text) is not None


def _nested_repeat(items: Any) -> str | None:
    """The first repetition (as text) whose body is only repetitions and optional parts, or None."""
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if (high == sre_constants.MAXREPEAT or high > 10) and _varies(body) and not _has_fixed(body):
                return _describe(low, high)
            found = _nested_repeat(body)
        elif op is sre_constants.SUBPATTERN:
            found = _nested_repeat(av[-1])
        elif op is sre_constants.BRANCH:
            found = next((f for f in (_nested_repeat(b) for b in av[1]) if f), None)
        else:
            found = None
        if found:
            return found
    return None


def _varies(items: Any) -> bool:
    """Does the body hold a repetition of variable count (``+``, ``*``, ``?``, ``{m,n}``)?"""
    for op, av in items:
        if op in _REPEATS and (av[0] != av[1] or _varies(av[2])):
            return True
        if op is sre_constants.SUBPATTERN and _varies(av[-1]):
            return True
        if op is sre_constants.BRANCH and any(_varies(b) for b in av[1]):
            return True
    return False


def _has_fixed(items: Any) -> bool:
    """Does every round of the body have to match at least one character outside any repetition?"""
    for op, av in items:
        if op in _FIXED:
            return True
        if op is sre_constants.SUBPATTERN and _has_fixed(av[-1]):
            return True
    return False


def _describe(low: int, high: int) -> str:
    if high == sre_constants.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    return f"{{{low},{high}}}"
