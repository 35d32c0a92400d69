"""ffmpeg is caged: whatever protocol a playlist or manifest names, wherever it names it, ffmpeg reaches
nothing but the guard, and the guard sends nothing a playlist smuggled in.

The CDN is a StreamServer on 127.0.0.1 (allowed); the forbidden target is a TCP and UDP listener on
127.0.0.2 (loopback, not allowed) that must see nothing. The protocols are the installed ffmpeg's own
list (``ffmpeg -protocols``), read when the tests are collected.
"""

from __future__ import annotations

import select
import socket
import subprocess
from collections.abc import Iterator

import pytest

from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import find_tools
from playgate.decode.guard import GuardProxy
from playgate.decode.spec import DecodeSpec, Window
from playgate.probe.fetch import Fetcher

FORBIDDEN = "127.0.0.2"
ONE_WINDOW = DecodeSpec(windows=[Window(start=0, seconds=1)])


def input_protocols() -> list[str]:
    listed = subprocess.run(
        [find_tools(None).ffmpeg, "-hide_banner", "-protocols"], capture_output=True, text=True, check=True
    ).stdout
    names = listed.split("Input:", 1)[1].split("Output:", 1)[0].split()
    assert {"http", "https", "httpproxy", "tcp", "file"} <= set(names)  # the list was read
    return names


class Listener:
    """A TCP and a UDP socket on one port of ``host`` that keep whatever reaches them. Read after ffmpeg
    has exited: a connection it made is then in the backlog, a datagram in the queue."""

    def __init__(self, host: str) -> None:
        self.tcp = socket.create_server((host, 0), backlog=64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.host = host

    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def reached(self) -> list[bytes]:
        seen = []
        while select.select([self.tcp, self.udp], [], [], 0)[0]:
            if select.select([self.udp], [], [], 0)[0]:
                seen.append(b"udp: " + self.udp.recv(65536))
                continue
            connection, _ = self.tcp.accept()
            with connection:
                connection.setblocking(False)
                try:
                    seen.append(b"tcp: " + connection.recv(65536))
                except BlockingIOError:
                    seen.append(b"tcp: (a connection, nothing sent yet)")
        return seen

    def close(self) -> None:
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def canary() -> Iterator[Listener]:
    listener = Listener(FORBIDDEN)
    yield listener
    listener.close()


def decode(url: str, *, allow=("127.0.0.1",), ca_certs: str | None = None):
    with Fetcher(allow_hosts=allow, ca_certs=ca_certs) as fetcher, GuardProxy(fetcher) as guard:
        findings = decode_target(Target(url, "r"), ONE_WINDOW, find_tools(None), timeout_s=30, guard=guard)
    return findings, guard.refusals


# --- every place a playlist or manifest names a URL -------------------------------------------------
def hls_media(cdn: str, *, segment: str = "", key: str = "", init: str = "") -> bytes:
    key_line = f'#EXT-X-KEY:METHOD=AES-128,URI="{key}",IV=0x{"0" * 32}\n' if key else ""
    return (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f'#EXT-X-MAP:URI="{init or cdn + "/hls/v0/init_0.mp4"}"\n{key_line}'
        f"#EXTINF:2,\n{segment or cdn + '/hls/v0/seg_000.m4s'}\n#EXTINF:2,\n{cdn}/hls/v0/seg_001.m4s\n"
        "#EXT-X-ENDLIST\n"
    ).encode()


def hls_master(cdn: str, *, variant: str = "", audio: str = "") -> bytes:
    media = f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="x",DEFAULT=YES,URI="{audio}"\n' if audio else ""
    group = ',AUDIO="a"' if audio else ""
    return (
        f"#EXTM3U\n{media}#EXT-X-STREAM-INF:BANDWIDTH=300000{group}\n"
        f"{variant or cdn + '/hls/v0/index.m3u8'}\n"
    ).encode()


def dash(cdn: str, *, base: str = "", media: str = "", init: str = "", segment_url: str = "") -> bytes:
    if segment_url:
        segments = (
            f'<SegmentList timescale="12800" duration="25600"><Initialization sourceURL="init-stream0.m4s"/>'
            f'<SegmentURL media="{segment_url}"/><SegmentURL media="chunk-stream0-00002.m4s"/></SegmentList>'
        )
    else:
        init, media = init or "init-stream0.m4s", media or "chunk-stream0-$Number%05d$.m4s"
        segments = (
            f'<SegmentTemplate timescale="12800" duration="25600" startNumber="1" '
            f'initialization="{init}" media="{media}"/>'
        )
    return (
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT8S" minBufferTime="PT2S" '
        'profiles="urn:mpeg:dash:profile:isoff-live:2011">'
        f'<Period><BaseURL>{base or cdn + "/dash/"}</BaseURL><AdaptationSet contentType="video">'
        '<Representation id="0" mimeType="video/mp4" codecs="avc1.42c00d" bandwidth="300000" '
        f'width="320" height="180">{segments}</Representation></AdaptationSet></Period></MPD>\n'
    ).encode()


PLACES = {
    "hls segment": ("m3u8", lambda cdn, url: hls_media(cdn, segment=url)),
    "hls EXT-X-KEY": ("m3u8", lambda cdn, url: hls_media(cdn, key=url)),
    "hls EXT-X-MAP": ("m3u8", lambda cdn, url: hls_media(cdn, init=url)),
    "hls master variant": ("m3u8", lambda cdn, url: hls_master(cdn, variant=url)),
    "hls EXT-X-MEDIA": ("m3u8", lambda cdn, url: hls_master(cdn, audio=url)),
    "dash BaseURL": ("mpd", lambda cdn, url: dash(cdn, base=url)),
    "dash SegmentTemplate media": ("mpd", lambda cdn, url: dash(cdn, media=url)),
    "dash SegmentTemplate initialization": ("mpd", lambda cdn, url: dash(cdn, init=url)),
    "dash SegmentURL": ("mpd", lambda cdn, url: dash(cdn, segment_url=url)),
}
NESTED = ["crypto+tcp", "crypto+httpproxy", "crypto+https"]  # spellings a demuxer splits itself


@pytest.mark.parametrize("protocol", input_protocols() + NESTED)
@pytest.mark.parametrize("place", PLACES)
def test_no_protocol_in_any_place_reaches_anything_but_the_guard(stream_server, canary, protocol, place):
    extension, make = PLACES[place]
    hostile = f"{protocol}://{canary.address()}/seg.m4s"
    stream_server.virtual[f"/attack/list.{extension}"] = make(stream_server.base, hostile)
    findings, refusals = decode(stream_server.url(f"/attack/list.{extension}"))
    assert canary.reached() == []
    assert findings  # reported, not dropped
    if protocol == "http":  # the place is one ffmpeg opens: the guard saw it and refused it
        assert any(FORBIDDEN in r and "loopback" in r for r in refusals), (refusals, findings)


@pytest.mark.parametrize("place", PLACES)
def test_an_https_url_to_a_forbidden_address_goes_to_the_guard_and_is_refused(stream_server, canary, place):
    extension, make = PLACES[place]
    stream_server.virtual[f"/attack/list.{extension}"] = make(
        stream_server.base, f"https://{canary.address()}/seg.m4s"
    )
    findings, refusals = decode(stream_server.url(f"/attack/list.{extension}"))
    assert canary.reached() == []
    assert any(FORBIDDEN in r and "loopback" in r for r in refusals), (refusals, findings)


@pytest.mark.parametrize("protocol", input_protocols())
def test_a_demuxer_that_opens_urls_of_its_own_is_not_used(stream_server, canary, protocol):
    script = f"ffconcat version 1.0\nfile '{protocol}://{canary.address()}/a.mp4'\n"
    script += f"file '{stream_server.url('/mp4/faststart.mp4')}'\n"
    stream_server.virtual["/attack/list.txt"] = script.encode()
    findings, _ = decode(stream_server.url("/attack/list.txt"))
    assert canary.reached() == []
    assert "/mp4/faststart.mp4" not in stream_server.paths_requested()
    (finding,) = findings
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")


@pytest.fixture
def upstream() -> Iterator[Listener]:
    """A raw listener on 127.0.0.1, an address the guard may fetch from: it must still get nothing."""
    listener = Listener("127.0.0.1")
    yield listener
    listener.close()


SMUGGLED = ["&#13;&#10;", "&#10;", "&#13;", "&#9;"]


@pytest.mark.parametrize("bytes_", SMUGGLED)
def test_control_bytes_in_a_manifest_url_never_reach_a_server_and_are_reported(
    stream_server, upstream, bytes_
):
    base = f"http://{upstream.address()}/x{bytes_}SET pwned 1{bytes_}/"
    stream_server.virtual["/attack/list.mpd"] = dash(stream_server.base, base=base)
    findings, refusals = decode(stream_server.url("/attack/list.mpd"))
    assert upstream.reached() == []
    assert refusals and all("control bytes" in r for r in refusals)
    clean = next(f for f in findings if f.rule == "decode-clean")
    assert clean.outcome == "fail" and "control bytes" in clean.message


def test_control_bytes_in_a_playlist_uri_never_reach_a_server_and_are_reported(stream_server, upstream):
    segment = f"http://{upstream.address()}/seg\x0bSET pwned 1.m4s"
    stream_server.virtual["/attack/list.m3u8"] = hls_media(stream_server.base, segment=segment)
    findings, refusals = decode(stream_server.url("/attack/list.m3u8"))
    assert upstream.reached() == []
    assert any("not http(s)" in r or "control bytes" in r for r in refusals), refusals
    clean = next(f for f in findings if f.rule == "decode-clean")
    assert clean.outcome == "fail" and "refused" in clean.message


@pytest.mark.parametrize("scheme", ["tcp", "httpproxy", "file", "crypto+tcp"])
def test_a_redirect_to_another_protocol_is_refused_by_the_guard(stream_server, canary, scheme):
    stream_server.redirect["/hls/v0/seg_000.m4s"] = f"{scheme}://{canary.address()}/seg.m4s"
    _, refusals = decode(stream_server.url("/hls/v0/index.m3u8"))
    assert canary.reached() == []
    assert any("a redirect to a URL that is not http(s)" in r for r in refusals), refusals
    assert "/hls/v0/seg_001.m4s" in stream_server.paths_requested()  # the rest was still decoded
