"""Evaluating compiled rules against one snapshot: checks, quantifiers, conditions, findings.

Everything here is built once by the compiler; evaluation only walks the snapshot. Per evaluation a
:class:`Ctx` caches collection items and scalar values, so twenty rules share the work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playgate.ice.model import MediaSnapshot
from playgate.log import redact
from playgate.rules.operators import Op, fmt
from playgate.rules.paths import Collection, Item, PathRef
from playgate.rules.report import Finding
from playgate.rules.spec import Severity

_NOT_HELD = {"error": "fail", "warning": "warn", "info": "warn"}


class Ctx:
    __slots__ = ("_items", "_values", "event_type", "snap", "user_data")

    def __init__(self, snap: MediaSnapshot, event_type: str | None = None, user_data: Any = None):
        self.snap = snap
        self.event_type = event_type
        self.user_data = user_data
        self._items: dict[str, list[Item]] = {}
        self._values: dict[str, Any] = {}

    def items(self, coll: Collection) -> list[Item]:
        found = self._items.get(coll.name)
        if found is None:
            found = self._items[coll.name] = coll.items(self.snap)
        return found

    def scalar(self, ref: PathRef) -> Any:
        try:
            return self._values[ref.text]
        except KeyError:
            if ref.event_getter is not None:
                value = ref.event_getter(self.event_type, self.user_data)
            else:
                value = ref.value(self.snap)
            self._values[ref.text] = value
            return value


def item_value(ref: PathRef, item: Item) -> Any:
    if ref.item_getter is None:
        return None
    try:
        return ref.item_getter(item.obj, item)
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Quantifier:
    kind: str = "all"  # all, any, none, at_least, at_most, exactly
    n: int = 0

    def holds(self, passed: int, total: int) -> bool:
        return {
            "all": passed == total,
            "any": passed >= 1,
            "none": passed == 0,
            "at_least": passed >= self.n,
            "at_most": passed <= self.n,
            "exactly": passed == self.n,
        }[self.kind]

    def text(self) -> str:
        return self.kind.replace("_", " ") + (
            f" {self.n}" if self.kind in ("at_least", "at_most", "exactly") else ""
        )


Row = tuple[Item | None, Any, Any, bool]  # item, actual, expected, held


@dataclass
class Outcome:
    """What a check found: 'pass', 'fail' or 'na', and the per-item values behind it."""

    status: str
    rows: list[Row] = field(default_factory=list)
    reason: str = ""


@dataclass
class Check:
    ref: PathRef
    op: Op
    quant: Quantifier = Quantifier()
    where: Condition | None = None
    min_items: int = 0

    def __post_init__(self) -> None:
        if self.op is not None and self.op.expected.ref is None:  # constant: describe once, not per finding
            text = self.op.describe(self.op.expected.value)
            self.describe = lambda _e: text
        elif self.op is not None:
            self.describe = self.op.describe

    def text(self) -> str:
        prefix = f"{self.quant.text()} " if self.ref.is_collection and self.quant.kind != "all" else ""
        return f"{prefix}{self.ref.text} {self.op.describe(...)}"

    def _expected(self, ctx: Ctx, item: Item | None) -> Any:
        e = self.op.expected
        if e.ref is None:
            return e.value
        if e.ref.is_collection:
            return item_value(e.ref, item) if item is not None else None
        return ctx.scalar(e.ref)

    def _row(self, ctx: Ctx, item: Item | None, actual: Any) -> Row:
        expected = self._expected(ctx, item)
        return item, actual, expected, bool(self.op.test(actual, expected))

    def run(self, ctx: Ctx, bound: Item | None = None) -> Outcome:
        collection = self.ref.collection
        if collection is None:
            return self._finish([self._row(ctx, None, ctx.scalar(self.ref))], scalar=True)
        if bound is not None:  # inside where:, a field of the current item
            return self._finish([self._row(ctx, bound, item_value(self.ref, bound))], scalar=True)
        items = ctx.items(collection)
        if self.where is not None:
            items = [i for i in items if self.where.holds(ctx, i)]
        plural = collection.plural
        if len(items) < max(self.min_items, 1):
            scope = f" matching {self.where.text()}" if self.where is not None else ""
            if self.min_items:
                return Outcome(
                    "fail", [], f"{len(items)} {plural}{scope}, at least {self.min_items} required"
                )
            return Outcome("na", [], f"no {plural}{scope} to check")
        ref, test, expected = self.ref, self.op.test, self.op.expected
        if expected.ref is None:  # the common case: one constant for every item
            const = expected.value
            rows: list[Row] = [
                (i, a, const, bool(test(a, const))) for i in items for a in (item_value(ref, i),)
            ]
        else:
            rows = [self._row(ctx, i, item_value(ref, i)) for i in items]
        return self._finish(rows, scalar=False)

    def _finish(self, rows: list[Row], *, scalar: bool) -> Outcome:
        if scalar:
            return Outcome("pass" if rows[0][3] else "fail", rows)
        passed = sum(1 for r in rows if r[3])
        return Outcome("pass" if self.quant.holds(passed, len(rows)) else "fail", rows)


class Condition:
    def holds(self, ctx: Ctx, item: Item | None = None) -> bool:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError


@dataclass
class CheckCondition(Condition):
    check: Check

    def holds(self, ctx: Ctx, item: Item | None = None) -> bool:
        check = self.check
        if item is not None and check.ref.is_collection:  # where: one field of the current item
            return bool(check.op.test(item_value(check.ref, item), check._expected(ctx, item)))
        return check.run(ctx, item).status == "pass"

    def text(self) -> str:
        return self.check.text()


@dataclass
class AllOf(Condition):
    parts: list[Condition]

    def holds(self, ctx: Ctx, item: Item | None = None) -> bool:
        return all(p.holds(ctx, item) for p in self.parts)

    def text(self) -> str:
        return " and ".join(p.text() for p in self.parts) if len(self.parts) != 1 else self.parts[0].text()


@dataclass
class AnyOf(Condition):
    parts: list[Condition]

    def holds(self, ctx: Ctx, item: Item | None = None) -> bool:
        return any(p.holds(ctx, item) for p in self.parts)

    def text(self) -> str:
        return "(" + " or ".join(p.text() for p in self.parts) + ")"


@dataclass
class Not(Condition):
    part: Condition

    def holds(self, ctx: Ctx, item: Item | None = None) -> bool:
        return not self.part.holds(ctx, item)

    def text(self) -> str:
        return f"not ({self.part.text()})"


@dataclass
class Rule:
    id: str
    description: str
    severity: Severity
    check: Check
    when: Condition | None = None
    source: str | None = None

    def evaluate(self, ctx: Ctx, *, full: bool = True) -> list[Finding]:
        if self.when is not None and not self.when.holds(ctx):
            if not full:
                return [self._unworded("not_applicable")]
            return [
                self._finding(
                    "not_applicable",
                    "media",
                    None,
                    "",
                    f"{self.id}: not applicable, because {self.when.text()} does not hold",
                )
            ]
        result = self.check.run(ctx)
        if not full and result.status in ("pass", "na"):
            return [self._unworded("pass" if result.status == "pass" else "not_applicable")]
        if result.status == "na":
            return [
                self._finding(
                    "not_applicable",
                    "media",
                    None,
                    self.check.describe(...),
                    f"{self.id}: not applicable, {result.reason}",
                )
            ]
        if not result.rows:
            return [
                self._finding(
                    _NOT_HELD[self.severity],
                    "media",
                    0,
                    self.check.describe(...),
                    self._sentence(f"{result.reason}"),
                )
            ]
        if not self.check.ref.is_collection:
            _, actual, expected, held = result.rows[0]
            subject = "media"
            return [self._item_finding(subject, actual, expected, held, self.check.ref.text)]
        return self._collection_findings(result)

    def _collection_findings(self, result: Outcome) -> list[Finding]:
        check, rows = self.check, result.rows
        coll, kind, field_name = check.ref.collection, check.quant.kind, check.ref.field or ""
        assert coll is not None, "only a [*] path has findings per item"
        if kind in ("all", "none"):
            offending = [r for r in rows if r[3] != (kind == "all")]
            if offending:
                return [
                    self._item_finding(_label(r[0]), r[1], r[2], False, field_name, negate=kind == "none")
                    for r in offending
                ]
            values = [r[1] for r in rows]
            expected = ("not " if kind == "none" else "") + check.describe(rows[0][2])
            msg = f"all {len(rows)} {coll.plural}: {field_name} {expected}"
            return [
                self._finding("pass", f"all {len(rows)} {coll.plural}", values, expected, self._sentence(msg))
            ]
        passed = sum(1 for r in rows if r[3])
        expected = (
            f"{check.quant.text()} of {len(rows)} {coll.plural} {field_name} {check.describe(rows[0][2])}"
        )
        held = result.status == "pass"
        outcome = "pass" if held else _NOT_HELD[self.severity]
        values = [r[1] for r in rows]
        msg = f"{passed} of {len(rows)} {coll.plural} have {field_name} {check.describe(rows[0][2])}"
        msg += f", expected {check.quant.text()}"
        return [self._finding(outcome, coll.plural, values, expected, self._sentence(msg))]

    def _item_finding(
        self, subject: str, actual: Any, expected: Any, held: bool, name: str, *, negate: bool = False
    ) -> Finding:
        expected_text = ("not " if negate else "") + self.check.describe(expected)
        if held:
            return self._finding(
                "pass",
                subject,
                actual,
                expected_text,
                self._sentence(f"{subject}: {name} is {fmt(actual)} ({expected_text})"),
            )
        msg = f"{subject}: {name} is {fmt(actual)}, expected {expected_text}"
        return self._finding(_NOT_HELD[self.severity], subject, actual, expected_text, self._sentence(msg))

    def _unworded(self, outcome: str) -> Finding:
        """A finding that holds or does not apply, without the wording nobody will read (nothing in it
        to make safe: most findings of a warm event are these)."""
        return make_finding(
            rule=self.id,
            severity=self.severity,
            outcome=outcome,
            subject="media",
            check=self.check.ref.text,
            actual=None,
            expected="",
            message="",
            source=self.source,
            error=None,
        )

    def _sentence(self, msg: str) -> str:
        return f"{msg} — {self.description}" if self.description else msg

    def _finding(self, outcome: str, subject: str, actual: Any, expected: str, message: str) -> Finding:
        return make_finding(
            rule=self.id,
            severity=self.severity,
            outcome=outcome,
            subject=subject,
            check=self.check.ref.text,
            actual=_safe(actual),
            expected=expected,
            message=_safe(message),
            source=self.source,
            error=None,
        )


_FINDING_FIELDS = frozenset(Finding.model_fields)


def make_finding(**values: Any) -> Finding:
    """A Finding from every field's value, as the engine built them (typed): validation dominated, and
    this is the hottest constructor of a warm event (a generic one, playgate.typed.construct, cost 1 %)."""
    finding = Finding.__new__(Finding)
    object.__setattr__(finding, "__dict__", values)
    object.__setattr__(finding, "__pydantic_fields_set__", _FINDING_FIELDS)
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


_SECRET_MARK = re.compile(r"=|LTAI|STS\.|MNS |ACS3")


def _safe(value: Any) -> Any:
    """JSON-ready and redacted: only strings that could hold a signed query or key id pay for the regexes."""
    if value is None:
        return value
    if isinstance(value, str):
        return redact(value) if _SECRET_MARK.search(value) else value
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    if isinstance(value, dict):
        return redact(value)
    return fmt(value)


def _label(item: Item | None) -> str:
    return item.label if item is not None else "media"
