"""``playgate demo``: the main job, locally, on the embedded defaults.

Starts the ICE emulator on 127.0.0.1 with the bundled sample catalog, sends a set of sample trigger
payloads (every envelope kind, a duplicate, a failed job, a broken media, a malformed message) through
the same handler FC runs, sweeps the catalog's media-information jobs with the reconciler, and prints
what happened and where each message went: JSONL files and the SQLite store in one local folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from playgate.testing.sample_events import (
    DEMO_CALLBACK_KEY,
    DEMO_CALLBACK_URL,
    SAMPLE_JOB_WINDOW,
    sample_http_callbacks,
    sample_payloads,
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("playgate-demo"),
        help="folder for the JSONL sinks and the SQLite store (default: ./playgate-demo)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the store and messages of an earlier run (everything is then a duplicate)",
    )


def run(args: argparse.Namespace) -> int:
    from rich.text import Text

    from playgate.cli import demo_ice
    from playgate.handler import Runtime
    from playgate.reconcile import sweep
    from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path
    from playgate.testing.local import local_settings

    out: Path = args.out.resolve()
    _prepare(out, keep=args.keep)
    started = time.time()
    emulator = IceEmulator()
    emulator.load_catalog(sample_catalog_path())
    with EmulatorServer(emulator) as server:
        settings = local_settings(
            server.url,
            out,
            function_name="qc-gate-demo",
            log_level="error",
            ice_timeout_s=2.0,
            callback_auth_key=DEMO_CALLBACK_KEY,
            callback_url=DEMO_CALLBACK_URL,
            alert_sink=demo_ice.with_ice(f"jsonl://{out / 'alerts.jsonl'}"),  # the verdict in ICE too
            playback_sink=demo_ice.with_ice(f"jsonl://{out / 'playback.jsonl'}"),
        )
        runtime = Runtime.build(settings)
        try:
            rows = _send_payloads(runtime, emulator) + _send_http_callbacks(runtime)
            start, end = SAMPLE_JOB_WINDOW
            result = sweep(runtime, start=start, end=end)
        finally:
            runtime.close()
        skipped = demo_ice.gate_black_start(server.url, emulator, out)
    _explain(rows, out / "alerts.jsonl", dead_letter_sink=settings.dead_letter_sink)
    report = _write_report(settings.store, out / "report.html", since=started)
    print_report(rows, result.as_dict(), out, ice_calls=len(emulator.calls), report=report)
    _console().print(Text("\n".join(demo_ice.ice_lines(emulator, skipped))))
    return 0


def _write_report(store_url: str, path: Path, *, since: float) -> Path:
    """The ledger's report of this run (``playgate report``'s HTML page)."""
    from playgate.store import Ledger, open_store
    from playgate.verdicts.html import report_page
    from playgate.verdicts.summary import summarize

    store = open_store(store_url)
    try:
        assert isinstance(store, Ledger), "the demo's SQLite store keeps the verdicts"
        end = time.time() + 1
        rows = store.verdict_summaries(since, end)
    finally:
        store.close()
    path.write_text(report_page(summarize(rows, start=since, end=end)), encoding="utf-8")
    return path


def _console() -> Any:
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=int(os.environ.get("COLUMNS") or 180))


def _send_payloads(runtime: Any, emulator: Any) -> list[dict[str, Any]]:
    """The sample trigger payloads through the handler, as FC's MNS and raw triggers deliver them."""
    from playgate.handler import RetryLater, handle_payload

    rows: list[dict[str, Any]] = []
    for label, payload, faults in sample_payloads():
        for kind, count in faults:
            emulator.inject(kind, next_n=count)
        try:
            summary = handle_payload(payload, runtime=runtime)
        except RetryLater as error:
            summary = error.summary
        rows += [{"delivery": label, **result} for result in summary["results"]]
    return rows


def _send_http_callbacks(runtime: Any) -> list[dict[str, Any]]:
    """ICE's HTTP callbacks through FC's entry point, with this runtime as the instance's own."""
    from types import SimpleNamespace

    from playgate import handler as fc

    context = SimpleNamespace(request_id="req-http-demo", region="cn-shanghai", credentials=None)
    previous, fc._runtime = fc._runtime, runtime  # what FC's initializer would have built
    rows: list[dict[str, Any]] = []
    try:
        for label, event in sample_http_callbacks():
            answer = fc.handler(event, context)
            assert isinstance(answer, dict), "an HTTP trigger is answered with an HTTP response"
            body = json.loads(answer["body"])
            http = f"HTTP {answer['statusCode']}"
            if answer["statusCode"] == 401:
                rows.append({"delivery": label, "status": "refused", "reason": http, "why": body["error"]})
                continue
            rows += [
                {"delivery": label, **r, "reason": _join(r.get("reason"), http)} for r in body["results"]
            ]
    finally:
        fc._runtime = previous
    return rows


def _join(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p)


def _explain(rows: list[dict[str, Any]], alerts_file: Path, *, dead_letter_sink: str) -> None:
    """For each alert row: which rule failed on which subject (actual vs expected), or ICE's error;
    for each dead letter: why, and where it went."""
    alerts: dict[tuple[Any, Any], dict[str, Any]] = {}
    if alerts_file.exists():
        for line in alerts_file.read_text(encoding="utf-8").splitlines():
            data = json.loads(line)["data"]
            alerts[(data.get("job_id"), data.get("media_id"))] = data
    for row in rows:
        if row.get("message_type") == "playgate.qc.alert":
            alert = alerts.get((row.get("job_id"), row.get("media_id")))
            row["why"] = _why(alert) if alert else "-"
        elif row.get("status") == "dead_letter":
            row["why"] = str(row.get("detail") or "-")
            row.setdefault("destination", dead_letter_sink)


def _why(alert: dict[str, Any]) -> str:
    failed = [f for f in alert.get("findings") or [] if f.get("outcome") == "fail"]
    if failed:
        first = failed[0]
        more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
        return (
            f"{first['rule']} on {first['subject']}: actual {_text(first.get('actual'))}, "
            f"expected {first.get('expected')}{more}"
        )
    error = alert.get("error") or {}
    return ": ".join(str(p) for p in (error.get("code"), error.get("message")) if p) or alert["reason"]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _prepare(out: Path, *, keep: bool) -> None:
    """An empty (or kept) writable folder, or a ConfigError that names --out."""
    from playgate.errors import ConfigError

    try:
        if out.exists() and not keep:
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / ".writable").touch()
        (out / ".writable").unlink()
    except OSError as error:
        raise ConfigError(
            f"--out {out} cannot be written ({error.strerror or error}); "
            "pass a folder you can write to, e.g. --out ./playgate-demo"
        ) from None


def print_report(
    rows: list[dict[str, Any]], sweep_result: dict[str, Any], out: Path, *, ice_calls: int, report: Path
) -> None:
    """One row per delivery: what it carried, what became of it and why, fitted to the terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Piped or captured: as wide as COLUMNS says, else wide enough for most rows to fit on one line.
    console = Console() if sys.stdout.isatty() else Console(width=int(os.environ.get("COLUMNS") or 180))
    table = Table(title="playgate demo: sample events through the FC handler", show_lines=True)
    table.add_column("delivery", overflow="fold", max_width=24)
    table.add_column("what happened, and why", overflow="fold")
    for row in rows:
        table.add_row(Text(row["delivery"]), Text(_what_happened(row, out)))  # "[h264]" is not markup
    console.print(table)
    counts = Counter(row.get("status") for row in rows)
    console.print(Text(f"events: {len(rows)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))))
    console.print(Text(_sweep_line(sweep_result)))
    console.print(Text(f"ICE calls answered by the emulator: {ice_calls}"))
    console.print(Text(f"\nmessages and store in {out}/:"))
    for path in sorted(out.iterdir()):
        lines = sum(1 for _ in path.open()) if path.suffix == ".jsonl" else None
        console.print(Text(f"  {path.name}" + (f"  ({lines} messages)" if lines is not None else "")))
    for hint in _hints(out, report):
        console.print(Text(hint))


def _what_happened(row: dict[str, Any], out: Path) -> str:
    """Three lines: the event and its media; the outcome and where its message went; why, in full."""
    status = row.get("status", "?")
    outcome = status + (f" ({row['reason']})" if row.get("reason") else "")
    if row.get("message_type"):
        message = row["message_type"].removeprefix("playgate.")
        outcome += f" → {message} in {_short(row.get('destination'), out)}"
    elif status == "dead_letter":
        outcome += f" → {_short(row.get('destination'), out)}"
    why = row.get("why")
    if status == "duplicate":
        why = (
            f"already handled: its record ({row.get('key')}) is in {out.name}/store.sqlite3, so nothing was "
            "published again"
        )
    event = " · ".join(str(row.get(k) or "-") for k in ("event_type", "media_id"))
    if not row.get("event_type") and not row.get("media_id"):
        event = "(no ICE event read)"
    return "\n".join([event, outcome, *([f"why: {why}"] if why else [])])


def _sweep_line(r: dict[str, Any]) -> str:
    by_type = ", ".join(f"{k.removeprefix('playgate.')}: {v}" for k, v in sorted(r["by_message"].items()))
    return (
        f"reconciler sweep {r['window_start']} → {r['window_end']}: {r['jobs_seen']} jobs, "
        f"published {r['published']}" + (f" ({by_type})" if by_type else "") + ", "
        f"duplicates {r['duplicates']}, still running {r['pending']}"
    )


def _hints(out: Path, report: Path) -> list[str]:
    """Where to look next: the files that hold the messages, and the commands that read them."""
    return [
        "",
        "Where the messages are (one CloudEvent per line):",
        f"  {out / 'alerts.jsonl'}: every qc.alert; data.findings says which rule failed on which subject "
        "(actual, expected), data.report_markdown the whole report",
        f"  {out / 'playback.jsonl'}: playback.ready (data.renditions: the play URLs) and qc.passed",
        f"  {out / 'dead-letters.jsonl'}: what could not be gated, with the reason and the redacted payload;"
        f" read it with: playgate dead-letters list {out / 'dead-letters.jsonl'}",
        f"The report of this run (every verdict, the rules that failed most, the alerts): {report}",
        f"Ask what was decided about one media: PLAYGATE_STORE=sqlite:///{out / 'store.sqlite3'} "
        "playgate status media-broken-rendition",
        "Next: send events one at a time as FC would: start 'playgate emulator' (it prints the environment "
        "to paste), then 'playgate samples' and "
        "'playgate run playgate-samples/events/transcode-complete.json'; "
        "try your own rules on saved ICE responses with 'playgate rules check --help'.",
    ]


def _short(destination: str | None, out: Path) -> str:
    return (destination or "-").replace(str(out) + "/", "")
