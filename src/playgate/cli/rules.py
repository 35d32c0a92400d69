"""``playgate rules lint | check | schema``: rule files and saved ICE responses, locally.

Exit codes: 0 valid / pass / warn, 1 the media failed its checks, 2 bad input (the message names the file).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
from pathlib import Path
from typing import Any

from playgate.cli.outcome import (
    EXIT_FAIL,
    EXIT_OK,
    BadInput,
    add_output_options,
    run_reporting,
    write_output,
    write_table,
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="rules_command", metavar="{lint,check,schema}", required=True)
    lint = sub.add_parser(
        "lint", help="Validate a rule file: exit 0 when valid, 2 with every problem listed."
    )
    lint.add_argument("rules", metavar="RULES.yml")
    check = sub.add_parser(
        "check", help="Evaluate saved ICE responses against the rules and print the report."
    )
    check.add_argument("--rules", metavar="RULES.yml", help="Rule file (default: the built-in profiles).")
    check.add_argument("--media", metavar="GETMEDIAINFO.json", help="A saved GetMediaInfo response.")
    check.add_argument("--play", metavar="GETPLAYINFO.json", help="A saved GetPlayInfo response.")
    check.add_argument(
        "--job",
        metavar="LISTMEDIAINFOJOBS.json",
        help="A saved ListMediaInfoJobs response (Jobs[]) or one job.",
    )
    check.add_argument(
        "--file",
        metavar="MOVIE.mp4",
        help="A local media file: ffprobe describes it as ICE would (needs ffmpeg; see PLAYGATE_FFMPEG).",
    )
    check.add_argument("--profile", help="Profile to use (default: chosen by selectors, else 'default').")
    check.add_argument("--event-type", help="ICE EventType for profile selection, e.g. TranscodeComplete.")
    check.add_argument("--user-data", metavar="JSON", help="The job's UserData (JSON or plain text).")
    add_output_options(check, ["table", "json", "markdown", "html"], "table")
    check.add_argument("--failures-only", action="store_true", help="Table/Markdown: hide passing findings.")
    sub.add_parser("schema", help="Print the JSON Schema of the rule file (for editors).")


def run(args: argparse.Namespace) -> int:
    command = {"lint": _lint, "check": _check, "schema": _schema}[args.rules_command]
    return run_reporting(f"rules {args.rules_command}", command, args)


def _lint(args: argparse.Namespace) -> int:
    from playgate.rules import load_rules

    book = load_rules(args.rules)
    own = [n for n in book.order if book.profiles[n].origin == book.file]
    counts = ", ".join(f"{n} ({len(book.profiles[n].rules)} rules)" for n in own)
    print(f"{args.rules}: valid; profiles: {counts}")
    return EXIT_OK


def _schema(_args: argparse.Namespace) -> int:
    from playgate.rules.spec import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"{what} file {path} cannot be read ({exc.strerror or exc}); pass a saved {what} JSON response"
        ) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{what} file {path} is not JSON ({exc}); pass the response body as saved") from None
    if not isinstance(data, dict | list):
        raise BadInput(f"{what} file {path} holds {type(data).__name__}, expected a JSON object")
    return data


# What each saved response carries at its top level, to tell them apart.
_SHAPES = (
    ("ListMediaInfoJobs", "Jobs[]", lambda d: isinstance(d.get("Jobs"), list)),
    ("ListMediaInfoJobs", "MediaInfoProperty", lambda d: "MediaInfoProperty" in d),
    ("GetPlayInfo", "PlayInfoList", lambda d: "PlayInfoList" in d),
    (
        "GetMediaInfo",
        "MediaInfo",
        lambda d: any(k in d for k in ("MediaInfo", "MediaBasicInfo", "FileInfoList")),
    ),
    ("GetPlayInfo", "MediaBase", lambda d: "MediaBase" in d),
    ("ListMediaInfoJobs", "JobId", lambda d: "JobId" in d),
)
_OPTION = {"GetMediaInfo": "--media", "GetPlayInfo": "--play", "ListMediaInfoJobs": "--job"}


def _check_shape(data: Any, path: str, expected: str) -> None:
    """A saved response passed with the wrong option is named for what it is, never judged as a media."""
    if isinstance(data, list):
        found: tuple[str, str] | None = ("ListMediaInfoJobs", "jobs in a bare list")
    else:
        found = next(((kind, why) for kind, why, test in _SHAPES if test(data)), None)
    if found is not None and found[0] == expected:
        return
    option = _OPTION[expected]
    if found is None:
        keys = ", ".join(list(data)[:6]) if isinstance(data, dict) else type(data).__name__
        raise BadInput(
            f"{option} {path} does not look like a {expected} response (top-level keys: {keys}); "
            f"pass the response body as saved"
        )
    kind, why = found
    raise BadInput(
        f"{option} {path} is a {kind} response (it has {why}), not {expected}: pass it with {_OPTION[kind]}"
    )


def _jobs(data: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("Jobs"), list):
        jobs = data["Jobs"]
    elif isinstance(data, dict) and ("MediaInfoProperty" in data or "JobId" in data):
        jobs = [data]
    elif isinstance(data, list):
        jobs = data
    else:
        raise BadInput(
            f"ListMediaInfoJobs file {path} has neither Jobs[] nor a job (MediaInfoProperty/JobId)"
        )
    if not jobs:
        raise BadInput(f"ListMediaInfoJobs file {path} has no job in Jobs[]")
    return jobs


def _check(args: argparse.Namespace) -> int:
    from playgate.ice.model import build_snapshot
    from playgate.rules import load_rules

    if not (args.media or args.job or args.play or args.file):
        raise BadInput(
            "give --media GETMEDIAINFO.json (and optionally --play), --job LISTMEDIAINFOJOBS.json, "
            "or --file MOVIE.mp4"
        )
    if args.file and (args.media or args.job or args.play):
        raise BadInput("--file describes the media itself; give it without --media, --play or --job")
    book = load_rules(args.rules)
    if args.profile and args.profile not in book.profiles:
        raise BadInput(f"--profile {args.profile!r} is not a profile; known: {', '.join(book.order)}")
    media = _read_json(args.media, "GetMediaInfo") if args.media else None
    play = _read_json(args.play, "GetPlayInfo") if args.play else None
    job_data = _read_json(args.job, "ListMediaInfoJobs") if args.job else None
    for data, path, expected in ((media, args.media, "GetMediaInfo"), (play, args.play, "GetPlayInfo")):
        if data is not None:
            _check_shape(data, path, expected)
    if job_data is not None:
        _check_shape(job_data, args.job, "ListMediaInfoJobs")
    jobs = _jobs(job_data, args.job) if args.job else None
    user_data: Any = args.user_data
    if user_data is not None:
        with contextlib.suppress(ValueError):  # plain-text UserData is valid as it is
            user_data = json.loads(user_data)
    snapshot = _file_snapshot(args.file) if args.file else build_snapshot(media, play, jobs)
    report = book.evaluate(snapshot, profile=args.profile, event_type=args.event_type, user_data=user_data)
    if args.format == "json":
        write_output(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "markdown":
        write_output(report.to_markdown(include_passed=not args.failures_only), args.out)
    elif args.format == "html":
        from playgate.verdicts.qc_page import qc_page

        what = args.file or args.media or args.job
        write_output(qc_page(report, title=f"playgate rules check {what}"), args.out)
    else:
        draw = functools.partial(report.print_table, include_passed=not args.failures_only)
        draw() if args.out is None else write_table(draw, args.out)
    return EXIT_FAIL if report.outcome == "fail" else EXIT_OK


def _file_snapshot(path: str) -> Any:
    """ffprobe's description of a local file, as the media model the rules read."""
    from playgate.decode.ffmpeg import FfmpegMissing, find_tools
    from playgate.decode.ffprobe import Unreadable, probe, snapshot_of_file
    from playgate.settings import Settings

    if not Path(path).is_file():
        raise BadInput(f"--file {path} does not exist or is not a file")
    try:
        tools = find_tools(Settings().ffmpeg)
        probed = probe(tools, path, ["-protocol_whitelist", "file"], timeout_s=60)
    except FfmpegMissing as exc:
        raise BadInput(exc.message) from None
    except Unreadable as exc:
        raise BadInput(f"--file {path} is not a media file ffprobe can read: {exc}") from None
    return snapshot_of_file(probed, Path(path).name)
