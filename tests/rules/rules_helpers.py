"""Fixtures for the rules tests: the reference snapshots, crafted snapshots, one-rule rule books."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from playgate.ice.model import (
    AudioStream,
    MediaFile,
    MediaInfo,
    MediaSnapshot,
    Rendition,
    VideoStream,
    build_snapshot,
)
from playgate.rules import Finding, RuleBook, compile_text

ROOT = Path(__file__).resolve().parents[2]
ICE = ROOT / "tests" / "fixtures" / "ice"


def load(name: str) -> dict[str, Any]:
    return json.loads((ICE / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ref_full() -> MediaSnapshot:
    """GetMediaInfo + GetPlayInfo reference responses."""
    return build_snapshot(load("GetMediaInfo.json"), load("GetPlayInfo.json"))


@pytest.fixture(scope="session")
def ref_media_only() -> MediaSnapshot:
    return build_snapshot(load("GetMediaInfo.json"))


@pytest.fixture(scope="session")
def ref_job() -> MediaSnapshot:
    return build_snapshot(jobs=load("ListMediaInfoJobs.json")["Jobs"])


def rendition(i: int, definition: str, height: int, bitrate: float, **kw: Any) -> Rendition:
    values = dict(
        definition=definition,
        format="m3u8",
        stream_type="video",
        status="Normal",
        width=height * 16 // 9,
        height=height,
        bitrate_kbps=bitrate,
        fps=25.0,
        duration_s=60.0,
        play_url=f"https://cdn.example.com/{i}.m3u8",
    )
    values.update(kw)
    return Rendition(**values)


def crafted(
    *,
    renditions: list[Rendition] | None = None,
    video: list[VideoStream] | None = None,
    audio: list[AudioStream] | None = None,
    info: dict[str, Any] | None = None,
    sources: list[str] | None = None,
) -> MediaSnapshot:
    """A healthy 60 s 1080p25 video media with a three-rung HLS ladder, unless told otherwise."""
    video = (
        video
        if video is not None
        else [
            VideoStream(
                index=0,
                codec_name="h264",
                width=1920,
                height=1080,
                fps=25.0,
                avg_fps=25.0,
                duration_s=60.0,
                bitrate_kbps=5000.0,
            )
        ]
    )
    audio = (
        audio
        if audio is not None
        else [AudioStream(index=1, codec_name="aac", channels=2, sample_rate=48000, duration_s=60.0)]
    )
    file = MediaFile(
        file_name="master.mp4",
        file_type="source_file",
        duration_s=60.0,
        video_streams=video,
        audio_streams=audio,
    )
    if renditions is None:
        renditions = [
            rendition(0, "SD", 540, 1500),
            rendition(1, "HD", 720, 3000),
            rendition(2, "FHD", 1080, 6000),
        ]
    base_info = dict(
        media_id="m-1",
        media_type="video",
        status="Normal",
        business_type="general",
        category="Sports",
        tags=["live"],
    )
    base_info.update(info or {})
    return MediaSnapshot(
        media_id="m-1",
        info=MediaInfo(**base_info),
        files=[file],
        renditions=renditions,
        sources=sources if sources is not None else ["GetMediaInfo", "GetPlayInfo"],
    )


def book_with(*rules: dict[str, Any], profile: str = "t", **profile_fields: Any) -> RuleBook:
    doc = {"profiles": {profile: {"rules": list(rules), **profile_fields}}}
    return compile_text(yaml.safe_dump(doc, sort_keys=False), "test.yml")


def findings(rule: dict[str, Any], snapshot: MediaSnapshot, **kw: Any) -> list[Finding]:
    rule = {"id": "r", **rule}
    return book_with(rule).evaluate(snapshot, profile="t", **kw).findings


def outcome(rule: dict[str, Any], snapshot: MediaSnapshot, **kw: Any) -> str:
    """The rule's single outcome ('pass', 'fail', 'warn', 'not_applicable'); 'fail' if any item failed."""
    out = [f.outcome for f in findings(rule, snapshot, **kw)]
    for word in ("fail", "warn", "not_applicable"):
        if word in out:
            return word
    return "pass"
