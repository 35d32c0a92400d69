"""The ``playgate`` command.

Each sub-command lives in its own module, imported only when it runs, so ``playgate --help`` and the
Function Compute hot path never pay for the others. A command module provides
``configure_parser(parser)`` and ``run(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# name → (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "playgate.cli.demo",
        "Run the main job locally: emulator, sample events, SQLite store, JSONL sinks.",
    ),
    "run": ("playgate.cli.run", "Send saved trigger payloads (files) through the configured handler."),
    "rules": (
        "playgate.cli.rules",
        "Lint rule files, check saved ICE responses, print the JSON Schema.",
    ),
    "probe": (
        "playgate.cli.probe",
        "Fetch HLS, DASH and MP4 URLs as viewers would and check that they play.",
    ),
    "reconcile": (
        "playgate.cli.reconcile",
        "Sweep ListMediaInfoJobs and gate every finished job (backfills).",
    ),
    "dead-letters": ("playgate.cli.dead_letters", "List or replay dead-letter records."),
    "emulator": ("playgate.cli.emulator", "Serve the ICE emulator over HTTP on 127.0.0.1."),
    "sinks": ("playgate.cli.sinks", "Send a sample message to a sink URL ('sinks test URL')."),
    "status": ("playgate.cli.status", "What the gate decided about a media or job, why, and where it went."),
    "check": (
        "playgate.cli.check",
        "Gate a live media now (a re-check); --publish to publish and record it.",
    ),
    "report": (
        "playgate.cli.report",
        "Verdicts of a period from the ledger: rates, top failing rules, latency.",
    ),
    "samples": (
        "playgate.cli.samples",
        "Write sample trigger payloads and ICE responses that match the emulator's catalog.",
    ),
    "completion": ("playgate.cli.completion", "Print a shell completion script ('completion bash|zsh')."),
}

# FC's only writable folder is /tmp, so that is the function's default store. A command keeps its records
# beside the work they belong to (where it is run), not in a file every run on the machine shares.
LOCAL_STORE = Path(".playgate") / "store.sqlite3"


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = [
        "usage: playgate COMMAND [options]",
        "",
        "Quality gate between Alibaba Cloud ICE and everything downstream of it.",
        "",
        "commands:",
        *(f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()),
        "",
        "options:",
        "  -h, --help     show this help and exit",
        "  -V, --version  show playgate's version and exit",
        "",
        "Run 'playgate COMMAND --help' for a command's options. Settings come from PLAYGATE_* environment",
        f"variables (see the README's Settings table); the store is ./{LOCAL_STORE.as_posix()} unless",
        "PLAYGATE_STORE says otherwise.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one command; a reader that closes the output early (``| head``) ends it quietly."""
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # here, not at exit, where a closed pipe could only be reported as ignored
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_FAILED


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _main(argv: list[str]) -> int:
    if not argv:
        print(_usage(), file=sys.stderr)
        return EXIT_CONFIG
    if argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    if argv[0] in {"-V", "--version"}:
        from playgate import __version__

        print(f"playgate {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(f"playgate: unknown command {name!r}.\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, summary = COMMANDS[name]
    from playgate.settings import warn_unknown_variables

    warn_unknown_variables(lambda problem: print(f"playgate: warning: {problem}", file=sys.stderr))
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"playgate {name}", description=summary)
    module.configure_parser(parser)
    args = parser.parse_args(argv[1:])
    try:
        with _as_a_command():
            return int(module.run(args) or 0)
    except Exception as error:
        code, line = explain(error)
        if code is None:
            raise  # a bug: its traceback is what a report needs
        print(f"playgate {name}: {line}", file=sys.stderr)
        return code


EXIT_FAILED, EXIT_CONFIG = 1, 2


@contextmanager
def _as_a_command() -> Iterator[None]:
    """What a command does differently from the function, for as long as it runs: its store is local
    unless PLAYGATE_STORE names one, and its logs go to stderr (stdout is the command's output)."""
    from playgate import log

    unset = "PLAYGATE_STORE" not in os.environ
    if unset:
        os.environ["PLAYGATE_STORE"] = f"sqlite:///{Path.cwd() / LOCAL_STORE}"
    try:
        with log.to_stderr():
            yield
    finally:
        if unset:
            os.environ.pop("PLAYGATE_STORE", None)


def explain(error: BaseException) -> tuple[int | None, str]:
    """(exit code, one line) for an error a user can act on; (None, "") for a bug.

    Configuration problems exit 2 (a setting, or ICE refusing the credentials), a run that failed (ICE or
    a sink unreachable) exits 1. Nothing redelivers what a command was doing, so a retryable failure says
    to run the command again.
    """
    from playgate.errors import ConfigError, Misconfigured, PlaygateError, RuleFileError

    if isinstance(error, RuleFileError):
        return EXIT_CONFIG, _rule_file_line(error)
    if isinstance(error, ConfigError | Misconfigured):
        return EXIT_CONFIG, _one_line(error.message)
    if isinstance(error, PlaygateError):
        again = " Nothing was retried: run the command again once that is fixed." if error.retryable else ""
        return EXIT_FAILED, _one_line(error.message) + again
    return None, ""


def _rule_file_line(error: BaseException) -> str:
    problems = getattr(error, "problems", None)
    file = getattr(error, "file", None)
    if not problems or not file:
        return _one_line(str(error))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"rule file {file} (PLAYGATE_RULES or --rules) is invalid: {problems[0].render()}{more}; "
        f"run 'playgate rules lint {file}' for every problem"
    )


# Errors are worded for the function, where FC / EventBridge redeliver a failed event; from a command
# nothing does, so that promise is taken out of what a command prints.
_REDELIVERY = re.compile(
    r"[;:,.]?\s*(?:this is temporary:\s*)?(?:the event|it) will be (?:retried|delivered again)[^;.(]*",
    re.IGNORECASE,
)


def _one_line(text: str) -> str:
    return " ".join(without_redelivery(text).split())


def without_redelivery(text: str) -> str:
    return _REDELIVERY.sub("", text)
