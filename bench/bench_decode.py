"""Decoding a 10 s window of each rung of a 4-rung HLS ladder, as the gate does it (`probe: decode`).

    python bench/bench_decode.py [--runs 5] [--seconds 10] [--latency-ms 20] [--black-sample-fps 5]
                                 [--checks base|default|all] [--parallel N]

Builds (once, cached in /tmp/playgate-bench-decode) a 12 s ladder with ffmpeg: 360p 600 kb/s, 480p
1200 kb/s, 720p 2500 kb/s, 1080p 4500 kb/s, H.264 (x264 'faster': B-frames, CABAC) + AAC stereo, 6 s
HLS segments; serves it signed on 127.0.0.1 with L ms per request, and decodes each rung's window
through the guard proxy (one ffmpeg run: blackdetect on 5 pictures a second, or on every frame with
--black-sample-fps 0). ``--checks`` picks the decode checks: ``default`` (the rule file's defaults),
``base`` (only the checks of before issue 21: black, frozen, silence, decode-clean, loudness; every
other check off) or ``all`` (every check in DecodeChecks enabled). Each rung is measured in a fresh
worker process, so its peak memory is its own.

Prints per rung: wall and CPU (user+sys of the ffmpeg process) as median [min–max] over the runs,
and ffmpeg's peak RSS; then the gate's decode time for the default (lowest and highest rung) and for
all 4 rungs, against a 60 s FC timeout. Then the whole gate: one TranscodeComplete event through the
FC handler (ICE emulator over HTTP, GetMediaInfo ∥ GetPlayInfo, rules, the manifest probe, the
decode step, SQLite store, JSONL sink) for a media whose 4 renditions are this ladder, with the
default renditions and with all 4, each decoded one after another (PLAYGATE_DECODE_PARALLEL=1, as
before parallel decode) and side by side (``--parallel N``; unset: as many as this machine's cores and
memory allow), the two runs interleaved.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CACHE = Path("/tmp/playgate-bench-decode")
RUNGS = {  # name: width, height, video kb/s
    "360p": (640, 360, 600),
    "480p": (854, 480, 1200),
    "720p": (1280, 720, 2500),
    "1080p": (1920, 1080, 4500),
}
KEY = "bench-auth-key"
BASE_CHECKS = ("video-black", "video-frozen", "audio-silence", "decode-clean", "audio-loudness")
CHECK_SETS = ("base", "default", "all")


def build(name: str) -> Path:
    width, height, kbps = RUNGS[name]
    folder = CACHE / name
    playlist = folder / "index.m3u8"
    if playlist.exists():
        return playlist
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r=25:d=12",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d=12",
         "-c:v", "libx264", "-preset", "faster", "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k",
         "-bufsize", f"{2 * kbps}k", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
         "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", str(playlist)],
        check=True,
    )  # fmt: skip
    return playlist


def checks_block(which: str, black_fps: float) -> dict[str, dict[str, Any]]:
    """The rule file's ``decode: checks:`` for a check set, over every check DecodeChecks has."""
    from playgate.decode.spec import DecodeChecks

    block: dict[str, dict[str, Any]] = {}
    for name, info in DecodeChecks.model_fields.items():
        check = info.alias or name
        if which == "all":
            block[check] = {"enabled": True}
        elif which == "base" and check not in BASE_CHECKS:
            block[check] = {"enabled": False}
        else:
            block[check] = {}
    block["video-black"]["sample_fps"] = black_fps or None
    return block


def worker(name: str, runs: int, seconds: float, latency_ms: float, black_fps: float, checks: str) -> dict:
    """One rung, ``runs`` times, in this process: wall and children's CPU per run, peak RSS."""
    from playgate.decode.checks import Declared
    from playgate.decode.engine import Target, decode_target
    from playgate.decode.ffmpeg import find_tools
    from playgate.decode.guard import GuardProxy
    from playgate.decode.spec import DecodeSpec, Window
    from playgate.probe.fetch import Fetcher
    from playgate.testing.stream_server import StreamServer

    width, height, _ = RUNGS[name]
    tools = find_tools(None)
    block = checks_block(checks, black_fps)
    spec = DecodeSpec.model_validate({"windows": [Window(start=0, seconds=seconds)], "checks": block})
    walls, cpus = [], []
    with (
        StreamServer(CACHE) as server,
        Fetcher(allow_hosts=["127.0.0.1"]) as fetcher,
        GuardProxy(fetcher) as proxy,
    ):
        server.auth_key, server.latency_s = KEY, latency_ms / 1000
        target = Target(server.url(f"/{name}/index.m3u8", signed=True), name, Declared(width, height, 25))
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            findings = decode_target(target, spec, tools, timeout_s=60, guard=proxy)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            unread = [f.message for f in findings if f.outcome != "pass" and f.rule.startswith("decode-")]
            assert not unread, unread  # what the checks find in a test pattern is not the point here
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rung": name, "wall": walls, "cpu": cpus, "peak_rss_mib": peak_mib}


def gate_total(runs: int, latency_ms: float, parallel: int | None) -> dict[tuple[str, str], list[float]]:
    """Wall time of one event through the handler with ``probe: decode``, per renditions setting and
    decode parallelism (one after another, side by side), the two interleaved run by run."""
    from playgate.handler import Runtime, handle_payload
    from playgate.testing import EmulatorServer, IceEmulator
    from playgate.testing.local import local_settings
    from playgate.testing.sample_events import callback
    from playgate.testing.stream_server import StreamServer

    times: dict[tuple[str, str], list[float]] = {}
    with StreamServer(CACHE) as server, EmulatorServer(IceEmulator()) as ice:
        server.auth_key, server.latency_s = KEY, latency_ms / 1000
        ice.emulator.add_media("bench-ladder", _media_info(), _play_info(server))
        for which, rungs in (("lowest-and-highest", 2), ("all", len(RUNGS))):
            side = f"side by side ({side_by_side_count(rungs, parallel)} at once)"
            caps = {"one after another": 1, side: parallel}
            runtimes = {
                mode: _runtime(Runtime, local_settings, ice.url, which, cap) for mode, cap in caps.items()
            }
            for n in range(runs):
                for mode, runtime in runtimes.items():  # interleaved: both see the same noise
                    event = json.dumps(
                        callback("TranscodeComplete", f"bench-{which}-{caps[mode]}-{n}", "bench-ladder")
                    )
                    started = time.perf_counter()
                    summary = handle_payload(event.encode(), runtime=runtime)
                    times.setdefault((which, mode), []).append(time.perf_counter() - started)
                    assert summary["results"][0]["status"] == "published", summary
            for runtime in runtimes.values():
                runtime.close()
    return times


def _runtime(runtime_class: Any, local_settings: Any, ice_url: str, which: str, cap: int | None) -> Any:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bench-decode-"))
    rules = folder / "rules.yml"
    rules.write_text(
        f"version: 1\nprofiles:\n  default:\n    extends: builtin:default\n    probe: decode\n"
        f"    decode: {{renditions: {which}}}\n"
    )
    settings = local_settings(
        ice_url, folder, probe=None, rules=str(rules), probe_allow_hosts="127.0.0.1", log_level="error",
        decode_parallel=cap,
    )  # fmt: skip
    return runtime_class.build(settings)


def side_by_side_count(rungs: int, cap: int | None) -> int:
    """How many of ``rungs`` the gate decodes at once on this machine under ``cap``."""
    from playgate.decode.parallel import at_once, memory_mib, own_mib, usable_cores

    return at_once(rungs, cap, cores=usable_cores(), memory=memory_mib(), own=own_mib())


def _media_info() -> dict:
    basic = {"MediaId": "bench-ladder", "Status": "Normal", "MediaType": "video", "Title": "bench"}
    return {"MediaInfo": {"MediaId": "bench-ladder", "MediaBasicInfo": basic, "FileInfoList": []}}


def _play_info(server: Any) -> dict:
    renditions = []
    for name, (width, height, _) in RUNGS.items():
        weight = sum(p.stat().st_size for p in (CACHE / name).glob("*.ts"))
        renditions.append(
            {"Status": "Normal", "Width": width, "Height": height, "Fps": "25", "Duration": "12.0",
             "Bitrate": str(round(weight * 8 / 12 / 1000)), "Definition": name, "Format": "m3u8",
             "StreamType": "video", "Encrypt": 0,
             "PlayURL": server.url(f"/{name}/index.m3u8", signed=True)}
        )  # fmt: skip
    base = {"MediaId": "bench-ladder", "Status": "Normal"}
    return {"RequestId": "bench", "MediaBase": base, "PlayInfoList": renditions}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s [{min(values):.2f}–{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--black-sample-fps", type=float, default=5.0, help="0: every frame")
    parser.add_argument("--checks", choices=CHECK_SETS, default="default", help="which decode checks run")
    parser.add_argument(
        "--parallel", type=int, default=None, help="renditions the gate decodes at once (unset: automatic)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        measured = worker(
            args.worker, args.runs, args.seconds, args.latency_ms, args.black_sample_fps, args.checks
        )
        print(json.dumps(measured))
        return
    for name in RUNGS:
        build(name)
    results = {}
    for name in RUNGS:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", name, "--runs", str(args.runs),
             "--seconds", str(args.seconds), "--latency-ms", str(args.latency_ms),
             "--black-sample-fps", str(args.black_sample_fps), "--checks", args.checks],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        results[name] = json.loads(out.strip().splitlines()[-1])
    black = f"{args.black_sample_fps:g} pictures/s" if args.black_sample_fps else "every frame"
    per_request = f"{args.latency_ms:g} ms per request"
    enabled = _enabled(checks_block(args.checks, args.black_sample_fps))
    print(f"decode {args.seconds:g} s per rung, {args.runs} runs, {per_request}, black: {black}")
    print(f"checks {args.checks}: {', '.join(enabled)}")
    print(f"{'rung':>6}  {'wall median [min–max]':>24}  {'CPU median [min–max]':>24}  peak RSS")
    for name, r in results.items():
        print(f"{name:>6}  {spread(r['wall']):>24}  {spread(r['cpu']):>24}  {r['peak_rss_mib']:.0f} MiB")
    default = [results["360p"], results["1080p"]]
    every = list(results.values())
    for label, chosen in (("default (lowest + highest)", default), ("all 4 rungs", every)):
        worst = sum(max(r["wall"]) for r in chosen)
        median = sum(statistics.median(r["wall"]) for r in chosen)
        print(
            f"gate decode step, {label}, one after another: {median:.2f} s median, {worst:.2f} s worst "
            "(of a 60 s FC timeout)"
        )
    for (which, mode), walls in gate_total(args.runs, args.latency_ms, args.parallel).items():
        print(
            f"whole gate, one event, renditions {which}, {mode}: wall {spread(walls)} (of a 60 s FC timeout)"
        )
    from playgate.decode.parallel import own_mib

    print(f"peak RSS of the gate's process (here with the emulator and the CDN in it too): {own_mib()} MiB")


def _enabled(block: dict[str, dict[str, Any]]) -> list[str]:
    from playgate.decode.spec import DecodeChecks

    checks = DecodeChecks.model_validate(block)
    return [
        info.alias or name
        for name, info in DecodeChecks.model_fields.items()
        if getattr(checks, name).enabled
    ]


if __name__ == "__main__":
    main()
