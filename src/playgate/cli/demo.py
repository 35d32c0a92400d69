"""``playgate demo``: the main job, locally, on the embedded defaults.

Starts the ICE emulator on 127.0.0.1 with the bundled sample catalog, sends a set of sample trigger
payloads (every envelope kind, a duplicate, a failed job, a broken media, a malformed message) through
the same handler FC runs, sweeps the catalog's media-information jobs with the reconciler, and prints
what happened and where each message went: JSONL files and the SQLite store in one local folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from playgate.testing.sample_events import SAMPLE_JOB_WINDOW, sample_payloads


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
    from playgate.handler import RetryLater, Runtime, handle_payload
    from playgate.reconcile import sweep
    from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path
    from playgate.testing.local import local_settings

    out: Path = args.out.resolve()
    _prepare(out, keep=args.keep)
    emulator = IceEmulator()
    emulator.load_catalog(sample_catalog_path())
    rows: list[dict[str, Any]] = []
    with EmulatorServer(emulator) as server:
        settings = local_settings(
            server.url, out, function_name="qc-gate-demo", log_level="error", ice_timeout_s=2.0
        )
        runtime = Runtime.build(settings)
        try:
            for label, payload, faults in sample_payloads():
                for kind, count in faults:
                    emulator.inject(kind, next_n=count)
                try:
                    summary = handle_payload(payload, runtime=runtime)
                except RetryLater as error:
                    summary = error.summary
                rows += [{"delivery": label, **result} for result in summary["results"]]
            start, end = SAMPLE_JOB_WINDOW
            result = sweep(runtime, start=start, end=end)
        finally:
            runtime.close()
    print_report(rows, result.as_dict(), out, ice_calls=len(emulator.calls))
    return 0


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
    rows: list[dict[str, Any]], sweep_result: dict[str, Any], out: Path, *, ice_calls: int
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=150)
    table = Table(title="playgate demo: sample events through the FC handler", show_lines=False)
    for column in ("delivery", "event", "media", "outcome", "message", "sink"):
        table.add_column(column, overflow="fold")
    for row in rows:
        outcome = row.get("status", "?") + (f" ({row['reason']})" if row.get("reason") else "")
        table.add_row(
            row["delivery"],
            row.get("event_type") or "-",
            row.get("media_id") or "-",
            outcome,
            (row.get("message_type") or "-").removeprefix("playgate."),
            _short(row.get("destination"), out),
        )
    console.print(table)
    counts = Counter(row.get("status") for row in rows)
    console.print(f"events: {len(rows)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    r = sweep_result
    by_type = ", ".join(f"{k.removeprefix('playgate.')}: {v}" for k, v in sorted(r["by_message"].items()))
    console.print(
        f"reconciler sweep {r['window_start']} → {r['window_end']}: {r['jobs_seen']} jobs, "
        f"published {r['published']} ({by_type}), duplicates {r['duplicates']}, still running {r['pending']}"
    )
    console.print(f"ICE calls answered by the emulator: {ice_calls}")
    console.print(f"\nmessages and store in {out}/:")
    for path in sorted(out.iterdir()):
        lines = sum(1 for _ in path.open()) if path.suffix == ".jsonl" else None
        console.print(f"  {path.name}" + (f"  ({lines} messages)" if lines is not None else ""))
    console.print(
        f"\nNext: `playgate dead-letters list {out / 'dead-letters.jsonl'}`, "
        "`playgate rules check --help`, `playgate emulator --help`."
    )


def _short(destination: str | None, out: Path) -> str:
    return (destination or "-").replace(str(out) + "/", "")
