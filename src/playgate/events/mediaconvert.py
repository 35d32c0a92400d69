"""MediaConvert events → one event per output media.

ICE sends ``MediaConvertOutputComplete`` for each output, ``MediaConvertOutputGroupComplete`` for each
output group and ``MediaConvertComplete`` for the whole job. Their bodies describe outputs as ICE's
``MediaConvertOutputDetail`` (``Name``, ``Status``, ``Code``, ``Message``, ``Result.OutputFile`` with
``Type`` ``Media`` — ``Media`` is a media id — or ``OSS`` — ``Media`` is an oss:// or https:// URL —
and ``Url``): an output event is one such detail, an output group lists them in ``Outputs``, a job in
``OutputDetails`` and in ``OutputGroupDetails[].Outputs``. The exact callback bodies are not published,
so every one of those places is read, case-insensitively.

Each output media is gated once, under the key of ``(job, output media)``, whichever event brings it
first: the job event after an output event finds that output completed and gates only the others. An
OSS output has no media asset, so ICE cannot be asked about it: it is skipped with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playgate.events import fields
from playgate.events.model import IceEvent

FAMILY = "mediaconvert"
_FAILED = frozenset({"failed", "fail", "failure", "error"})


@dataclass(frozen=True)
class ConvertOutput:
    """One output of a MediaConvert job as an event describes it."""

    name: str | None
    file_type: str | None  # "Media" or "OSS"
    media: str | None  # the media id (Media) or the file's URL (OSS)
    status: str | None
    error_code: str | None
    error_message: str | None

    @property
    def media_id(self) -> str | None:
        return self.media if (self.file_type or "").lower() == "media" else None

    @property
    def failed(self) -> bool:
        return (self.status or "").lower() in _FAILED

    @property
    def skipped(self) -> bool:
        return (self.status or "").lower() == "skipped"


@dataclass(frozen=True)
class Skipped:
    """An output that is not gated, and why (logged and counted in the invocation's result)."""

    output: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"output": self.output, "reason": self.reason}


def _output(detail: Mapping[str, Any]) -> ConvertOutput | None:
    result = fields.ci_get(detail, "Result")
    file = fields.ci_get(result, "OutputFile") if isinstance(result, Mapping) else None
    if not isinstance(file, Mapping):
        file = fields.ci_get(detail, "OutputFile")
    if not isinstance(file, Mapping):
        return None
    return ConvertOutput(
        name=fields.text(fields.ci_get(detail, "Name", "OutputName")),
        file_type=fields.text(fields.ci_get(file, "Type")),
        media=fields.text(fields.ci_get(file, "Media")),
        status=fields.text(fields.ci_get(detail, "Status")),
        error_code=fields.text(fields.ci_get(detail, "Code", "ErrorCode")),
        error_message=fields.text(fields.ci_get(detail, "Message", "ErrorMessage")),
    )


def _details(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every output detail of a body: the body itself, its Outputs, OutputDetails and groups' Outputs."""
    found: list[Mapping[str, Any]] = [body]
    for key in ("Outputs", "OutputDetails"):
        found += _mappings(fields.ci_get(body, key))
    for group in _mappings(fields.ci_get(body, "OutputGroupDetails")):
        found += _mappings(fields.ci_get(group, "Outputs", "OutputDetails"))
    return found


def _mappings(raw: Any) -> list[Mapping[str, Any]]:
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


def convert_outputs(body: Mapping[str, Any]) -> list[ConvertOutput]:
    """The outputs a MediaConvert event body names, in order, each once."""
    outputs: list[ConvertOutput] = []
    for detail in _details(body):
        output = _output(detail)
        if output is not None and output not in outputs:
            outputs.append(output)
    return outputs


def fan_out(event: IceEvent) -> tuple[list[IceEvent], list[Skipped]] | None:
    """One event per output media of a successful MediaConvert event, and the outputs skipped.

    None when the event names no output (it is gated as it is, under its own MediaId) or when the job
    failed (one ``job_failed`` alert for the job).
    """
    if event.family != FAMILY or not event.succeeded:
        return None
    outputs = convert_outputs(event.message_body)
    if not outputs:
        return None
    events: dict[str, IceEvent] = {}
    skipped: list[Skipped] = []
    for output in outputs:
        label = output.name or output.media or "unnamed output"
        if output.skipped:
            skipped.append(Skipped(label, "ICE skipped this output (Status Skipped)"))
        elif output.media_id is None:
            reason = "an OSS output is a file, not a media asset: ICE has no media information to check"
            if output.failed:
                why = f"{output.error_code}: {output.error_message}"
                reason = f"the output failed ({why}) and has no media id to alert on"
            skipped.append(Skipped(label, reason))
        elif output.media_id not in events:
            events[output.media_id] = _for_output(event, output)
    return list(events.values()), skipped


def _for_output(event: IceEvent, output: ConvertOutput) -> IceEvent:
    update: dict[str, Any] = {"media_id": output.media_id}
    if output.failed:
        update.update(
            status="failure",
            status_raw=output.status,
            error_code=output.error_code,
            error_message=output.error_message or f"MediaConvert output {output.name!r} failed",
        )
    return event.model_copy(update=update)
