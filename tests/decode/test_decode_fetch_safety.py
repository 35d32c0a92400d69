"""ffmpeg obeys the probe's fetching rules: it goes through the guard proxy, which refuses private,
loopback and metadata-service destinations (unless the host is allowed) before connecting."""

from __future__ import annotations

from playgate.decode.engine import Target, decode_target
from playgate.decode.guard import GuardProxy
from playgate.decode.spec import DecodeSpec
from playgate.probe.fetch import Fetcher

ALLOW_LOCAL = ("127.0.0.1",)


def decode(tools, url: str, allow_hosts=()):
    with Fetcher(allow_hosts=allow_hosts) as fetcher, GuardProxy(fetcher) as proxy:
        findings = decode_target(Target(url, "r"), DecodeSpec(), tools, timeout_s=30, guard=proxy)
    return findings, proxy.refusals


def test_an_allowed_host_is_decoded_through_the_guard(tools, stream_server):
    findings, refusals = decode(tools, stream_server.url("/hls/v0/index.m3u8"), ALLOW_LOCAL)
    assert refusals == []
    assert {f.rule: f.outcome for f in findings}["decode-clean"] == "pass"
    assert any(p.endswith(".m4s") for p in stream_server.paths_requested())


def test_loopback_is_refused_unless_allowed(tools, stream_server):
    findings, refusals = decode(tools, stream_server.url("/hls/v0/index.m3u8"))
    assert stream_server.paths_requested() == []  # refused before any connection
    (finding,) = findings
    assert finding.outcome == "fail" and "loopback address" in finding.message
    assert refusals and "PLAYGATE_PROBE_ALLOW_HOSTS" in refusals[0]


def test_a_segment_pointing_at_the_metadata_service_is_never_fetched(tools, stream_server):
    def poison(body: bytes) -> bytes:
        lines = body.decode().splitlines()
        first = next(i for i, line in enumerate(lines) if line.endswith(".m4s"))
        lines[first] = "http://100.100.100.200/latest/meta-data/seg.m4s"
        return ("\n".join(lines) + "\n").encode()

    stream_server.rewrite["/hls/v0/index.m3u8"] = poison
    findings, refusals = decode(tools, stream_server.url("/hls/v0/index.m3u8"), ALLOW_LOCAL)
    assert any("metadata service" in r for r in refusals)
    clean = next(f for f in findings if f.rule == "decode-clean")
    assert clean.outcome == "fail" and "metadata service" in clean.message


def test_a_redirect_to_another_host_is_checked_too(tools, stream_server):
    stream_server.redirect["/moved.mp4"] = stream_server.url("/mp4/faststart.mp4").replace(
        "127.0.0.1", "localhost"
    )
    findings, refusals = decode(tools, stream_server.url("/moved.mp4"), ALLOW_LOCAL)
    assert any(r.startswith("localhost:") for r in refusals)
    assert findings[0].outcome == "fail"
    assert "/mp4/faststart.mp4" not in stream_server.paths_requested()
