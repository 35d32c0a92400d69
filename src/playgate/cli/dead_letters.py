"""``playgate dead-letters list FILE`` and ``playgate dead-letters replay FILE [--id ID]``.

FILE is a JSONL dead-letter sink (``PLAYGATE_DEAD_LETTER_SINK=jsonl:///…``): one ``playgate.dead_letter``
CloudEvent per line. ``list`` prints one line per dead letter (time, reason, delivery id, event id,
error); ``replay`` sends each recorded payload through the handler again, as FC would deliver it. The
payload is replayed as recorded, that is redacted: ICE callbacks carry no secrets the gate needs (it
fetches the media from ICE again), but a dead letter whose payload was shortened to fit a queue is
reported and not replayed.

What ``list`` prints comes from payloads, that is from whoever sent them: control characters (ANSI escape
sequences, C1 controls) and bidirectional overrides are shown as escapes, never sent to the terminal.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playgate.publish.cloudevents import DEAD_LETTER
from playgate.publish.dead_letter import original_payload

Handle = Callable[[Any], dict[str, Any]]

# C0 and C1 controls, DEL, and the bidirectional marks and overrides ("Trojan Source")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every character that could steer a terminal written as a visible escape."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_terminal_safe(text: str) -> str:
    """JSON text (where these characters can only be inside strings) with them as ``\\uXXXX`` escapes."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass
class Record:
    line: int
    event: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.event.get("id", ""))

    @property
    def data(self) -> dict[str, Any]:
        data = self.event.get("data")
        return data if isinstance(data, dict) else {}


@dataclass
class ReplayResult:
    id: str
    ok: bool
    summary: dict[str, Any] | None = None
    error: str | None = None


def read_dead_letters(path: Path, problems: list[str] | None = None) -> Iterator[Record]:
    """Every dead letter in the file; unreadable lines and other event types are noted in ``problems``."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                _note(problems, f"{path}:{number}: not JSON ({error.msg}); skipped")
                continue
            if not isinstance(event, dict) or event.get("type") != DEAD_LETTER:
                _note(problems, f"{path}:{number}: {what_it_is(event)}, not a dead letter; skipped")
                continue
            yield Record(number, event)


def what_it_is(value: Any) -> str:
    """A few words for a JSON value that is not a dead letter, as a user would name it."""
    if isinstance(value, dict):
        if isinstance(value.get("type"), str):
            return f"a {value['type']!r} CloudEvent"
        if "EventType" in value:
            return f"an ICE event ({value['EventType']!r}: send it through the gate with 'playgate run FILE')"
        keys = ", ".join(repr(k) for k in list(value)[:3]) or "no keys"
        return f"a JSON object without a CloudEvent 'type' (keys {keys})"
    if isinstance(value, list):
        return f"a JSON array of {len(value)} item(s) (a trigger payload? send it with 'playgate run FILE')"
    return f"a JSON {type(value).__name__.replace('NoneType', 'null')}"


def _note(problems: list[str] | None, text: str) -> None:
    if problems is not None:
        problems.append(text)


def describe_error(error: Any) -> str:
    if not error:
        return "-"
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return ": ".join(str(p) for p in (code, message) if p) or json.dumps(error, ensure_ascii=False)
    return str(error)


def format_table(records: list[Record]) -> str:
    rows: list[tuple[str, ...]] = [("TIME", "REASON", "DELIVERY ID", "ID", "ERROR")]
    for r in records:
        d = r.data
        rows.append(
            (
                str(r.event.get("time", "-")),
                str(d.get("reason") or "-"),
                str(d.get("delivery_id") or "-"),
                r.id,
                _one_line(describe_error(d.get("error"))),
            )
        )
    rows = [tuple(terminal_safe(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]) for row in rows
    )


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def replay(records: list[Record], handle: Handle) -> list[ReplayResult]:
    """Send each record's payload through ``handle``; one failure does not stop the others, but a
    misconfigured function stops them all (every one would fail the same way, and none is recorded)."""
    from playgate.errors import Misconfigured, PlaygateError
    from playgate.handler import RetryLater

    results = []
    for record in records:
        try:
            payload = original_payload(record.event)
        except ValueError as error:
            results.append(ReplayResult(record.id, False, error=f"not replayable: {error}"))
            continue
        try:
            summary = handle(payload)
        except Misconfigured:
            raise
        except PlaygateError as error:
            kept = error.summary if isinstance(error, RetryLater) else None
            results.append(ReplayResult(record.id, False, summary=kept, error=f"{error.reason}: {error}"))
            continue
        unhandled = _unhandled(summary)
        results.append(ReplayResult(record.id, not unhandled, summary=summary, error=unhandled or None))
    return results


def _unhandled(summary: Any) -> str:
    """What in a handler's summary was not handled (dead-lettered again, or to be retried), or ""."""
    results = summary.get("results") if isinstance(summary, dict) else None
    problems = [
        f"item {number} {r.get('status')}: {r.get('reason') or 'unknown'}"
        for number, r in enumerate(results or [], start=1)
        if isinstance(r, dict) and r.get("status") in {"dead_letter", "retry"}
    ]
    return "; ".join(problems)


def default_handle() -> tuple[Handle, Callable[[], None]]:
    """The configured handler (settings from PLAYGATE_*), and how to close what it opened."""
    from playgate.handler import RetryLater, Runtime, handle_payload

    runtime = Runtime.build()

    def handle(payload: Any) -> dict[str, Any]:
        try:
            return handle_payload(payload, runtime=runtime)
        except RetryLater as error:
            if error.misconfigured is not None:  # a configuration error: one line, exit 2
                raise error.misconfigured from None
            raise

    return handle, runtime.close


# --- command line --------------------------------------------------------------------------------------
def configure_parser(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="action", required=True, metavar="{list,replay}")
    show = commands.add_parser("list", help="print the dead letters in a JSONL file")
    show.add_argument("file", type=Path, metavar="FILE", help="a JSONL dead-letter file")
    show.add_argument(
        "--json", action="store_true", help="print the records as JSON lines instead of a table"
    )
    again = commands.add_parser("replay", help="send each dead letter's payload through the handler again")
    again.add_argument("file", type=Path, metavar="FILE", help="a JSONL dead-letter file")
    again.add_argument(
        "--id", action="append", dest="ids", metavar="ID", help="only this event id (repeatable)"
    )


def run(args: argparse.Namespace, *, handle: Handle | None = None) -> int:
    if not args.file.is_file():
        print(f"playgate dead-letters: no such file: {args.file}", file=sys.stderr)
        return 2
    problems: list[str] = []
    records = list(read_dead_letters(args.file, problems))
    for problem in problems:
        print(terminal_safe(problem), file=sys.stderr)
    if problems and not records:
        print(
            f"playgate dead-letters: {terminal_safe(str(args.file))} holds no dead letters: a dead-letter "
            "file is what PLAYGATE_DEAD_LETTER_SINK=jsonl:///PATH writes, one playgate.dead_letter per line",
            file=sys.stderr,
        )
        return 2
    if args.action == "list":
        return _list(records, as_json=args.json)
    return _replay(records, args.ids, handle)


def _list(records: list[Record], *, as_json: bool) -> int:
    if as_json:
        for r in records:
            print(json_terminal_safe(json.dumps(r.event, ensure_ascii=False)))
    elif records:
        print(format_table(records))
    print(f"{len(records)} dead letter(s)", file=sys.stderr)
    return 0


def _replay(records: list[Record], ids: list[str] | None, handle: Handle | None) -> int:
    if ids:
        missing = sorted(set(ids) - {r.id for r in records})
        if missing:
            print(f"playgate dead-letters: no dead letter with id {', '.join(missing)}", file=sys.stderr)
            return 2
        records = [r for r in records if r.id in set(ids)]
    close: Callable[[], None] = lambda: None  # noqa: E731
    if handle is None:
        handle, close = default_handle()
    try:
        results = replay(records, handle)
    finally:
        close()
    for result in results:
        print(
            json.dumps({"id": result.id, "ok": result.ok, "summary": result.summary, "error": result.error})
        )
    failed = [r for r in results if not r.ok]
    if failed:
        print(
            f"playgate dead-letters: {len(failed)} of {len(results)} dead letter(s) were not handled "
            "(dead-lettered again or to be retried; see each line's error)",
            file=sys.stderr,
        )
    return 1 if failed else 0
