"""What ``status``, ``check`` and ``report`` share: the ledger the settings name, and where output goes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playgate.errors import ConfigError
from playgate.settings import Settings
from playgate.store.ledger import Ledger

OUTCOME_EXIT = {"pass": 0, "warn": 0}  # fail, error, dead_letter: 1


@contextmanager
def opened_ledger(settings: Settings) -> Iterator[Ledger]:
    from playgate.store import open_ledger, open_store
    from playgate.store.urls import redact_url

    store = open_store(settings.store)
    ledger = None
    try:
        ledger = open_ledger(settings.ledger, store, retention_days=settings.ledger_retention_days)
        if ledger is None:
            raise ConfigError(
                f"no ledger: PLAYGATE_STORE={redact_url(settings.store)!r} keeps no verdicts by itself "
                "and PLAYGATE_LEDGER is off or unset; set PLAYGATE_LEDGER to the sqlite:/// or "
                "postgresql:// URL the function uses"
            )
        yield ledger
    finally:
        if ledger is not None and ledger is not store:
            ledger.close()
        store.close()


def add_output_options(parser: argparse.ArgumentParser, formats: list[str], default: str) -> None:
    parser.add_argument(
        "--format", choices=formats, default=default, help=f"output format (default {default})"
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the output to FILE instead of stdout")


def write_output(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def write_table(draw: Callable[[Any], None], out: Path | None) -> None:
    """Tables drawn by ``draw(console)``: the terminal's width, else $COLUMNS or 80 columns, no colour."""
    import io
    import os

    from rich.console import Console

    if out is None and sys.stdout.isatty():
        draw(Console())
        return
    buffer = io.StringIO()
    draw(Console(file=buffer, width=int(os.environ.get("COLUMNS") or 80), color_system=None))
    write_output(buffer.getvalue(), out)
