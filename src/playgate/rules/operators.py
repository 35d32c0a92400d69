"""Operators, compiled once into predicates that never raise.

``compile_op`` checks the expected value against the path's type at load time (raising
:class:`SpecProblem` with a stable kind) and returns an :class:`Op` whose ``test(actual, expected)``
is a plain function. A missing actual value (None) satisfies only ``missing``/``exists: false``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from playgate.rules.paths import PathError, PathRef, resolve
from playgate.rules.regex import RegexRefused, compile_search


class SpecProblem(ValueError):
    def __init__(self, kind: str, message: str, field: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field


NUMERIC_OPS = {"lt", "le", "gt", "ge", "between", "within"}
_SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


@dataclass(frozen=True)
class Expected:
    """A constant, or another path's value (``{ref: media.duration_s}``) resolved at evaluation."""

    value: Any = None
    ref: PathRef | None = None

    def text(self, resolved: Any) -> str:
        if self.ref is None:
            return fmt(self.value)
        return self.ref.text if resolved is ... else f"{self.ref.text} ({fmt(resolved)})"


@dataclass(frozen=True)
class Op:
    name: str
    test: Callable[[Any, Any], bool]  # (actual, resolved expected) -> holds
    expected: Expected
    describe: Callable[[Any], str]  # resolved expected -> "≤ 60", "in [h264, hevc]"
    tolerance: tuple[float, bool] | None = None  # (amount, relative) for within


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_missing(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, list | dict) and not v)


def _parse_time(raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# --- expected-value checking (load time) ------------------------------------------------------------
def _type_word(ptype: str) -> str:
    return {
        "num": "a number",
        "str": "text",
        "bool": "true or false",
        "time": "an ISO 8601 time",
        "list": "a list of text",
        "any": "any value",
    }[ptype]


def _scalar_for(ptype: str, value: Any, op: str) -> Any:
    """The expected constant converted for a path of type ptype, or SpecProblem(wrong_type)."""
    ok = {
        "num": _is_num(value),
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "time": _parse_time(value) is not None,
        "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "any": True,
    }[ptype]
    if not ok:
        hint = (
            " (quote numbers that ICE reports as text, e.g. '31')"
            if ptype == "str" and _is_num(value)
            else ""
        )
        raise SpecProblem(
            "wrong_type", f"{op} expects {_type_word(ptype)} for this path, got {value!r}{hint}", op
        )
    if ptype == "time":
        return _parse_time(value)
    if _is_num(value) and not math.isfinite(float(value)):
        raise SpecProblem("wrong_type", f"{op} expects a finite number, got {value!r}", op)
    return value


def _ref_or_const(raw: Any, ref: PathRef, op: str, ptype: str) -> Expected:
    if isinstance(raw, dict):
        if set(raw) != {"ref"} or not isinstance(raw["ref"], str):
            raise SpecProblem(
                "wrong_type", f"{op}: a mapping value must be {{ref: <value path>}}, got {raw!r}", op
            )
        other = _resolve_ref(raw["ref"], ref, op)
        if ptype != "any" and other.type not in (ptype, "any"):
            raise SpecProblem(
                "wrong_type", f"{op}: {other.text!r} is {other.type}, {ref.text!r} is {ptype}", op
            )
        return Expected(ref=other)
    return Expected(value=_scalar_for(ptype, raw, op))


def _resolve_ref(text: str, check: PathRef, op: str) -> PathRef:
    try:
        other = resolve(text)
    except PathError as exc:
        raise SpecProblem("unknown_path", str(exc), op) from None
    if other.is_collection and (not check.is_collection or other.collection is not check.collection):
        raise SpecProblem(
            "bad_reference",
            f"{op}: {text!r} is a list of values; refer to a single value, or to a field of the same "
            f"collection as {check.text!r} (then each item is compared with its own field)",
            op,
        )
    return other


# --- tolerance ------------------------------------------------------------------------------------
_TOL = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>%|s|ms|sec|seconds?)?\s*$")
_WITHIN = re.compile(r"^\s*(?P<tol>.+?)\s+of\s+(?P<of>\[.*\]|\S+)\s*$")


def _number_list(text: str) -> list[Any]:
    out: list[Any] = []
    for part in text.strip("[] ").split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise SpecProblem(
                "wrong_type", f"within: {part.strip()!r} in {text} is not a number", "within"
            ) from None
    return out


def _tolerance(raw: Any) -> tuple[float, bool]:
    if _is_num(raw) and raw >= 0:
        return float(raw), False
    m = _TOL.match(raw) if isinstance(raw, str) else None
    if m is None:
        raise SpecProblem(
            "bad_tolerance", f"tolerance must be a number ≥ 0, 'N%', 'N s' or 'N ms', got {raw!r}", "within"
        )
    n = float(m["n"])
    unit = m["unit"] or ""
    return (n / 1000.0, False) if unit == "ms" else (n, unit == "%")


def _compile_within(raw: Any, ref: PathRef) -> Op:
    if isinstance(raw, str):
        m = _WITHIN.match(raw)
        if m is None:
            raise SpecProblem(
                "bad_tolerance",
                f"write within as '<tolerance> of <number or value path>', got {raw!r}",
                "within",
            )
        tol_raw, of_raw = m["tol"], m["of"]
        try:
            of_raw = float(of_raw)
        except ValueError:
            if of_raw.startswith("["):
                of_raw = _number_list(of_raw)
    elif isinstance(raw, dict) and set(raw) == {"of", "tolerance"}:
        tol_raw, of_raw = raw["tolerance"], raw["of"]
    else:
        raise SpecProblem(
            "bad_tolerance",
            f"within takes '1% of media.duration_s' or {{of: ..., tolerance: ...}}, got {raw!r}",
            "within",
        )
    amount, relative = _tolerance(tol_raw)
    if isinstance(of_raw, list):
        return _within_any(amount, relative, [_scalar_for("num", v, "within") for v in of_raw] or [None])
    if isinstance(of_raw, str):
        other = _resolve_ref(of_raw, ref, "within")
        if other.type not in ("num", "any"):
            raise SpecProblem("wrong_type", f"within: {other.text!r} is {other.type}, not a number", "within")
        expected = Expected(ref=other)
    else:
        expected = Expected(value=_scalar_for("num", of_raw, "within"))
    tol_text = f"{amount:g}%" if relative else f"{amount:g}"

    def test(actual: Any, target: Any) -> bool:
        if not (_is_num(actual) and _is_num(target)):
            return False
        limit = abs(target) * amount / 100.0 if relative else amount
        return abs(actual - target) <= limit + 1e-9

    def describe(target: Any) -> str:
        return f"within {tol_text} of {expected.text(target)}"

    return Op("within", test, expected, describe, (amount, relative))


def _within_any(amount: float, relative: bool, targets: list[Any]) -> Op:
    if targets == [None]:
        raise SpecProblem("wrong_type", "within: 'of' needs at least one number", "within")
    tol_text = f"{amount:g}%" if relative else f"{amount:g}"

    def test(actual: Any, _e: Any) -> bool:
        if not _is_num(actual):
            return False
        return any(
            abs(actual - t) <= (abs(t) * amount / 100.0 if relative else amount) + 1e-9 for t in targets
        )

    return Op(
        "within",
        test,
        Expected(value=targets),
        lambda _e: f"within {tol_text} of one of {fmt(targets)}",
        (amount, relative),
    )


# --- text helpers ---------------------------------------------------------------------------------
def _fold(value: Any, ignore_case: bool) -> Any:
    if not ignore_case:
        return value
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [v.casefold() if isinstance(v, str) else v for v in value]
    return value


def _text_list(raw: Any, op: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(v, str) for v in items):
        raise SpecProblem("wrong_type", f"{op} expects text or a list of text, got {raw!r}", op)
    return items


# --- the compiler ---------------------------------------------------------------------------------
def compile_op(op: str, raw: Any, ref: PathRef, *, ignore_case: bool = False) -> Op:
    ptype = ref.type
    if op in NUMERIC_OPS and ptype not in ("num", "any", "time"):
        raise SpecProblem("wrong_type", f"{op} compares numbers, but {ref.text!r} is {_type_word(ptype)}", op)
    if op == "within":
        if ptype == "time":
            raise SpecProblem("wrong_type", f"within compares numbers, but {ref.text!r} is a time", op)
        return _compile_within(raw, ref)
    if op in ("exists", "missing"):
        if not isinstance(raw, bool):
            raise SpecProblem("wrong_type", f"{op} takes true or false, got {raw!r}", op)
        want_present = raw if op == "exists" else not raw
        word = "present" if want_present else "missing"
        return Op(
            op, lambda a, _e: _is_missing(a) != want_present, Expected(value=want_present), lambda _e: word
        )
    if op in _SYMBOL:
        return _compile_compare(op, raw, ref, ignore_case)
    if op == "between":
        if not (isinstance(raw, list) and len(raw) == 2):
            raise SpecProblem("wrong_type", f"between takes [low, high], got {raw!r}", op)
        cmp_type = "num" if ptype == "any" else ptype
        low, high = (_scalar_for(cmp_type, v, op) for v in raw)
        if low > high:
            raise SpecProblem("wrong_type", f"between: low {low!r} is above high {high!r}", op)

        def between(a: Any, _e: Any) -> bool:
            return _comparable(a, ptype) and low <= a <= high

        return Op(op, between, Expected(value=[low, high]), lambda _e: f"between {fmt(low)} and {fmt(high)}")
    if op in ("in", "not_in"):
        return _compile_membership(op, raw, ref, ignore_case)
    if op == "contains":
        return _compile_contains(raw, ref, ignore_case)
    if op in ("starts_with", "ends_with"):
        if ptype not in ("str", "any"):
            raise SpecProblem(
                "wrong_type", f"{op} works on text, but {ref.text!r} is {_type_word(ptype)}", op
            )
        prefixes = tuple(_fold(_text_list(raw, op), ignore_case))
        method = str.startswith if op == "starts_with" else str.endswith
        word = op.replace("_", " ")
        return Op(
            op,
            lambda a, _e: isinstance(a, str) and method(_fold(a, ignore_case), prefixes),
            Expected(value=raw),
            lambda _e: f"{word} {fmt(raw)}",
        )
    if op == "matches":
        if ptype not in ("str", "any"):
            raise SpecProblem(
                "wrong_type", f"matches works on text, but {ref.text!r} is {_type_word(ptype)}", op
            )
        if not isinstance(raw, str):
            raise SpecProblem("wrong_type", f"matches takes a regular expression as text, got {raw!r}", op)
        try:
            search = compile_search(raw, ignore_case=ignore_case)
        except RegexRefused as exc:
            raise SpecProblem("bad_regex", f"matches: {exc}", op) from None
        return Op(
            op,
            lambda a, _e: isinstance(a, str) and search(a),
            Expected(value=raw),
            lambda _e: f"matches /{raw}/",
        )
    raise SpecProblem("unknown_operator", f"unknown operator {op!r}", op)


def _comparable(a: Any, ptype: str) -> bool:
    return isinstance(a, datetime) if ptype == "time" else _is_num(a)


def _compile_compare(op: str, raw: Any, ref: PathRef, ignore_case: bool) -> Op:
    ptype = ref.type
    cmp_type = "num" if ptype == "any" and op not in ("eq", "ne") else ptype
    expected = _ref_or_const(raw, ref, op, cmp_type)
    sym = _SYMBOL[op]
    if op in ("eq", "ne"):
        const = _fold(expected.value, ignore_case)
        same = op == "eq"

        def equal(a: Any, e: Any) -> bool:
            if a is None or (expected.ref is not None and e is None):
                return False
            target = const if expected.ref is None else _fold(e, ignore_case)
            return (_fold(a, ignore_case) == target) == same

        return Op(op, equal, expected, lambda e: f"{sym} {expected.text(e)}")

    compare = {
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
    }[op]
    const = expected.value

    def ordered(a: Any, e: Any) -> bool:
        target = const if expected.ref is None else e
        if not (_comparable(a, ptype if ptype != "any" else "num") and type(a) is not bool):
            return False
        if not (_is_num(target) or isinstance(target, datetime)):
            return False
        try:
            return compare(a, target)
        except TypeError:
            return False

    return Op(op, ordered, expected, lambda e: f"{sym} {expected.text(e)}")


def _compile_membership(op: str, raw: Any, ref: PathRef, ignore_case: bool) -> Op:
    if not isinstance(raw, list) or not raw:
        raise SpecProblem("wrong_type", f"{op} takes a non-empty list, got {raw!r}", op)
    ptype = ref.type
    if ptype == "list":
        allowed = set(_fold(_text_list(raw, op), ignore_case))

        def subset(a: Any, _e: Any) -> bool:
            if not isinstance(a, list):
                return False
            values = set(_fold([str(v) for v in a], ignore_case))
            return values <= allowed if op == "in" else not (values & allowed)

        word = "all in" if op == "in" else "none in"
        return Op(op, subset, Expected(value=raw), lambda _e: f"{word} {fmt(raw)}")
    values = [_scalar_for(ptype, v, op) for v in raw]
    folded = _fold(values, ignore_case)
    member = op == "in"

    def test(a: Any, _e: Any) -> bool:
        if a is None:
            return False
        try:
            return (_fold(a, ignore_case) in folded) == member
        except TypeError:
            return False

    word = "in" if member else "not in"
    return Op(op, test, Expected(value=values), lambda _e: f"{word} {fmt(values)}")


def _compile_contains(raw: Any, ref: PathRef, ignore_case: bool) -> Op:
    ptype = ref.type
    if ptype not in ("str", "list", "any"):
        raise SpecProblem(
            "wrong_type",
            f"contains works on text or lists, but {ref.text!r} is {_type_word(ptype)}",
            "contains",
        )
    if ptype == "str" and not isinstance(raw, str):
        raise SpecProblem("wrong_type", f"contains expects text for {ref.text!r}, got {raw!r}", "contains")
    needles = _fold(raw if isinstance(raw, list) else [raw], ignore_case)
    if ptype == "list":
        _text_list(raw, "contains")

    def test(a: Any, _e: Any) -> bool:
        if isinstance(a, str):
            text = _fold(a, ignore_case)
            return all(isinstance(n, str) and n in text for n in needles)
        if isinstance(a, list):
            have = _fold([v for v in a], ignore_case)
            try:
                return all(n in have for n in needles)
            except TypeError:
                return False
        if isinstance(a, dict):
            return all(isinstance(n, str) and n in a for n in needles)
        return False

    text = f"contains {fmt(raw)}" if not isinstance(raw, list) else f"contains all of {fmt(raw)}"
    return Op("contains", test, Expected(value=raw), lambda _e: text)
