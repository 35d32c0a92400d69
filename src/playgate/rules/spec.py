"""The rule file's shape as pydantic models: validation of structure, and the JSON Schema for editors.

Meaning (paths exist, expected values fit the path's type, regexes compile, profiles resolve) is
checked by :mod:`playgate.rules.compiler`, which reports every problem at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playgate.decode.spec import DecodeSpec

Severity = Literal["error", "warning", "info"]
OPERATORS = (
    "eq", "ne", "lt", "le", "gt", "ge", "between", "in", "not_in", "exists", "missing",
    "contains", "starts_with", "ends_with", "matches", "within",
)  # fmt: skip
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"

_Scalar = str | int | float | bool
_Expected = _Scalar | list[Any] | dict[str, Any] | None
_Condition = dict[str, Any] | list[dict[str, Any]]


class _Strict(BaseModel):
    # defer_build: a validator is built when first used (a cold start validates only RuleSpec and
    # ProfileShell, for the built-in packs; the whole-file models serve lint and the JSON Schema)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class RuleSpec(_Strict):
    """One rule: ``check`` a value path with exactly one operator, optionally over a quantifier."""

    id: str = Field(pattern=RULE_ID_PATTERN, description="Unique within a profile and what it extends.")
    description: str = Field("", description="One line a person understands; used in messages.")
    severity: Severity = Field("error", description="error fails the gate, warning warns, info records only.")
    check: str = Field(description="The value path, e.g. 'video[*].fps' or 'rendition_count'.")
    eq: _Expected = None
    ne: _Expected = None
    lt: _Expected = None
    le: _Expected = None
    gt: _Expected = None
    ge: _Expected = None
    between: list[Any] | None = Field(None, description="[low, high], inclusive.")
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    exists: bool | None = None
    missing: bool | None = None
    contains: _Expected = None
    starts_with: str | list[str] | None = None
    ends_with: str | list[str] | None = None
    matches: str | None = Field(
        None,
        description="A regular expression (Python syntax, run by RE2: no backreferences or lookaround), "
        "searched anywhere.",
    )
    within: str | dict[str, Any] | None = Field(
        None, description="'1% of media.duration_s', '0.5 s of 216', or {of: ..., tolerance: ...}."
    )
    quantifier: str | dict[str, int] | None = Field(
        None, description="For [*] paths: all (default), any, none, 'at_least N', 'at_most N', 'exactly N'."
    )
    where: _Condition | None = Field(
        None, description="Only items whose own fields match, e.g. {status: Normal}."
    )
    when: _Condition | None = Field(None, description="The rule applies only when this condition holds.")
    require: bool = Field(False, description="Fail instead of not_applicable when there are no items.")
    min_items: int | None = Field(None, ge=0, description="Fail when fewer items than this are checked.")
    ignore_case: bool = Field(False, description="Compare text case-insensitively.")
    override: bool = Field(False, description="Replace an inherited rule with the same id.")
    source: str | None = Field(None, description="Where the rule comes from (a spec section, a ticket).")

    def operators_given(self) -> list[str]:
        fields = self.model_fields_set
        return [op for op in OPERATORS if (op if op != "in" else "in_") in fields]

    def expected(self, op: str) -> Any:
        return getattr(self, "in_" if op == "in" else op)


class Selector(_Strict):
    """When this profile applies. Every given field must match; lists mean 'any of'."""

    event_type: str | list[str] | None = Field(
        None, description="ICE EventType names; shell patterns allowed."
    )
    user_data: dict[str, Any] | str | None = Field(
        None, description="Key/values the job's UserData must carry ('*' = any value), or the exact text."
    )
    user_data_keys: str | list[str] | None = Field(None, description="Keys the job's UserData must have.")
    media_type: str | list[str] | None = None
    business_type: str | list[str] | None = None
    category: str | list[str] | None = None
    tags: str | list[str] | None = Field(None, description="The media must carry at least one of these tags.")


class ProfileSpec(_Strict):
    description: str = ""
    extends: str | list[str] | None = Field(
        None, description="Profiles whose rules come first; 'builtin:NAME' names a shipped profile."
    )
    select: Selector | list[Selector] | None = Field(
        None, description="One selector, or a list (any matches)."
    )
    disable: list[str] = Field(
        default_factory=list, description="Inherited rule ids (or probe check ids) to drop."
    )
    rules: list[RuleSpec] = Field(default_factory=list)
    probe: str | None = Field(
        None,
        description="How far the gate probes renditions: none, manifest or decode (inherited; default none).",
    )
    probe_checks: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict,
        description="Probe check id → {severity, enabled, thresholds}; see docs/probe.md.",
    )
    decode: DecodeSpec | None = Field(
        None, description="Decode settings: windows, renditions, each check's thresholds and severity."
    )


class RuleFileSpec(_Strict):
    """A playgate rule file."""

    version: Literal[1] = 1
    profile_key: str | None = Field(
        "qcProfile", description="A UserData key whose value names the profile to use (checked first)."
    )
    unknown_profile: Literal["fallback", "error"] = Field(
        "fallback",
        description="When UserData names a profile that does not exist: 'fallback' uses the profile the "
        "selectors choose and warns; 'error' fails the gate.",
    )
    profiles: dict[str, ProfileSpec]


class ProfileShell(ProfileSpec):
    """ProfileSpec with rules and the decode block left raw: each rule is validated (and reported) on
    its own, and the decode block only when a profile has one (rules.compiler)."""

    rules: list[Any] = Field(default_factory=list)
    decode: Any = None


class RuleFileShell(RuleFileSpec):
    profiles: dict[str, ProfileShell]  # type: ignore[assignment]  # the shells of the same profiles


def json_schema() -> dict[str, Any]:
    schema = RuleFileSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "playgate rule file"
    return schema
