"""Issue 18, what reaches people: signatures in a CDN path, a URL's user info and literal query credentials
appear in no output (probe and sinks test on the command line; the gate's alert, robot message and log),
and a hostile media title reaches the robot as text.

The CDN is the local one, serving the ffmpeg ladder under Alibaba Cloud CDN signed paths: type B
``/{YYYYMMDDHHMM}/{md5}/file`` and type C ``/{md5}/{unix time in hex}/file``.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from playgate.testing import sample_catalog_path
from playgate.testing.receivers import Answer, Receiver
from playgate.testing.sample_events import callback
from playgate.testing.stream_server import StreamServer
from stream_fixtures import media_library  # noqa: F401

SRC = Path(__file__).resolve().parents[2] / "src"
MD5 = "5d41402abc4b2a76b9719d911017c592"
SIGNED = {"type B": f"/202412031200/{MD5}", "type C": f"/{MD5}/6750a1b2"}
PASSWORD = "Pa55w0rd-do-not-show"


def playgate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PLAYGATE_")}
    environ.update(
        PYTHONPATH=str(SRC), PLAYGATE_LOG_LEVEL="error", PLAYGATE_PROBE_ALLOW_HOSTS="127.0.0.1", **env
    )
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )


@pytest.fixture
def signed_cdn(media_library) -> Iterator[StreamServer]:  # noqa: F811
    """The HLS ladder under both signed path forms (and nowhere else)."""
    with StreamServer() as cdn:
        for prefix in SIGNED.values():
            for file in (media_library.root / "hls").rglob("*"):
                if file.is_file():
                    cdn.virtual[f"{prefix}/hls/{file.relative_to(media_library.root / 'hls')}"] = (
                        file.read_bytes()
                    )
        yield cdn


@pytest.mark.parametrize("signing", sorted(SIGNED))
@pytest.mark.parametrize("output", ["json", "markdown", "table"])
def test_probe_output_never_shows_the_signature_in_a_cdn_path(signed_cdn, signing, output):
    prefix = SIGNED[signing]
    signed_cdn.status[f"{prefix}/hls/v1/seg_001.m4s"] = 404
    signed_cdn.status[f"{prefix}/hls/v0/index.m3u8"] = 500
    done = playgate("probe", signed_cdn.url(f"{prefix}/hls/master.m3u8"), "--format", output)
    assert done.returncode == 1, done.stderr
    assert MD5 not in done.stdout + done.stderr
    assert output == "table" or ("/***/" in done.stdout and "seg_001.m4s" in done.stdout)


@pytest.mark.parametrize("output", ["json", "markdown", "table"])
def test_a_decode_error_never_shows_the_user_info_of_the_url(media_library, output):  # noqa: F811
    with StreamServer(media_library.root) as cdn:
        url = cdn.url("/mp4/missing.mp4").replace("http://", f"http://editor:{PASSWORD}@")
        done = playgate("probe", url, "--decode", "--seconds", "2", "--format", output)
    assert done.returncode == 1, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert output == "table" or "decode-clean" in done.stdout


LITERALS = {
    "api_key": "LitApiKey0001",
    "apikey": "LitApiKey0002",
    "sig": "LitSig0003",
    "password": "LitPw0004",
}


@pytest.mark.parametrize(
    ("answer", "options", "exit_code"),
    [
        (Answer(), "&unsigned=true", 0),
        (Answer(401, {"message": "no"}), "&unsigned=true", 1),
        (Answer(), "", 2),
    ],
    ids=["taken", "refused", "configuration error"],
)
def test_sinks_test_never_prints_literal_credentials_of_the_url(answer, options, exit_code):
    query = "&".join(f"{name}={value}" for name, value in LITERALS.items())
    with Receiver(ok=answer) as receiver:
        host = receiver.url.removeprefix("http://")
        done = playgate("sinks", "test", f"webhook+http://editor:{PASSWORD}@{host}/hook?{query}{options}")
        assert len(receiver.requests) == (exit_code < 2)  # the receiver gets the credentials, not the screen
    printed = done.stdout + done.stderr
    assert done.returncode == exit_code, printed
    assert "webhook+http://" in printed
    for secret in [PASSWORD, *LITERALS.values()]:
        assert secret not in printed


HOSTILE_TITLE = "[Re-run QC here](https://evil.example/sso) ![](https://evil.example/p.gif) <at id=all></at>"


def add_signed_media(emulator, cdn: StreamServer, prefix: str, media_id: str) -> None:
    """The sample ladder's GetMediaInfo/GetPlayInfo, its renditions on the signed paths of the local CDN."""
    folder = sample_catalog_path()
    media = json.loads((folder / "media-ladder-ok.media.json").read_text())
    play = json.loads((folder / "media-ladder-ok.play.json").read_text())
    media["MediaInfo"]["MediaId"] = media["MediaInfo"]["MediaBasicInfo"]["MediaId"] = media_id
    media["MediaInfo"]["MediaBasicInfo"]["Title"] = HOSTILE_TITLE
    play["MediaBase"]["MediaId"] = media_id
    play["MediaBase"]["Title"] = HOSTILE_TITLE
    file = media["MediaInfo"]["FileInfoList"][0]
    file["FileBasicInfo"]["Duration"] = file["VideoStreamInfoList"][0]["Duration"] = "8.000000"
    file["AudioStreamInfoList"][0]["Duration"] = "8.000000"
    template = play["PlayInfoList"][0]
    play["PlayInfoList"] = []
    for definition, path, width, height, kbps in (("HD", "v0", 320, 180, 364), ("SD", "v1", 160, 90, 164)):
        rendition = copy.deepcopy(template)
        rendition.update(Definition=definition, Width=width, Height=height, Bitrate=str(kbps), Duration="8.0")
        rendition.update(Format="m3u8", PlayURL=cdn.url(f"{prefix}/hls/{path}/index.m3u8"))
        play["PlayInfoList"].append(rendition)
    emulator.add_media(media_id, media, play)


@pytest.mark.parametrize("signing", sorted(SIGNED))
@pytest.mark.parametrize("verdict", ["alerts", "playback"])
def test_the_gate_shows_people_no_signature_and_the_hostile_title_as_text(
    make_world, signed_cdn, signing, verdict, capfd, tmp_path
):
    prefix, media_id = SIGNED[signing], f"media-signed-{signing[-1]}"
    if verdict == "alerts":
        signed_cdn.status[f"{prefix}/hls/v1/seg_002.m4s"] = 404
    with Receiver() as robot:
        host = robot.url.removeprefix("http://")
        sink = f"jsonl://{tmp_path}/{verdict}.jsonl,dingtalk+http://{host}/robot/send?access_token=t"
        world = make_world(
            probe=None,
            probe_allow_hosts="127.0.0.1",
            log_level="debug",
            **{"alert_sink" if verdict == "alerts" else "playback_sink": sink},
        )
        add_signed_media(world.emulator, signed_cdn, prefix, media_id)
        capfd.readouterr()
        event = callback(
            "MediaConvertComplete", f"job-{media_id}", media_id, user_data={"qcProfile": "hls-ladder"}
        )
        summary = world.send(event)
        logs = capfd.readouterr()
        [request] = robot.requests
    assert summary["results"][0]["status"] == "published", summary
    [message] = world.messages(verdict)
    robot_text = request.json()["markdown"]["text"]
    shown = {"robot": json.dumps(request.json(), ensure_ascii=False), "log": logs.out + logs.err}
    if verdict == "alerts":
        failing = [f for f in message["data"]["findings"] if f["outcome"] == "fail"]
        assert any("seg_002.m4s" in json.dumps(f) for f in failing)
        shown["alert"] = json.dumps(message)
    else:  # a system plays the URL: the playback message keeps it whole; people see the title, as text
        assert all(MD5 in r["url"] for r in message["data"]["renditions"])
        assert "［Re-run QC here］(https:∕∕evil․example/sso)" in robot_text
    for where, text in shown.items():
        assert MD5 not in text, where
    tokens = [
        t
        for block in MarkdownIt("commonmark", {"html": True, "linkify": True})
        .enable("linkify")
        .parse(robot_text)
        for t in [block, *(block.children or [])]
    ]
    assert [t.attrs["href"] for t in tokens if t.type == "link_open"] == [
        f"https://ims.console.aliyun.com/media/detail?mediaId={media_id}&regionId=cn-shanghai"
    ]
    assert not [t for t in tokens if t.type in ("image", "html_inline", "html_block")]
