"""A CDN cannot hold the probe: every request ends by one absolute time (DNS, connect, headers, body),
within the invocation's deadline, however slowly the server sends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from test_probe_in_the_gate import add_probed_media, ladder_event

from playgate.probe.fetch import Fetcher, FetchError

SAFETY_NET_S = 120  # only so that a regression fails instead of hanging the suite; never a measurement
DRIP = "/hls/v0/index.m3u8"


def finishes(work: Callable[[], Any]) -> Any:
    """``work()`` in a thread; fails the test (instead of hanging it) if it is still running at the net."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("value", work()))
        except BaseException as exc:  # handed back to the test
            outcome.append(("raised", exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(SAFETY_NET_S)
    assert outcome, f"still running after the {SAFETY_NET_S} s safety net"
    kind, value = outcome[0]
    if kind == "raised":
        raise value
    return value


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    def get() -> FetchError | None:
        try:
            fetcher.get(url, max_bytes=65536)
        except FetchError as error:
            return error
        return None

    error = finishes(get)
    assert error is not None, "the dripping server's answer was taken as a response"
    return error


def test_headers_sent_one_byte_at_a_time_end_the_request_at_its_timeout(stream_server):
    stream_server.drip[DRIP] = 0.05  # every byte well within any read timeout: only an overall end stops it

    with Fetcher(allow_hosts=["127.0.0.1"], timeout_s=1.0) as fetcher:
        error = fetch_error(fetcher, stream_server.url(DRIP))

    assert (error.kind, error.url) == ("timeout", stream_server.url(DRIP))


def test_headers_sent_one_byte_at_a_time_end_the_request_at_the_deadline(stream_server):
    stream_server.drip[DRIP] = 0.05

    with Fetcher(allow_hosts=["127.0.0.1"], timeout_s=60.0, deadline=time.monotonic() + 1.0) as fetcher:
        error = fetch_error(fetcher, stream_server.url(DRIP))

    assert error.kind == "no-time"


def test_the_connection_cut_at_the_timeout_is_not_reused(stream_server):
    stream_server.drip[DRIP] = 0.05

    with Fetcher(allow_hosts=["127.0.0.1"], timeout_s=1.0, concurrency=1) as fetcher:
        fetch_error(fetcher, stream_server.url(DRIP))
        after = fetcher.get(stream_server.url("/hls/v1/index.m3u8"), max_bytes=65536)

    assert after.status == 200 and after.body.startswith(b"#EXTM3U")


def test_a_dns_lookup_that_never_answers_ends_at_the_timeout(monkeypatch):
    never = threading.Event()

    def hung_resolver(*args: Any, **kwargs: Any) -> Any:
        never.wait()  # a resolver that does not answer: released when the test ends
        raise socket.gaierror("released")

    monkeypatch.setattr(socket, "getaddrinfo", hung_resolver)
    try:
        with Fetcher(allow_hosts=["cdn.example.com"], timeout_s=0.5) as fetcher:
            error = fetch_error(fetcher, "http://cdn.example.com/master.m3u8")
    finally:
        never.set()

    assert error.kind == "timeout" and "DNS lookup of cdn.example.com" in error.detail


def test_the_cli_with_a_time_limit_ends_with_probe_incomplete_while_the_cdn_drips(stream_server, tmp_path):
    stream_server.drip[DRIP] = 0.5
    rules = tmp_path / "rules.yml"  # a request timeout longer than the limit: only the limit can end it
    rules.write_text("profiles:\n  default:\n    probe_checks:\n      url-reachable: {timeout_s: 600}\n")
    env = {**os.environ, "PLAYGATE_PROBE_ALLOW_HOSTS": "127.0.0.1"}
    command = [sys.executable, "-m", "playgate.cli", "probe", stream_server.url(DRIP), "--time-limit", "3"]

    done = subprocess.run(
        [*command, "--rules", str(rules), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=SAFETY_NET_S,
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["outcome"] == "warn"
    [incomplete] = [f for f in report["findings"] if f["rule"] == "probe-incomplete"]
    assert incomplete["outcome"] == "warn" and incomplete["actual"] == {"requests_not_made": 1}


def test_a_gate_invocation_ends_within_its_fc_deadline_while_the_cdn_drips(make_world, stream_server):
    from playgate.handler import handle_payload

    world = make_world(probe=None, probe_allow_hosts="127.0.0.1", safety_margin_s=0.5)
    add_probed_media(world.emulator, stream_server)
    stream_server.drip[DRIP] = 0.5
    fc_context = SimpleNamespace(function=SimpleNamespace(timeout=5))

    summary = finishes(lambda: handle_payload(ladder_event(), runtime=world.runtime, context=fc_context))

    assert summary["results"][0]["status"] == "published", summary
    [message] = world.messages("playback")
    [warning] = [w for w in message["data"]["qc"]["warnings"] if w["rule"] == "probe-incomplete"]
    assert warning["subject"] == "rendition[0] HD m3u8"
