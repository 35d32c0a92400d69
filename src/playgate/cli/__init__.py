"""The ``playgate`` command.

Each sub-command lives in its own module, imported only when it runs, so ``playgate --help`` and the
Function Compute hot path never pay for the others. A command module provides
``configure_parser(parser)`` and ``run(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

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
    "completion": ("playgate.cli.completion", "Print a shell completion script ('completion bash|zsh')."),
}


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
        "  -V, --version  print playgate's version and exit",
        "",
        "Run 'playgate COMMAND --help' for a command's options. Settings come from PLAYGATE_* environment",
        "variables (see the README's Settings table).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
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
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"playgate {name}", description=summary)
    module.configure_parser(parser)
    args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except Exception as error:
        code, line = explain(error)
        if code is None:
            raise  # a bug: its traceback is what a report needs
        print(f"playgate {name}: {line}", file=sys.stderr)
        return code


EXIT_FAILED, EXIT_CONFIG = 1, 2


def explain(error: BaseException) -> tuple[int | None, str]:
    """(exit code, one line) for an error a user can act on; (None, "") for a bug.

    Configuration problems exit 2, a run that failed (ICE or a sink unreachable) exits 1. Nothing
    redelivers what a command was doing, so a retryable failure says to run the command again.
    """
    from playgate.errors import ConfigError, PlaygateError, RuleFileError

    if isinstance(error, RuleFileError):
        return EXIT_CONFIG, _rule_file_line(error)
    if isinstance(error, ConfigError):
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
