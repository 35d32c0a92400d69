"""``playgate completion bash`` completes sub-commands, options and choices in a real bash; ``--help``
lists ``--version``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from playgate import __version__, cli

SRC = Path(__file__).resolve().parents[2] / "src"


def playgate(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", *argv],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory) -> Path:
    done = playgate("completion", "bash")
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("completion") / "playgate.bash"
    path.write_text(done.stdout, encoding="utf-8")
    return path


def complete(script: Path, *words: str) -> list[str]:
    """What bash offers for the command line ``playgate WORDS…`` (the last word is being typed): the
    function called as ``complete -F`` calls it (command, current word, previous word)."""
    line = 'source "$1"; shift; COMP_WORDS=(playgate "$@"); COMP_CWORD=$#; '
    line += '_playgate playgate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; '
    line += 'printf "%s\\n" "${COMPREPLY[@]}"'
    done = subprocess.run(
        ["bash", "--norc", "-c", line, "bash", str(script), *words],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_a_sub_command_from_its_first_letters(bash_script):
    assert complete(bash_script, "pro") == ["probe"]
    assert complete(bash_script, "dead") == ["dead-letters"]


def test_bash_offers_every_command_on_an_empty_word(bash_script):
    assert sorted(complete(bash_script, "")) == sorted(cli.COMMANDS)


def test_bash_completes_nested_commands_options_and_choices(bash_script):
    assert complete(bash_script, "rules", "") == ["lint", "check", "schema"]
    assert complete(bash_script, "rules", "check", "--fa") == ["--failures-only"]
    assert complete(bash_script, "probe", "--format", "") == ["table", "json", "markdown", "html"]
    assert complete(bash_script, "probe", "./movie.mp4", "--dec") == ["--decode"]
    assert complete(bash_script, "completion", "") == ["bash", "zsh"]
    assert complete(bash_script, "--ver") == ["--version"]


def test_bash_leaves_file_names_to_the_shell_where_nothing_else_fits(bash_script):
    assert complete(bash_script, "probe", "") == []  # `complete -o default` then offers file names
    assert "complete -o default -F _playgate playgate" in bash_script.read_text(encoding="utf-8")


def test_the_zsh_script_runs_the_same_function_through_bashcompinit(bash_script):
    done = playgate("completion", "zsh")
    assert done.returncode == 0, done.stderr
    assert "bashcompinit" in done.stdout.splitlines()[1]
    assert done.stdout.endswith(bash_script.read_text(encoding="utf-8"))


def test_help_lists_version_and_version_prints_it():
    helped = playgate("--help")
    assert "-V, --version" in helped.stdout and "completion" in helped.stdout
    assert playgate("--version").stdout.strip() == f"playgate {__version__}"
