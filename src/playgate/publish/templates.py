"""Human messages for chat robots: one template per message type, readable on a phone.

A template is a title and a markdown text with ``{field}`` placeholders (Python ``str.format``), plus one
line per failing rule (``finding``), per rendition (``rendition``) or per digested alert (``item``).
``PLAYGATE_MESSAGE_TEMPLATES`` names a YAML file that replaces any part of any type, e.g.::

    qc.alert:
      title: "QC failed: {title}"
      finding: "- {rule}: {subject} is {actual}, must be {expected}"

Fields: id, type, time, media_id, title, job_id, event_type, profile, outcome, reason, severity,
what_to_do, error_code, error_message, console_url, duration_s, findings, renditions, count, items.
An unknown field or part, a field inside a format spec (``{title:{x}}``) and a spec no value can take
(``{title:d}``) are refused when the file loads, naming the file, the type and the field; a template that
still fails to render is replaced by the built-in one for that message, with a log line.

Every value is text that came from ICE, the media or the event: it is redacted, put on one line, cut to
``MAX_VALUE_CHARS`` and made inert (:mod:`playgate.publish.markup`), so a hostile title cannot add a link,
an image, a heading or a mention. The console link is playgate's own (the media id in it is
percent-encoded); it is the only link a message has.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playgate.errors import ConfigError
from playgate.log import get_logger, redact_text
from playgate.publish.markup import MarkdownFormatter, inert, one_line

FIELDS = frozenset(
    {
        *("id", "type", "time", "media_id", "title", "job_id", "event_type", "profile", "outcome"),
        *("reason", "severity", "what_to_do", "error_code", "error_message", "console_url", "duration_s"),
        *("findings", "renditions", "count", "items"),
    }
)
LINE_FIELDS = {
    "finding": frozenset({"rule", "severity", "outcome", "subject", "actual", "expected", "message"}),
    "rendition": frozenset({"definition", "format", "width", "height", "bitrate_kbps", "fps", "url"}),
    "item": FIELDS - {"findings", "renditions", "count", "items"},
}
MAX_VALUE_CHARS = 160  # one finding's actual/expected stays on one phone screen
OWN_FIELDS = frozenset({"findings", "renditions", "items", "error_message", "what_to_do", "console_url"})
_FORMAT = MarkdownFormatter(own=OWN_FIELDS)  # the fields that hold playgate's own markdown

WHAT_TO_DO = {
    "qc_failed": "Fix the source or the transcoding template and run the job again; "
    "if the expectation is wrong, change the rule in the profile.",
    "job_failed": "Open the job in the ICE console, fix the cause in the error and submit it again.",
    "media_not_found": "The media is gone or the event names a wrong id: check it in the ICE console.",
    "media_not_ready": "ICE had not finished the media: run `playgate reconcile` later or submit the job "
    "again.",
    "access_denied": "The function's role may not read the media: grant ice:GetMediaInfo and "
    "ice:GetPlayInfo.",
    "ice_error": "ICE refused the request: see the error below.",
}


@dataclass(frozen=True)
class Template:
    title: str
    text: str
    finding: str = ""
    rendition: str = ""
    item: str = ""


DEFAULTS: dict[str, Template] = {
    "qc.alert": Template(
        title="❌ QC {reason}: {title}",
        text=(
            "### ❌ {title} failed: {reason}\n\n"
            "- media: `{media_id}`\n- job: `{job_id}` ({event_type})\n- profile: {profile}\n\n"
            "{findings}{error_message}\n\n**What to do:** {what_to_do}\n\n"
            "[Open in the ICE console]({console_url})\n\nid `{id}`"
        ),
        finding="- **{rule}** ({severity}) on {subject}: actual `{actual}`, expected `{expected}`",
    ),
    "playback.ready": Template(
        title="✅ Ready to play: {title}",
        text=(
            "### ✅ {title} is ready to play\n\n- media: `{media_id}`\n- job: `{job_id}`\n"
            "- profile: {profile} ({outcome})\n\n{renditions}\n\n[Open in the ICE console]({console_url})"
            "\n\nid `{id}`"
        ),
        rendition="- {definition} {format} {width}×{height} {bitrate_kbps} kbps",
    ),
    "qc.passed": Template(
        title="✅ QC passed: {title}",
        text="### ✅ {title} passed QC\n\n- media: `{media_id}`\n- job: `{job_id}`\n- profile: {profile}\n\n"
        "[Open in the ICE console]({console_url})\n\nid `{id}`",
    ),
    "dead_letter": Template(
        title="⚠️ playgate could not handle an event: {reason}",
        text="### ⚠️ An event became a dead letter: {reason}\n\n{error_message}\n\n"
        "Inspect it with `playgate dead-letters list` and resend with `playgate dead-letters replay`.",
    ),
    "digest": Template(
        title="❌ {count} more alerts",
        text="### ❌ {count} more alerts in the last minute\n\nThe robot's rate limit would block single "
        "messages; every alert is also in the primary sink.\n\n{items}",
        item="- `{media_id}` {title}: {reason} (job `{job_id}`)",
    ),
}


def short_type(event_type: str) -> str:
    return event_type.removeprefix("playgate.")


class Templates:
    """The default templates with a file's replacements; renders events into (title, markdown)."""

    def __init__(self, path: str | None = None, *, console_url: str = "", region: str | None = None) -> None:
        self.console_url = console_url
        self.region = region or ""
        self.templates = dict(DEFAULTS)
        if path:
            self.templates.update(load_file(path))

    def render(self, event: dict[str, Any]) -> tuple[str, str]:
        kind = short_type(event["type"])
        default = DEFAULTS.get(kind, DEFAULTS["qc.alert"])
        return self._fallback(
            kind, self.templates.get(kind, default), default, lambda t: self._render(t, event)
        )

    def render_digest(self, events: list[dict[str, Any]], *, total: int | None = None) -> tuple[str, str]:
        """One message for ``events``; ``total`` (default: as many) is the count it says it stands for."""
        return self._fallback(
            "digest", self.templates["digest"], DEFAULTS["digest"], lambda t: self._digest(t, events, total)
        )

    def _render(self, template: Template, event: dict[str, Any]) -> tuple[str, str]:
        values = self.fields(event)
        values["findings"] = "\n".join(_line(template.finding, f) for f in values["_findings"])
        values["renditions"] = "\n".join(_line(template.rendition, r) for r in values["_renditions"])
        if values["findings"]:
            values["findings"] += "\n\n"
        return _FORMAT.fill(template.title, values), _FORMAT.fill(template.text, values)

    def _digest(self, template: Template, events: list[dict[str, Any]], total: int | None) -> tuple[str, str]:
        items = "\n".join(_FORMAT.fill(template.item, self.fields(e)) for e in events)
        values = {**self.fields(events[-1]), "count": str(total or len(events)), "items": items}
        return _FORMAT.fill(template.title, values), _FORMAT.fill(template.text, values)

    @staticmethod
    def _fallback(
        kind: str, template: Template, default: Template, render: Callable[[Template], tuple[str, str]]
    ) -> tuple[str, str]:
        """A file's template that cannot render this message gives way to the built-in one: logged, not
        raised (the robot still gets the message)."""
        if template is default:
            return render(default)
        try:
            return render(template)
        except Exception as error:  # a spec that only some values fail; never an unsent alert
            get_logger().warning(
                "templates.render_failed", type=kind, error=f"{type(error).__name__}: {error}"
            )
            return render(default)

    def fields(self, event: dict[str, Any]) -> dict[str, Any]:
        data = event.get("data") or {}
        qc = data.get("qc") or {}
        error = data.get("error") or {}
        media_id = data.get("media_id") or event.get("subject") or ""
        reason = data.get("reason") or qc.get("outcome") or ""
        given = {
            "id": event.get("id", ""),
            "type": event.get("type", ""),
            "time": event.get("time", ""),
            "media_id": media_id,
            "title": data.get("title") or media_id or "(no media id)",
            "job_id": data.get("job_id") or "-",
            "event_type": data.get("event_type") or "-",
            "profile": data.get("profile") or qc.get("profile") or "-",
            "outcome": qc.get("outcome") or "",
            "reason": reason,
            "severity": data.get("severity") or "info",
            "error_code": error.get("code") or "",
            "duration_s": data.get("duration_s") or "",
            "count": 1,
        }
        return {
            **{name: _shown(value) for name, value in given.items()},
            "what_to_do": WHAT_TO_DO.get(reason, "See the error and the report in the primary sink."),
            "error_message": _error_line(error),
            "console_url": self._console(str(media_id)),
            "items": "",
            "findings": "",
            "renditions": "",
            "_findings": [f for f in data.get("findings") or [] if f.get("outcome") == "fail"],
            "_renditions": data.get("renditions") or [],
        }

    def _console(self, media_id: str) -> str:
        try:
            return self.console_url.format(media_id=quote(media_id, safe=""), region=self.region)
        except (KeyError, IndexError, ValueError):
            return self.console_url


def _error_line(error: dict[str, Any]) -> str:
    if not error:
        return ""
    return f"**Error** `{_shown(error.get('code') or '-')}`: {_shown(error.get('message'))}"


def _line(template: str, values: dict[str, Any]) -> str:
    return _FORMAT.fill(template, _Blank({k: _shown(v) for k, v in values.items()}))


def _shown(value: Any) -> str:
    """A value as a message shows it: redacted, on one line, cut to fit a phone screen, inert."""
    text = "-" if value is None else one_line(redact_text(str(value)))
    text = text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
    return inert(text)


class _Blank(dict):  # a rendition or finding without a field shows "-" instead of failing
    def __missing__(self, key: str) -> str:
        return "-"


def load_file(path: str) -> dict[str, Template]:
    import yaml

    where = f"PLAYGATE_MESSAGE_TEMPLATES={path}"
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{where}: cannot read the template file ({error})") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the file must map message types ({', '.join(DEFAULTS)}) to templates")
    return {name: _template(where, name, parts) for name, parts in raw.items()}


def _template(where: str, name: str, parts: Any) -> Template:
    if name not in DEFAULTS:
        raise ConfigError(f"{where}: unknown message type {name!r}; use one of {', '.join(DEFAULTS)}")
    allowed = set(Template.__dataclass_fields__)
    if (
        not isinstance(parts, dict)
        or not set(parts) <= allowed
        or not all(isinstance(v, str) for v in parts.values())
    ):
        raise ConfigError(f"{where}: {name} must map some of {', '.join(sorted(allowed))} to strings")
    for part, text in parts.items():
        names = LINE_FIELDS.get(part, FIELDS)
        _check_fields(f"{where}: {name}.{part}", text, names)
    return replace(DEFAULTS[name], **parts)


_SPEC_NUMBER = re.compile(r"\d{4,}")
_SAMPLE = _Blank()  # every field is text by the time a template sees it


def _check_fields(where: str, text: str, names: frozenset[str]) -> None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ConfigError(f"{where}: {error} (write {{{{ and }}}} for literal braces)") from error
    used = {field for _, field, _, _ in parsed if field is not None}
    unknown = sorted(used - names)
    if unknown:  # also refuses {title.attr} and {x[0]}: templates see plain values only
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(names))}")
    for _, field, spec, _ in parsed:
        if spec and ("{" in spec or "}" in spec):
            raise ConfigError(f"{where}: {{{field}:{spec}}}: a format spec may not hold a field or a brace")
        if spec and _SPEC_NUMBER.search(spec):
            raise ConfigError(f"{where}: {{{field}:{spec}}}: a width or precision over 999")
    try:
        _FORMAT.fill(text, _SAMPLE)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{where}: cannot be rendered ({error})") from error
