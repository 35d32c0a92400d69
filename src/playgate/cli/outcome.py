"""What the report commands share: exit codes, bad input, how errors end them, and where output goes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playgate.errors import RuleFileError
from playgate.log import redact_text

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the command cannot use; the message names it (exit code 2)."""


def run_reporting(name: str, command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """``command(args)``, with a bad rule file or bad input said in one line on stderr and exit code 2."""
    try:
        return command(args)
    except RuleFileError as exc:
        print(redact_text(exc.message), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as exc:
        print(redact_text(f"playgate {name}: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT


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
