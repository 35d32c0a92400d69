"""``playgate probe URL [URL…]``: fetch what viewers would fetch and check that it plays.

Exit codes: 0 pass or warn, 1 a check failed, 2 bad input (the message names it). The JSON report has
the shape of ``playgate rules check --format json`` (schema playgate.rules.report/1).
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    parser.add_argument("urls", nargs="+", metavar="URL", help="HLS (.m3u8), DASH (.mpd), MP4 or FLV URLs.")
    parser.add_argument("--rules", metavar="RULES.yml", help="Rule file whose profile sets the probe checks.")
    parser.add_argument(
        "--profile", default="default", help="Profile whose probe_checks apply (default: default)."
    )
    parser.add_argument(
        "--max-segments",
        type=int,
        metavar="N",
        help="Segments probed per playlist (default: PLAYGATE_PROBE_MAX_SEGMENTS, 30).",
    )
    parser.add_argument(
        "--time-limit", type=float, default=60.0, metavar="S", help="Stop starting requests after S seconds."
    )
    parser.add_argument(
        "--decode",
        action="store_true",
        help="Also decode a window with ffmpeg: black, frozen, silent, decode errors, loudness. "
        "Local files are accepted then.",
    )
    parser.add_argument("--start", type=float, metavar="S", help="Decode from S seconds (default 0).")
    parser.add_argument("--seconds", type=float, metavar="N", help="Decode N seconds (default 10).")
    parser.add_argument(
        "--source",
        metavar="FILE",
        help="With --decode: the local source file the renditions were made from; each decoded window is "
        "compared with it (video-matches-source: PSNR and SSIM).",
    )
    add_output_options(parser, ["table", "json", "markdown", "html"], "table")
    parser.add_argument("--failures-only", action="store_true", help="Table/Markdown: hide passing findings.")


def run(args: argparse.Namespace) -> int:
    return run_reporting("probe", _probe, args)


def _probe(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from playgate.probe.gate import checks_for
    from playgate.probe.results import Results
    from playgate.probe.runner import deadline_in, probe_urls
    from playgate.rules import load_rules
    from playgate.settings import Settings

    remote = []
    for url in args.urls:
        parts = urlsplit(url)
        if args.decode and not parts.scheme and Path(url).is_file():
            continue  # a local file: decoded only
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadInput(f"{url.split('?', 1)[0]!r} is not an http or https URL{_not_a_url(url, args)}")
        remote.append(url)
    windows = _window(args)
    if args.source and not args.decode:
        raise BadInput("--source compares decoded windows with a source file; add --decode")
    if args.source and not Path(args.source).is_file():
        raise BadInput(f"--source {args.source} does not exist or is not a file")
    if args.max_segments is not None and args.max_segments < 0:
        raise BadInput("--max-segments must be 0 or more")
    if args.time_limit <= 0:
        raise BadInput("--time-limit must be more than 0 seconds")
    try:
        settings = Settings()
    except ValidationError as exc:
        raise BadInput(f"the PLAYGATE_* settings are invalid: {exc.errors()[0]['msg']}") from None
    book = load_rules(args.rules)
    if args.profile not in book.profiles:
        raise BadInput(f"--profile {args.profile!r} is not a profile; known: {', '.join(book.order)}")
    tools = _decoder(settings) if args.decode else None
    frames: dict[tuple[str, float], str] | None = {} if args.format == "html" else None
    results = Results(checks_for(book.profiles[args.profile]))
    report = probe_urls(
        remote,
        settings=settings,
        max_segments=args.max_segments,
        deadline=deadline_in(args.time_limit),
        profile=args.profile,
        results=results,
    )
    if tools is not None:
        report = _with_decode(report, args, tools, settings, book.profiles[args.profile], windows, frames)
    subject = _subject(args.urls)
    if args.format == "json":
        write_output(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "markdown":
        write_output(report.to_markdown(include_passed=not args.failures_only, subject=subject), args.out)
    elif args.format == "html":
        from playgate.verdicts.qc_page import qc_page

        span = (windows[0].start, windows[0].start + windows[0].seconds) if windows else None
        page = qc_page(
            report, title=f"playgate probe {subject}", window=span, thumbnails=frames, rates=results.rates
        )
        write_output(page, args.out)
    else:
        draw = functools.partial(
            report.print_table, include_passed=not args.failures_only, subject=subject, sentences=True
        )
        draw() if args.out is None else write_table(draw, args.out)
    return EXIT_FAIL if report.outcome == "fail" else EXIT_OK


def _not_a_url(text: str, args: argparse.Namespace) -> str:
    if args.decode:
        return " or an existing file"
    if Path(text).is_file():
        return f"; a local file is decoded, not fetched: playgate probe {text} --decode"
    return " (a local file is accepted with --decode)"


def _subject(urls: list[str]) -> str:
    """What the report is about: the URL or file (no query, no signature in its path, no user info: it
    may be signed), or how many."""
    if len(urls) == 1:
        from playgate.log import redact_text

        return redact_text(urls[0].split("?", 1)[0])
    return f"{len(urls)} URLs"


def _window(args: argparse.Namespace) -> list[Any] | None:
    if args.start is None and args.seconds is None:
        return None
    if not args.decode:
        raise BadInput("--start and --seconds choose the decode window; add --decode")
    from pydantic import ValidationError

    from playgate.decode.spec import Window

    try:
        return [Window(start=args.start or 0.0, seconds=10.0 if args.seconds is None else args.seconds)]
    except ValidationError as exc:
        raise BadInput(f"--start/--seconds: {exc.errors()[0]['msg']}") from None


def _decoder(settings: Any) -> Any:
    from playgate.decode.ffmpeg import FfmpegMissing, find_tools

    try:
        return find_tools(settings.ffmpeg)
    except FfmpegMissing as exc:
        raise BadInput(exc.message) from None


def _with_decode(
    report: Any, args: argparse.Namespace, tools: Any, settings: Any, profile: Any, windows: Any, frames: Any
) -> Any:
    from playgate.decode.run import decode_sources
    from playgate.decode.spec import DecodeSpec
    from playgate.probe.runner import deadline_in
    from playgate.rules.report import Report

    spec = getattr(profile, "decode", None) or DecodeSpec()
    if args.source:
        from playgate.decode.compare import with_source_check

        spec = with_source_check(spec)
    findings = decode_sources(
        args.urls,
        spec,
        tools,
        settings,
        deadline=deadline_in(args.time_limit),
        windows=windows,
        frames=frames,
        compare_with=args.source or "",
    )
    return Report.from_findings(report.profile, report.media_id, [*report.findings, *findings])
