"""HTTPS through the guard is verified (ffmpeg itself speaks no TLS), and a fetched master's variants
are http(s) only: a file: variant is refused, not opened."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import trustme

from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import find_tools
from playgate.decode.guard import GuardProxy
from playgate.decode.run import decode_sources
from playgate.decode.spec import DecodeSpec, Window
from playgate.probe.fetch import Fetcher
from playgate.testing.stream_server import StreamServer

ONE_WINDOW = DecodeSpec(windows=[Window(start=0, seconds=2)])
KEY = "s3cret-signature-0123456789"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()  # a CA nothing on this machine trusts


@pytest.fixture
def tls_cdn(media_library, authority) -> Iterator[StreamServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with StreamServer(media_library.root, tls=context) as server:
        server.auth_key = KEY
        yield server


def decode(url: str, ca_certs: str | None):
    with Fetcher(allow_hosts=["127.0.0.1"], ca_certs=ca_certs) as fetcher, GuardProxy(fetcher) as guard:
        findings = decode_target(Target(url, "r"), ONE_WINDOW, find_tools(None), timeout_s=30, guard=guard)
    return findings, guard.refusals


def test_https_with_a_certificate_the_system_does_not_trust_is_refused_before_the_url_is_sent(tls_cdn):
    findings, refusals = decode(tls_cdn.url("/hls/v0/index.m3u8", signed=True), ca_certs=None)
    assert tls_cdn.requests == []  # no request line (with the signature) reached the server
    (finding,) = findings
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")
    assert "certificate does not verify" in finding.message
    assert refusals and "tls" not in KEY and KEY not in finding.message


def test_https_verified_against_the_configured_ca_is_decoded_through_the_guard(tls_cdn, authority, tmp_path):
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    findings, refusals = decode(tls_cdn.url("/hls/v0/index.m3u8", signed=True), ca_certs=str(ca_file))
    assert refusals == []
    assert {f.rule: f.outcome for f in findings}["decode-clean"] == "pass"
    assert "/hls/v0/seg_000.m4s" in tls_cdn.paths_requested()


def test_absolute_https_urls_in_a_playlist_are_fetched_by_the_guard_over_verified_https(
    tls_cdn, authority, tmp_path
):
    tls_cdn.auth_key = None

    def absolute(body: bytes) -> bytes:
        text = re.sub(r"^(seg_\d+\.m4s)$", rf"{tls_cdn.base}/hls/v0/\1", body.decode(), flags=re.M)
        return text.replace('URI="init_0.mp4"', f'URI="{tls_cdn.base}/hls/v0/init_0.mp4"').encode()

    tls_cdn.rewrite["/hls/v0/index.m3u8"] = absolute
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    findings, refusals = decode(tls_cdn.url("/hls/v0/index.m3u8"), ca_certs=str(ca_file))
    assert refusals == []
    assert {f.rule: f.outcome for f in findings}["decode-clean"] == "pass"
    assert {"/hls/v0/init_0.mp4", "/hls/v0/seg_000.m4s"} <= set(tls_cdn.paths_requested())


def master_with_a_file_variant(local: str, remote: str) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x90\n"
        f"file://{local}\n#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180\n{remote}\n"
    ).encode()


def test_a_file_variant_in_a_fetched_master_is_refused_by_the_cli_and_not_opened(
    stream_server, media_library
):
    canary = media_library.root / "mp4" / "faststart.mp4"  # a local file that would decode cleanly
    stream_server.virtual["/attack/master.m3u8"] = master_with_a_file_variant(
        str(canary), stream_server.url("/hls/v0/index.m3u8")
    )
    settings = SimpleNamespace(probe_allow_hosts="127.0.0.1", decode_timeout_s=30, decode_parallel=None)
    findings = decode_sources(
        [stream_server.url("/attack/master.m3u8")], ONE_WINDOW, find_tools(None), settings, deadline=None
    )
    local = [f for f in findings if str(canary) in f.subject]
    assert [(f.rule, f.outcome) for f in local] == [("decode-clean", "fail")]
    assert "not http(s)" in local[0].message and "readable" in str(local[0].actual)
    remote = [f for f in findings if "/hls/v0/index.m3u8" in f.subject and f.rule == "decode-clean"]
    assert [f.outcome for f in remote] == ["pass"]  # the http variant is still decoded


def test_a_file_variant_in_a_master_given_to_ffmpeg_is_not_opened(stream_server, media_library):
    canary = media_library.root / "mp4" / "faststart.mp4"
    stream_server.virtual["/attack/master.m3u8"] = master_with_a_file_variant(str(canary), "")
    findings, refusals = decode(stream_server.url("/attack/master.m3u8"), ca_certs=None)
    (finding,) = findings
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")
    assert any("not http(s)" in r for r in refusals)
