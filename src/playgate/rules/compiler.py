"""Rule file data → compiled profiles, collecting every problem (never stopping at the first).

Levels: the file (version, profile_key, profiles), each profile, each rule; then meaning (paths,
operators, expected types, regexes, tolerances, quantifiers, conditions), then the profile graph
(extends: unknown names, cycles; duplicate rule ids). Each problem carries the file, line, profile,
rule id and field.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from playgate.ice.model import MediaSnapshot
from playgate.probe.checks import CHECKS, PROBE_MODES, override_problems
from playgate.rules.engine import AllOf, AnyOf, Check, CheckCondition, Condition, Not, Quantifier, Rule
from playgate.rules.operators import SpecProblem, compile_op
from playgate.rules.paths import Collection, PathError, resolve
from playgate.rules.source import Problem, line_of
from playgate.rules.spec import OPERATORS, ProfileShell, RuleSpec, Selector

if TYPE_CHECKING:
    from playgate.decode.spec import DecodeSpec

BUILTIN_PREFIX = "builtin:"
_RULE_FIELDS = sorted(
    f.alias or n for n, f in RuleSpec.model_fields.items() if (f.alias or n) not in OPERATORS
)
_CONDITION_OPTIONS = {"quantifier", "ignore_case", "require", "min_items", "where"}


class _FileTop(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = 1
    profile_key: str | None = "qcProfile"
    unknown_profile: Literal["fallback", "error"] = "fallback"
    profiles: dict[str, Any] = Field(min_length=1)


SelectFn = Callable[[str | None, Any, MediaSnapshot], bool]


@dataclass
class CompiledProfile:
    name: str
    description: str = ""
    rules: list[Rule] = field(default_factory=list)
    selectors: list[SelectFn] = field(default_factory=list)
    origin: str = "builtin"
    probe: str | None = None  # None: not set here or in what it extends (the built-in default: none)
    probe_checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    probe_disabled: frozenset[str] = frozenset()
    decode: DecodeSpec | None = None  # the profile's own ``decode:`` block, else its first parent's


@dataclass
class _Pending:
    name: str
    file: str
    raw: Any
    spec: ProfileShell
    own: list[tuple[Rule, RuleSpec, Any]]  # compiled rule, its spec, its raw data (for lines)
    selectors: list[SelectFn]
    decode: DecodeSpec | None = None


class Compiler:
    def __init__(self, base: dict[str, CompiledProfile] | None = None):
        self.base = base or {}
        self.problems: list[Problem] = []
        self.pending: dict[str, _Pending] = {}
        self.profile_key: str | None = "qcProfile"
        self.unknown_profile = "fallback"

    # --- problems ---------------------------------------------------------------------------------
    def _add(self, kind: str, message: str, file: str, raw: Any, loc: tuple, **where: Any) -> None:
        self.problems.append(Problem(kind, message, file, line_of(raw, loc), **where))

    def _pydantic(
        self,
        exc: ValidationError,
        file: str,
        raw: Any,
        prefix: tuple,
        *,
        in_rule: bool = False,
        inner: tuple = (),  # where the validated part sits below ``prefix``, for a field's name (decode:)
        **where: Any,
    ) -> None:
        seen = set()
        first_branch: dict[tuple, str] = {}
        for err in exc.errors():
            loc, branch = _model_loc(inner + tuple(err["loc"]))
            # a union: report the first alternative's errors only
            if branch is not None and first_branch.setdefault(branch[0], branch[1]) != branch[1]:
                continue
            fld = ".".join(str(p) for p in loc) or None
            kind, msg = _explain({**err, "loc": loc}, in_rule)
            if (kind, loc) in seen:
                continue
            seen.add((kind, loc))
            self._add(kind, msg, file, raw, prefix + loc, field=fld, **where)

    # --- file level -------------------------------------------------------------------------------
    def add_file(self, file: str, data: Any) -> None:
        if not isinstance(data, dict):
            self._add(
                "not_a_rule_file",
                "a rule file is a mapping with a 'profiles:' key "
                f"(got {type(data).__name__}); see docs/rules.md",
                file,
                data,
                (),
            )
            return
        try:
            top = _FileTop.model_validate(data)
        except ValidationError as exc:
            self._pydantic(exc, file, data, ())
            return
        if top.version != 1:
            self._add(
                "wrong_type",
                f"version must be 1, got {top.version}",
                file,
                data,
                ("version",),
                field="version",
            )
        self.profile_key = top.profile_key
        self.unknown_profile = top.unknown_profile
        for name, raw in top.profiles.items():
            self._add_profile(file, data, str(name), raw)

    def _add_profile(self, file: str, data: Any, name: str, raw: Any) -> None:
        loc = ("profiles", name)
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
            self._add(
                "bad_name", "profile names use letters, digits, '_', '-', '.'", file, data, loc, profile=name
            )
        if name in self.pending:
            self._add(
                "duplicate_profile", f"profile {name!r} is defined twice", file, data, loc, profile=name
            )
            return
        try:
            spec = ProfileShell.model_validate(raw if raw is not None else {})
        except ValidationError as exc:
            self._pydantic(exc, file, data, loc, profile=name)
            return
        own = []
        seen: dict[str, int] = {}
        for i, raw_rule in enumerate(spec.rules):
            raw_id = raw_rule.get("id") if isinstance(raw_rule, dict) else None
            rid = raw_id if isinstance(raw_id, str) else None
            duplicate = rid is not None and rid in seen
            if rid is not None and duplicate:
                self._add(
                    "duplicate_rule_id",
                    f"rule id {rid!r} is used twice in this profile "
                    f"(rules[{seen[rid]}] and rules[{i}]); ids must be unique",
                    file,
                    data,
                    (*loc, "rules", i, "id"),
                    profile=name,
                    rule=rid,
                    field="id",
                )
            elif rid is not None:
                seen[rid] = i
            compiled = self._rule(file, data, name, (*loc, "rules", i), raw_rule)
            if compiled is not None and not duplicate:
                own.append((compiled[0], compiled[1], (*loc, "rules", i)))
        selectors = []
        for j, sel in enumerate(_as_list(spec.select)):
            selectors.append(_selector(sel))
            if isinstance(sel.event_type, list) and not sel.event_type:
                self._add(
                    "wrong_type",
                    "event_type needs at least one name",
                    file,
                    data,
                    (*loc, "select", j, "event_type"),
                    profile=name,
                    field="select.event_type",
                )
        self._probe_problems(file, data, name, spec)
        decode = self._decode(file, data, name, spec.decode)
        self.pending[name] = _Pending(name, file, data, spec, own, selectors, decode)

    def _decode(self, file: str, data: Any, name: str, raw: Any) -> DecodeSpec | None:
        """The profile's ``decode:`` block, validated only when there is one: its models (and the decode
        package) stay unbuilt at a cold start on profiles that do not decode."""
        if raw is None:
            return None
        from playgate.decode.spec import DecodeSpec

        try:
            return DecodeSpec.model_validate(raw)
        except ValidationError as exc:
            self._pydantic(exc, file, data, ("profiles", name), profile=name, inner=("decode",))
            return None

    def _probe_problems(self, file: str, data: Any, name: str, spec: ProfileShell) -> None:
        loc = ("profiles", name)
        if spec.probe is not None and spec.probe not in PROBE_MODES:
            self._add(
                "wrong_type",
                f"probe must be one of {', '.join(PROBE_MODES)}, got {spec.probe!r}",
                file,
                data,
                (*loc, "probe"),
                profile=name,
                field="probe",
            )
        for check_id, raw in spec.probe_checks.items():
            for kind, message, fld in override_problems(check_id, raw):
                self._add(
                    kind, message, file, data, (*loc, "probe_checks", check_id), profile=name, field=fld
                )

    # --- rules ------------------------------------------------------------------------------------
    def _rule(self, file: str, data: Any, profile: str, loc: tuple, raw: Any) -> tuple[Rule, RuleSpec] | None:
        rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        if rule_id is None:
            rule_id = f"rules[{loc[-1]}]"
        where: dict[str, Any] = {"profile": profile, "rule": rule_id}
        if not isinstance(raw, dict):
            self._add(
                "wrong_type",
                f"a rule is a mapping with id, check and one operator, got {raw!r}",
                file,
                data,
                loc,
                **where,
            )
            return None
        try:
            spec = RuleSpec.model_validate(raw)
        except ValidationError as exc:
            self._pydantic(exc, file, data, loc, in_rule=True, **where)
            spec = None
        compiled: list[Rule] = []
        problems = _collect(lambda: compiled.append(_compile_rule(spec))) if spec is not None else []
        if spec is None:
            # still report meaning problems of the parts that did parse (the path, the conditions)
            problems += _collect(lambda: resolve_path(raw.get("check"), "check")) if "check" in raw else []
        for p in problems:
            sub = tuple(p.field.split(".")) if p.field else ()
            self._add(p.kind, p.message, file, data, loc + _first(sub), field=p.field, **where)
        if spec is None or problems:
            return None
        return compiled[0], spec

    # --- profile graph ----------------------------------------------------------------------------
    def _target(self, name: str) -> tuple[str, str] | None:
        """('user', name) or ('builtin', name) for an extends entry, None when unknown."""
        if name.startswith(BUILTIN_PREFIX):
            real = name[len(BUILTIN_PREFIX) :]
            return ("builtin", real) if real in self.base else None
        if name in self.pending:
            return ("user", name)
        return ("builtin", name) if name in self.base else None

    def finish(self) -> dict[str, CompiledProfile]:
        done: dict[str, CompiledProfile] = {}
        for name in self.pending:
            self._flatten(name, done, [])
        return done

    def _flatten(
        self, name: str, done: dict[str, CompiledProfile], stack: list[str]
    ) -> CompiledProfile | None:
        if name in done:
            return done[name]
        p = self.pending[name]
        where = {"profile": name}
        if name in stack:
            cycle = " → ".join([*stack[stack.index(name) :], name])
            self._add(
                "extends_cycle",
                f"profiles extend each other in a cycle: {cycle}"
                + (f"; to build on the shipped profile write 'builtin:{name}'" if name in self.base else ""),
                p.file,
                p.raw,
                ("profiles", name, "extends"),
                field="extends",
                **where,
            )
            return None
        rules: list[Rule] = []
        origin_of: dict[str, str] = {}
        parents: list[CompiledProfile] = []
        for i, parent_name in enumerate(_as_list(p.spec.extends)):
            loc = ("profiles", name, "extends") + ((i,) if isinstance(p.spec.extends, list) else ())
            target = self._target(parent_name) if isinstance(parent_name, str) else None
            if target is None:
                known = sorted({*self.pending, *self.base, *(BUILTIN_PREFIX + b for b in self.base)})
                self._add(
                    "unknown_profile",
                    f"extends {parent_name!r}, which is not a profile; known: {', '.join(known)}",
                    p.file,
                    p.raw,
                    loc,
                    field="extends",
                    **where,
                )
                continue
            parent = (
                self.base[target[1]]
                if target[0] == "builtin"
                else self._flatten(target[1], done, [*stack, name])
            )
            if parent is None:
                continue
            parents.append(parent)
            for rule in parent.rules:
                if rule.id not in origin_of:
                    origin_of[rule.id] = parent.name
                    rules.append(rule)
        for j, rid in enumerate(p.spec.disable):
            if rid not in origin_of and rid not in CHECKS:
                self._add(
                    "unknown_rule",
                    f"disable names {rid!r}, which is not an inherited rule; inherited: "
                    f"{', '.join(origin_of) or 'none'}",
                    p.file,
                    p.raw,
                    ("profiles", name, "disable", j),
                    field="disable",
                    **where,
                )
        rules = [r for r in rules if r.id not in set(p.spec.disable)]
        for rule, spec, loc in p.own:
            if rule.id in origin_of and rule.id not in p.spec.disable:
                if not spec.override:
                    self._add(
                        "duplicate_rule_id",
                        f"rule id {rule.id!r} is inherited from profile "
                        f"{origin_of[rule.id]!r}; set 'override: true' to replace it or pick another id",
                        p.file,
                        p.raw,
                        (*loc, "id"),
                        field="id",
                        rule=rule.id,
                        **where,
                    )
                    continue
                rules = [rule if r.id == rule.id else r for r in rules]
            else:
                rules.append(rule)
        done[name] = CompiledProfile(name, p.spec.description, rules, p.selectors, origin=p.file)
        _inherit_probe(done[name], p, parents)
        return done[name]


def _inherit_probe(profile: CompiledProfile, pending: _Pending, parents: list[CompiledProfile]) -> None:
    """Probe settings: the profile's own, else the first parent's (in extends order) that has them."""
    spec = pending.spec
    profile.probe = spec.probe or next((p.probe for p in parents if p.probe), None)
    profile.decode = pending.decode or next((p.decode for p in parents if p.decode), None)
    checks: dict[str, dict[str, Any]] = {}
    disabled: set[str] = set()
    for parent in reversed(parents):  # the first parent wins, like rules reached first
        checks.update(parent.probe_checks)
        disabled |= parent.probe_disabled
    for check_id, own in spec.probe_checks.items():
        checks[check_id] = {**checks.get(check_id, {}), **(own or {})}
        if (own or {}).get("enabled") is True:
            disabled.discard(check_id)
    profile.probe_checks = checks
    profile.probe_disabled = frozenset(disabled | {d for d in spec.disable if d in CHECKS})


# --- rules and conditions -------------------------------------------------------------------------
def _collect(fn: Callable[[], Any]) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    _attempt(fn, problems)
    return problems


def _attempt(fn: Callable[[], Any], problems: list[SpecProblem]) -> Any:
    """``fn()``, or None with its problems added to ``problems`` (so every problem is reported)."""
    try:
        return fn()
    except _Many as many:
        problems += many.problems
    except SpecProblem as exc:
        problems.append(exc)
    return None


class _Many(Exception):
    def __init__(self, problems: list[SpecProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _first(sub: tuple[str, ...]) -> tuple[Any, ...]:
    """The loc inside the rule for a problem field like 'when.media.type' (path keys contain dots)."""
    return sub[:1]


def resolve_path(text: Any, fld: str, coll: Collection | None = None) -> Any:
    if not isinstance(text, str):
        raise SpecProblem("wrong_type", f"{fld} must be a value path as text, got {text!r}", fld)
    try:
        if coll is not None and "." not in text and "[" not in text:
            return resolve(f"{coll.name}[*].{text}")
        ref = resolve(text)
    except PathError as exc:
        raise SpecProblem("unknown_path", str(exc), fld) from None
    if coll is not None and ref.is_collection and ref.collection is not coll:
        raise SpecProblem(
            "bad_reference", f"{fld}: {text!r} is not a field of the {coll.plural} being checked", fld
        )
    return ref


def _quantifier(raw: Any, fld: str) -> Quantifier:
    if raw is None:
        return Quantifier()
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, n),) = raw.items()
        text = f"{kind} {n}"
    else:
        text = str(raw)
    m = re.fullmatch(
        r"\s*(all|any|none|at_least|at_most|exactly)(?:\s+(\d+))?\s*",
        text.replace("at least", "at_least").replace("at most", "at_most"),
    )
    if m is None or (m[2] is None) != (m[1] in ("all", "any", "none")):
        raise SpecProblem(
            "bad_quantifier",
            f"quantifier must be all, any, none, 'at_least N', 'at_most N' or 'exactly N', got {raw!r}",
            fld,
        )
    return Quantifier(m[1], int(m[2] or 0))


def _compile_rule(spec: RuleSpec) -> Rule:
    problems: list[SpecProblem] = []
    ref = None
    try:
        ref = resolve_path(spec.check, "check")
    except SpecProblem as exc:
        problems.append(exc)
    ops = spec.operators_given()
    if not ops:
        problems.append(SpecProblem("no_operator", f"give one operator: {', '.join(OPERATORS)}", "check"))
    elif len(ops) > 1:
        problems.append(
            SpecProblem(
                "several_operators",
                f"give exactly one operator, got {', '.join(ops)}; "
                "combine checks with when: all_of/any_of or write two rules",
                ops[1],
            )
        )
    check = None
    if ref is not None and len(ops) == 1:
        try:
            op = compile_op(ops[0], spec.expected(ops[0]), ref, ignore_case=spec.ignore_case)
            check = _make_check(ref, op, spec.quantifier, spec.where, spec.require, spec.min_items, "")
        except _Many as many:
            problems += many.problems
        except SpecProblem as exc:
            problems.append(exc)
            problems += _collect(
                lambda: _make_check(ref, None, spec.quantifier, spec.where, spec.require, spec.min_items, "")
            )
    when = None
    if spec.when is not None:
        when = _attempt(lambda: compile_condition(spec.when, "when"), problems)
    if problems:
        raise _Many(problems)
    assert check is not None, "a rule without a check has problems"
    return Rule(spec.id, spec.description, spec.severity, check, when, spec.source)


def _make_check(
    ref: Any, op: Any, quantifier: Any, where: Any, require: bool, min_items: int | None, prefix: str
) -> Check:
    problems: list[SpecProblem] = []
    quant = Quantifier()
    try:
        quant = _quantifier(quantifier, prefix + "quantifier")
    except SpecProblem as exc:
        problems.append(exc)
    coll = ref.collection
    if coll is None and (quantifier is not None or where is not None or require or min_items):
        given = [
            n
            for n, v in (
                ("quantifier", quantifier),
                ("where", where),
                ("require", require),
                ("min_items", min_items),
            )
            if v
        ]
        problems.append(
            SpecProblem(
                "bad_quantifier",
                f"{', '.join(given)} only apply to paths over many items "
                f"(with [*]); {ref.text!r} is a single value",
                prefix + given[0],
            )
        )
    where_cond = None
    if where is not None and coll is not None:
        where_cond = _attempt(lambda: compile_condition(where, prefix + "where", coll), problems)
    if problems:
        raise _Many(problems)
    return Check(ref, op, quant, where_cond, max(min_items or 0, 1 if require else 0))


def compile_condition(raw: Any, fld: str, coll: Collection | None = None) -> Condition:
    """``{path: value}``, ``{path: {op: value, ...}}``, ``all_of``/``any_of``/``not``, or a list."""
    if isinstance(raw, list):
        return AllOf([compile_condition(r, f"{fld}[{i}]", coll) for i, r in enumerate(raw)])
    if not isinstance(raw, dict) or not raw:
        raise SpecProblem(
            "bad_condition", f"{fld} must be a mapping such as {{media.type: video}}, got {raw!r}", fld
        )
    parts: list[Condition] = []
    problems: list[SpecProblem] = []
    for key, value in raw.items():
        try:
            if key in ("all_of", "any_of"):
                if not isinstance(value, list) or not value:
                    raise SpecProblem(
                        "bad_condition", f"{fld}.{key} takes a non-empty list of conditions", fld
                    )
                group = [compile_condition(v, f"{fld}.{key}[{i}]", coll) for i, v in enumerate(value)]
                parts.append(AllOf(group) if key == "all_of" else AnyOf(group))
            elif key == "not":
                parts.append(Not(compile_condition(value, f"{fld}.not", coll)))
            else:
                parts.append(_path_condition(str(key), value, fld, coll))
        except _Many as many:
            problems += many.problems
        except SpecProblem as exc:
            problems.append(exc)
    if problems:
        raise _Many(problems)
    return parts[0] if len(parts) == 1 else AllOf(parts)


def _path_condition(key: str, value: Any, fld: str, coll: Collection | None) -> Condition:
    ref = resolve_path(key, fld, coll)
    if isinstance(value, dict):
        ops = [k for k in value if k in OPERATORS]
        unknown = [k for k in value if k not in OPERATORS and k not in _CONDITION_OPTIONS]
        if unknown:
            raise SpecProblem(
                "unknown_operator",
                f"{fld}: unknown operator or option {unknown[0]!r} for {key!r}; "
                f"operators: {', '.join(OPERATORS)}",
                fld,
            )
        if len(ops) != 1:
            raise SpecProblem(
                "no_operator" if not ops else "several_operators",
                f"{fld}: {key!r} needs exactly one operator, got {ops or 'none'}",
                fld,
            )
        op = compile_op(ops[0], value[ops[0]], ref, ignore_case=bool(value.get("ignore_case")))
        quantifier = value.get("quantifier")
        if coll is not None and ref.is_collection:
            if quantifier is not None or value.get("where") is not None:
                raise SpecProblem(
                    "bad_quantifier",
                    f"{fld}: inside where, {key!r} is one item's field; it takes no quantifier",
                    fld,
                )
            return CheckCondition(_make_check(ref, op, None, None, False, None, f"{fld}."))
        return CheckCondition(
            _make_check(
                ref,
                op,
                quantifier,
                value.get("where"),
                bool(value.get("require")),
                value.get("min_items"),
                f"{fld}.",
            )
        )
    op_name = "in" if isinstance(value, list) and ref.type != "list" else "eq"
    return CheckCondition(Check(ref, compile_op(op_name, value, ref)))


# --- selectors ------------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text_match(patterns: list[str], value: Any) -> bool:
    if value is None:
        return False
    text = str(value)
    return any(fnmatch.fnmatchcase(text, p) for p in patterns)


def _user_data_match(want: dict[str, Any] | str, have: Any) -> bool:
    if isinstance(want, str):
        return isinstance(have, str) and have == want
    if not isinstance(have, dict):
        return False
    for key, expected in want.items():
        if key not in have:
            return False
        if expected == "*":
            continue
        options = expected if isinstance(expected, list) else [expected]
        if not any(have[key] == o or (isinstance(o, str) and str(have[key]) == o) for o in options):
            return False
    return True


def _selector(sel: Selector) -> SelectFn:
    events = _as_list(sel.event_type)
    keys = _as_list(sel.user_data_keys)
    media_types, business, categories = (
        _as_list(sel.media_type),
        _as_list(sel.business_type),
        _as_list(sel.category),
    )
    tags = set(_as_list(sel.tags))

    def select(event_type: str | None, user_data: Any, snap: MediaSnapshot) -> bool:
        info = snap.info
        return (
            (not events or _text_match(events, event_type))
            and (sel.user_data is None or _user_data_match(sel.user_data, user_data))
            and (not keys or (isinstance(user_data, dict) and all(k in user_data for k in keys)))
            and (not media_types or _text_match(media_types, info.media_type))
            and (not business or _text_match(business, info.business_type))
            and (not categories or _text_match(categories, info.category))
            and (not tags or bool(tags & set(info.tags)))
        )

    return select


def _model_loc(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[tuple, str] | None]:
    """Drop the union-member tags pydantic puts in locs (('select', 'Selector', 'event') becomes
    ('select', 'event')) and say which union alternative the error belongs to."""
    out: list[Any] = []
    branch = None
    for part in loc:
        if isinstance(part, str) and (part in _TYPE_WORDS or "[" in part or part.startswith("function")):
            if branch is None:
                branch = (tuple(out), part)
            continue
        out.append(part)
    return tuple(out), branch


_TYPE_WORDS = {"str", "int", "float", "bool", "list", "dict", "Selector", "none", "literal['1']"}


# --- pydantic errors in words ---------------------------------------------------------------------
def _unknown_decode_check(name: str) -> str:
    from playgate.decode.spec import DecodeChecks

    known = ", ".join(str(f.alias) for f in DecodeChecks.model_fields.values())
    if name == "decode-incomplete":  # a finding about the run, not a check of the media
        return f"'decode-incomplete' cannot be set: it is always reported, as a warning; checks: {known}"
    return f"unknown decode check {name!r}; checks: {known}"


def _explain(err: dict[str, Any], in_rule: bool = False) -> tuple[str, str]:
    typ, loc = err["type"], err["loc"]
    last = str(loc[-1]) if loc else ""
    if typ == "extra_forbidden":
        if in_rule and len(loc) == 1:
            return "unknown_operator", (
                f"unknown operator or field {last!r}; operators: {', '.join(OPERATORS)}; "
                f"fields: {', '.join(_RULE_FIELDS)}"
            )
        if tuple(loc[:2]) == ("decode", "checks") and len(loc) == 3:
            return "unknown_field", _unknown_decode_check(last)
        return "unknown_field", f"unknown field {last!r}"
    if typ == "missing":
        return "missing_field", f"{last!r} is required"
    if typ == "string_pattern_mismatch" and last == "id":
        return "bad_name", f"rule ids use letters, digits and _ . : - (got {err.get('input')!r})"
    if typ == "literal_error":
        return "wrong_type", f"{last!r} must be {err['ctx']['expected']}, got {err.get('input')!r}"
    return "wrong_type", f"{last!r}: {err['msg']} (got {err.get('input')!r})"
