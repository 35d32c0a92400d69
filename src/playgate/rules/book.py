"""The RuleBook: compiled profiles, profile selection, and evaluation into a Report."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playgate.errors import RuleFileError
from playgate.ice.model import MediaSnapshot
from playgate.ice.values import parse_json_text
from playgate.rules.compiler import CompiledProfile, Compiler
from playgate.rules.engine import Ctx
from playgate.rules.report import Finding, Report
from playgate.rules.source import Problem, load_yaml

DEFAULT_PROFILE = "default"


class RuleFileInvalid(RuleFileError):
    """A rule file with problems; ``problems`` lists every one (file, line, profile, rule, field, kind)."""

    def __init__(self, file: str, problems: list[Problem]):
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = [f"rule file {file} is invalid ({count}); fix these and run 'playgate rules lint {file}':"]
        lines += [f"  {p.render()}" for p in problems]
        super().__init__("\n".join(lines), code="RuleFileInvalid")
        self.file = file
        self.problems = problems


UNKNOWN_PROFILE_RULE = "profile-unknown"


@dataclass
class RuleBook:
    profiles: dict[str, CompiledProfile]
    order: list[str]  # selection order: the file's profiles first, then the built-in ones
    profile_key: str | None = "qcProfile"
    file: str | None = None
    unknown_profile: str = "fallback"  # or "error": a UserData profile name that names none fails the gate

    @property
    def profile_names(self) -> list[str]:
        return list(self.order)

    def rule_count(self, profile: str = DEFAULT_PROFILE) -> int:
        return len(self.profiles[profile].rules) if profile in self.profiles else 0

    def select_profile(self, *, event_type: str | None, user_data: Any, snapshot: MediaSnapshot) -> str:
        """The profile for this job: UserData's profile key, then selectors in order, else 'default'."""
        data = _user_data(user_data, snapshot)
        if self.profile_key and isinstance(data, dict):
            named = data.get(self.profile_key)
            if isinstance(named, str) and named in self.profiles:
                return named
        for name in self.order:
            try:
                if any(sel(event_type, data, snapshot) for sel in self.profiles[name].selectors):
                    return name
            except Exception:  # a selector must never stop the gate; treat as no match
                continue
        return DEFAULT_PROFILE

    def evaluate(
        self,
        snapshot: MediaSnapshot,
        *,
        profile: str | None = None,
        event_type: str | None = None,
        user_data: Any = None,
        full: bool = True,
    ) -> Report:
        """Every rule of the profile against the snapshot. Never raises.

        ``full=False`` (the gate's hot path) words only the findings that warn or fail; a rule that holds
        or does not apply is recorded by id and outcome alone, since nothing reads more of it there.
        """
        try:
            name = profile or self.select_profile(
                event_type=event_type, user_data=user_data, snapshot=snapshot
            )
        except Exception:
            name = DEFAULT_PROFILE
        media_id = getattr(snapshot, "media_id", None)
        chosen = self.profiles.get(name)
        if chosen is None:
            known = ", ".join(self.order)
            finding = Finding.model_construct(
                rule="profile",
                severity="error",
                outcome="fail",
                subject="media",
                check="",
                actual=name,
                expected=f"one of {known}",
                message=f"profile {name!r} does not exist; known profiles: {known}",
                source=None,
                error="unknown_profile",
            )
            return Report.from_findings(name, media_id, [finding])
        try:
            data = _user_data(user_data, snapshot)
        except Exception:
            data = None
        ctx = Ctx(snapshot, event_type, data)
        findings: list[Finding] = [] if profile else self._unknown_profile_asked(data, name)
        for rule in chosen.rules:
            try:
                findings += rule.evaluate(ctx, full=full)
            except Exception as exc:  # a bug must not crash the gate: the rule fails, visibly
                findings.append(
                    Finding.model_construct(
                        rule=rule.id,
                        severity=rule.severity,
                        outcome="fail" if rule.severity == "error" else "warn",
                        subject="media",
                        check=rule.check.ref.text,
                        actual=None,
                        expected="",
                        message=f"{rule.id}: the rule could not be evaluated ({type(exc).__name__}: {exc})",
                        source=rule.source,
                        error=type(exc).__name__,
                    )
                )
        return Report.from_findings(name, media_id, findings)

    def _unknown_profile_asked(self, data: Any, used: str) -> list[Finding]:
        """A finding when UserData names a profile that does not exist: asked, used, known. Never silent."""
        if not self.profile_key or not isinstance(data, dict) or self.profile_key not in data:
            return []
        asked = data[self.profile_key]
        if isinstance(asked, str) and asked in self.profiles:
            return []
        known = ", ".join(self.order)
        fails = self.unknown_profile == "error"
        consequence = (
            "the rule file sets unknown_profile: error, so the gate fails"
            if fails
            else f"used {used!r} instead"
        )
        return [
            Finding.model_construct(
                rule=UNKNOWN_PROFILE_RULE,
                severity="error" if fails else "warning",
                outcome="fail" if fails else "warn",
                subject="media",
                check=f"user_data.{self.profile_key}",
                actual=asked,
                expected=f"one of {known}",
                message=f"UserData {self.profile_key}={asked!r} names no profile; {consequence} "
                f"(profile used: {used}; known profiles: {known})",
                source=self.file,
                error="unknown_profile",
            )
        ]


def _user_data(user_data: Any, snapshot: MediaSnapshot) -> Any:
    if user_data is None:
        user_data = getattr(getattr(snapshot, "info", None), "user_data", None)
    if isinstance(user_data, bytes):
        user_data = user_data.decode("utf-8", "replace")
    if isinstance(user_data, str):
        user_data, _ = parse_json_text(user_data)
    return user_data


# --- loading --------------------------------------------------------------------------------------
def _compile(sources: list[tuple[str, str]], base: dict[str, CompiledProfile]) -> tuple[Compiler, dict]:
    parsed: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for file, text in sources:
        data, found = load_yaml(text, file)
        problems += found
        if data is not None or not found:
            parsed.append((file, data))
    return _compile_parsed(parsed, base, problems)


def _compile_parsed(
    documents: list[tuple[str, Any]], base: dict[str, CompiledProfile], problems: list[Problem] | None = None
) -> tuple[Compiler, dict]:
    compiler = Compiler(base)
    compiler.problems += problems or []
    for file, data in documents:
        compiler.add_file(file, data)
    return compiler, compiler.finish()


@functools.lru_cache(maxsize=1)
def builtin_profiles() -> dict[str, CompiledProfile]:
    from playgate.rules import prebuilt

    compiler, profiles = _compile_parsed(prebuilt.pack_data(), {})
    if compiler.problems:  # shipped packs are tested; this guards against a broken install
        raise RuleFileInvalid("playgate/rules/packs", compiler.problems)
    return profiles


def compile_text(text: str, file: str = "<rules>") -> RuleBook:
    """A RuleBook from rule-file text (the file name is used in messages only)."""
    base = builtin_profiles()
    compiler, profiles = _compile([(file, text)], base)
    if compiler.problems:
        raise RuleFileInvalid(file, compiler.problems)
    merged = {**base, **profiles}
    order = [*profiles, *(n for n in base if n not in profiles)]
    if DEFAULT_PROFILE not in merged:  # unreachable while the default pack ships; keeps the contract explicit
        raise RuleFileInvalid(file, [Problem("missing_default", "no 'default' profile", file)])
    return RuleBook(merged, order, compiler.profile_key, file, compiler.unknown_profile)


def load_rules(path: str | Path | None = None) -> RuleBook:
    """Compile a rule file (None: the built-in profiles). Raises RuleFileError naming every problem."""
    if path is None:
        base = builtin_profiles()
        return RuleBook(dict(base), list(base), "qcProfile", None)
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(
            f"rule file {file} does not exist; pass an existing YAML file "
            "(or none for the built-in profiles)",
            code="RuleFileMissing",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"rule file {file} cannot be read: {exc}", code="RuleFileUnreadable") from None
    return compile_text(text, file)
