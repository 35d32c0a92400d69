"""The README says what the code does: settings table, quickstart, CI command, commands' --help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playgate import cli
from playgate.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme_table_and_every_row_is_a_setting():
    documented = set(re.findall(r"^\| `PLAYGATE_([A-Z0-9_]+)` \|", README, flags=re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert documented == fields


def test_the_readme_opens_with_two_quickstart_commands_and_ci_runs_the_second_word_for_word():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quickstart)
    assert len(commands) == 2
    assert "playgate demo" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_explains_itself_with_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"playgate {command}" in out


def test_the_top_level_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)


def test_an_unknown_command_is_refused_with_the_list(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
