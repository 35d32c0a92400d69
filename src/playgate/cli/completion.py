"""``playgate completion bash|zsh``: a shell script that completes playgate's commands and options.

    eval "$(playgate completion bash)"          # in ~/.bashrc
    eval "$(playgate completion zsh)"           # in ~/.zshrc (zsh runs the bash function: bashcompinit)

The script is written from the commands' own parsers, so it lists what this version accepts: at each
place the sub-commands, after ``-`` the options, after an option with choices its choices, and file
names where nothing else fits.
"""

from __future__ import annotations

import argparse
import importlib
import shlex

SHELLS = ("bash", "zsh")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def run(args: argparse.Namespace) -> int:
    print(script(args.shell))
    return 0


def script(shell: str) -> str:
    from playgate import cli

    top = argparse.ArgumentParser(prog="playgate", add_help=False)
    top.add_argument("-h", "--help", action="store_true")
    top.add_argument("-V", "--version", action="store_true")
    commands = top.add_subparsers()
    for name, (module_name, summary) in cli.COMMANDS.items():
        parser = commands.add_parser(name, description=summary)
        importlib.import_module(module_name).configure_parser(parser)
    places: dict[str, argparse.ArgumentParser] = {}
    _walk(top, "", places)
    body = _bash(places)
    if shell == "zsh":
        compsys = "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }"
        return f"{compsys}\nautoload -U +X bashcompinit && bashcompinit\n{body}"
    return body


def _walk(parser: argparse.ArgumentParser, path: str, places: dict[str, argparse.ArgumentParser]) -> None:
    """Every parser, by the words that lead to it ('', '/rules', '/rules/check')."""
    places[path] = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _walk(sub, f"{path}/{name}", places)


def _words(parser: argparse.ArgumentParser) -> list[str]:
    """What may come next that is not an option: sub-commands, or a positional's choices."""
    words: list[str] = []
    for action in parser._actions:
        if not action.option_strings and action.choices:
            words += [str(choice) for choice in action.choices]
    return words


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def _case(arms: dict[str, list[str]], indent: int) -> str:
    pad = " " * indent
    return "\n".join(
        f"{pad}{shlex.quote(key)}) words={shlex.quote(' '.join(w))} ;;" for key, w in arms.items()
    )


def _bash(places: dict[str, argparse.ArgumentParser]) -> str:
    paths = " | ".join(shlex.quote(path) for path in places if path)
    words = {path: _words(p) for path, p in places.items() if _words(p)}
    options = {path: _options(p) for path, p in places.items()}
    choices = {
        f"{path}:{option}": [str(c) for c in action.choices]
        for path, p in places.items()
        for action in p._actions
        if action.option_strings and action.choices
        for option in action.option_strings
    }
    return f"""# playgate completion for bash and zsh: eval "$(playgate completion bash)" (or zsh)
_playgate() {{
    local cur="$2" prev="$3" path="" words="" word  # as bash and zsh's bashcompinit call it
    for word in "${{COMP_WORDS[@]:1:$((COMP_CWORD - 1))}}"; do
        case "$path/$word" in
            {paths}) path="$path/$word" ;;
        esac
    done
    case "$path:$prev" in
{_case(choices, 8)}
    esac
    if [[ -z $words && $cur == -* ]]; then
        case "$path" in
{_case(options, 12)}
        esac
    elif [[ -z $words ]]; then
        case "$path" in
{_case(words, 12)}
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _playgate playgate"""
