"""A playlist is hostile input: where the probe may go, how far it follows, how long it waits."""

from __future__ import annotations

import ssl
import sys
import threading

import pytest
from probe_helpers import findings, probe

from playgate.probe.fetch import Fetcher, FetchError

MASTER = "/hls/master.m3u8"
MEDIA = "/hls/v0/index.m3u8"
METADATA = "100.100.100.200"

_connects: list[str] = []
_recording = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _recording.is_set():
        address = args[1]
        _connects.append(str(address[0]) if isinstance(address, tuple) else str(address))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only while a test asks


@pytest.fixture
def connects():
    _connects.clear()
    _recording.set()
    yield _connects
    _recording.clear()


def reached(report, status):
    return [f.actual for f in findings(report, "url-reachable", "fail") if f.actual["status"] == status]


def blocked(report):
    """(url, reason) of each refused URL: the reason says why and how to allow a host."""
    return [(a["url"], a["reason"]) for a in reached(report, "blocked")]


ALLOW = "the probe fetches only public addresses, and the hosts listed in PLAYGATE_PROBE_ALLOW_HOSTS"


def test_a_segment_pointing_at_the_metadata_service_is_refused_without_being_fetched(stream_server, connects):
    target = f"http://{METADATA}/latest/meta-data/ram/security-credentials/"
    stream_server.rewrite[MEDIA] = lambda body: body.replace(b"seg_001.m4s", target.encode())

    report = probe(stream_server.url(MASTER))

    assert blocked(report) == [(target, f"{METADATA} is Alibaba Cloud's metadata service: {ALLOW}")]
    assert report.outcome == "fail"
    assert METADATA not in connects and "127.0.0.1" in connects


def test_a_redirect_to_the_metadata_service_is_refused_without_being_fetched(stream_server, connects):
    stream_server.redirect["/hls/v0/seg_002.m4s"] = f"http://{METADATA}/latest/meta-data/"

    report = probe(stream_server.url(MASTER))

    assert [a["url"] for a in reached(report, "blocked")] == [stream_server.url("/hls/v0/seg_002.m4s")]
    assert METADATA not in connects


def test_a_name_resolving_to_loopback_is_refused_even_when_127_0_0_1_is_allowed(stream_server, connects):
    port = stream_server.base.rsplit(":", 1)[1]
    sneaky = f"http://localhost:{port}/hls/v0/seg_001.m4s"
    stream_server.rewrite[MEDIA] = lambda body: body.replace(b"seg_001.m4s", sneaky.encode())

    report = probe(stream_server.url(MASTER))

    assert blocked(report) == [(sneaky, f"localhost is a loopback address (127.0.0.1): {ALLOW}")]
    assert "/hls/v0/seg_001.m4s" not in stream_server.paths_requested()


def test_without_allowed_hosts_a_loopback_url_is_not_fetched_at_all(stream_server):
    report = probe(stream_server.url(MASTER), probe_allow_hosts="")

    assert blocked(report) == [(stream_server.url(MASTER), f"127.0.0.1 is a loopback address: {ALLOW}")]
    assert stream_server.requests == []


def test_only_http_and_https_are_followed(stream_server):
    stream_server.rewrite[MEDIA] = lambda body: body.replace(b"seg_001.m4s", b"file:///etc/passwd")

    report = probe(stream_server.url(MASTER))

    assert blocked(report) == [
        ("file:///etc/passwd", "the probe fetches only http and https URLs, not file:")
    ]


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fe80::1"]
)
def test_private_link_local_and_shared_addresses_are_refused_by_the_guard(address):
    fetcher = Fetcher()
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError) as refused:
        fetcher.get(f"http://{host}/x.m3u8", max_bytes=10)
    assert refused.value.kind == "blocked"
    fetcher.close()


def test_a_redirect_loop_is_stopped_and_reported(stream_server):
    stream_server.redirect["/loop/a.m3u8"] = "/loop/b.m3u8"
    stream_server.redirect["/loop/b.m3u8"] = "/loop/a.m3u8"

    report = probe(stream_server.url("/loop/a.m3u8"))

    assert reached(report, "redirect-loop") == [
        {"url": stream_server.url("/loop/a.m3u8"), "status": "redirect-loop"}
    ]
    assert stream_server.paths_requested() == ["/loop/a.m3u8", "/loop/b.m3u8"]


def test_five_redirects_are_followed_and_a_sixth_is_refused(stream_server):
    for i in range(1, 7):
        stream_server.redirect[f"/r{i}.m3u8"] = f"/r{i + 1}.m3u8"
    stream_server.redirect["/r7.m3u8"] = MASTER

    assert probe(stream_server.url("/r3.m3u8")).outcome == "pass"  # five redirects
    report = probe(stream_server.url("/r2.m3u8"))  # six
    assert reached(report, "too-many-redirects")
    assert MASTER not in stream_server.paths_requested()[-7:]


def test_a_stalled_segment_times_out_and_names_the_segment(stream_server):
    stream_server.stall["/hls/v1/seg_001.m4s"] = 3.0

    report = probe(stream_server.url(MASTER), overrides={"url-reachable": {"timeout_s": 0.5}})

    assert reached(report, "timeout") == [
        {"url": stream_server.url("/hls/v1/seg_001.m4s"), "status": "timeout"}
    ]


def test_running_out_of_time_reports_probe_incomplete_as_a_warning_not_a_failure(stream_server):
    for i in range(4):
        stream_server.stall[f"/hls/v0/seg_00{i}.m4s"] = 1.0
        stream_server.stall[f"/hls/v1/seg_00{i}.m4s"] = 1.0

    report = probe(stream_server.url(MASTER), time_limit=1.5, probe_concurrency=2)

    [incomplete] = findings(report, "probe-incomplete", "warn")
    assert incomplete.actual["requests_not_made"] >= 1
    assert findings(report, "url-reachable", "fail") == []
    assert report.outcome == "warn"


def test_a_playlist_larger_than_the_cap_is_not_read_whole(stream_server):
    stream_server.virtual["/huge.m3u8"] = b"#EXTM3U\n" + b"#" * (5 * 1024 * 1024)

    report = probe(stream_server.url("/huge.m3u8"))

    assert reached(report, "too-large")


def test_requests_are_bounded_and_connections_kept_alive(stream_server):
    stream_server.latency_s = 0.02

    report = probe(stream_server.url(MASTER), stream_server.url(MEDIA), probe_concurrency=3)

    assert report.outcome == "pass"
    assert stream_server.max_in_flight <= 3
    assert len(stream_server.requests) >= 15
    assert stream_server.connections <= 3 * 2  # kept alive: far fewer connections than requests


def test_https_is_verified_against_the_urls_host_name_while_connecting_to_the_checked_address(
    media_library, tmp_path
):
    import trustme

    from playgate.testing.stream_server import StreamServer

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    for name, verified in (("localhost", True), ("cdn.example.com", False)):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(name).configure_cert(context)
        cdn = StreamServer(media_library.root, tls=context, host="localhost")
        with cdn, Fetcher(allow_hosts=["localhost"], ca_certs=str(ca_file)) as fetcher:
            if verified:
                assert fetcher.get(cdn.url(MASTER), max_bytes=65536).status == 200
            else:
                with pytest.raises(FetchError) as refused:
                    fetcher.get(cdn.url(MASTER), max_bytes=65536)
                assert refused.value.kind == "tls"
                assert cdn.requests == []
