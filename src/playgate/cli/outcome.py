"""What the report commands (``rules``, ``probe``) share: exit codes, bad input, and how errors end them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

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
