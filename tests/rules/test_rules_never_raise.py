"""Evaluation never raises: random snapshots against the built-in profiles and random rules."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playgate.ice.model import AudioStream, MediaFile, MediaInfo, MediaSnapshot, Rendition, VideoStream
from playgate.rules import RuleFileInvalid, compile_text, load_rules
from playgate.rules.paths import COLLECTIONS, DERIVED, MEDIA_FIELDS
from playgate.rules.spec import OPERATORS

BOOK = load_rules(None)
nums = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6))
ints = st.one_of(st.none(), st.integers(-(10**6), 10**9))
text = st.one_of(
    st.none(),
    st.sampled_from(["h264", "hevc", "Normal", "HD", "SD", "m3u8", "HDR", "", "video"]),
    st.text(max_size=8),
)

video = st.builds(
    VideoStream,
    index=ints,
    codec_name=text,
    width=ints,
    height=ints,
    fps=nums,
    avg_fps=nums,
    duration_s=nums,
    bitrate_kbps=nums,
)
audio = st.builds(AudioStream, index=ints, codec_name=text, channels=ints, sample_rate=ints, duration_s=nums)
files = st.builds(
    MediaFile,
    file_name=text,
    file_type=st.sampled_from([None, "source_file", "transcode_file"]),
    duration_s=nums,
    video_streams=st.lists(video, max_size=3),
    audio_streams=st.lists(audio, max_size=3),
)
renditions = st.builds(
    Rendition,
    definition=text,
    format=text,
    status=text,
    height=ints,
    width=ints,
    bitrate_kbps=nums,
    fps=nums,
    duration_s=nums,
    hdr_type=text,
    play_url=text,
    stream_type=st.sampled_from([None, "video", "audio"]),
    stream_tags=st.one_of(st.none(), st.dictionaries(st.text(max_size=3), text, max_size=2)),
)
infos = st.builds(
    MediaInfo,
    media_type=text,
    status=text,
    category=text,
    business_type=text,
    tags=st.lists(st.text(max_size=4), max_size=3),
    user_data=st.one_of(st.none(), st.text(max_size=10), st.dictionaries(st.text(max_size=4), text)),
)
snapshots = st.builds(
    MediaSnapshot,
    info=infos,
    files=st.lists(files, max_size=3),
    renditions=st.lists(renditions, max_size=4),
    sources=st.lists(st.sampled_from(["GetMediaInfo", "GetPlayInfo", "ListMediaInfoJobs"]), max_size=3),
)
user_data = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=8), text, max_size=3),
    st.integers(),
    st.lists(st.integers(), max_size=2),
)

PATHS = [
    *DERIVED,
    *(f"media.{f}" for f in MEDIA_FIELDS),
    "event.type",
    "event.user_data.k",
    *(f"{c}[*].{f}" for c, coll in COLLECTIONS.items() for f in coll.fields),
    *(f"{c}[0].{f}" for c, coll in COLLECTIONS.items() for f in list(coll.fields)[:4]),
]
expected = st.one_of(
    st.integers(-5, 5000),
    st.floats(-1e6, 1e6),
    text.filter(lambda t: t is not None),
    st.booleans(),
    st.lists(st.sampled_from(["HD", "SD", "h264", 1, 2.5]), min_size=1, max_size=3),
    st.sampled_from(["1% of media.duration_s", "0.5 s of 10", "0.01 of [24, 25]", "^h2", "(a|b)"]),
    st.just({"ref": "media.duration_s"}),
)
rules = st.fixed_dictionaries(
    {
        "id": st.just("r"),
        "check": st.sampled_from(PATHS),
        "op": st.sampled_from(OPERATORS),
        "expected": expected,
    },
    optional={
        "quantifier": st.sampled_from(["any", "none", "at_least 2", "exactly 1"]),
        "when": st.sampled_from(
            [
                {"media.type": "video"},
                {"rendition_count": {"ge": 1}},
                {"any_of": [{"is_audio_only": True}, {"has_play_info": True}]},
            ]
        ),
        "ignore_case": st.booleans(),
        "require": st.booleans(),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    snap=snapshots,
    event_type=st.one_of(st.none(), st.sampled_from(["TranscodeComplete", "X"])),
    data=user_data,
)
def test_built_in_profiles_never_raise_on_random_snapshots(snap, event_type, data):
    for profile in (None, "default", "hls-ladder"):
        report = BOOK.evaluate(snap, profile=profile, event_type=event_type, user_data=data)
        assert report.outcome in ("pass", "warn", "fail")
        assert [f for f in report.findings if f.error] == []
        report.to_json(), report.to_markdown()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules, snap=snapshots, data=user_data)
def test_any_rule_that_compiles_never_raises(rule, snap, data):
    spec = {k: v for k, v in rule.items() if k not in ("op", "expected")}
    spec[rule["op"]] = rule["expected"]
    try:
        book = compile_text(yaml.safe_dump({"profiles": {"t": {"rules": [spec]}}}), "random.yml")
    except RuleFileInvalid as exc:
        assert exc.problems and all(p.kind and p.file == "random.yml" for p in exc.problems)
        return
    report = book.evaluate(snap, profile="t", event_type="TranscodeComplete", user_data=data)
    assert [f.error for f in report.findings if f.error] == []
    assert all(f.outcome in ("pass", "fail", "warn", "not_applicable") for f in report.findings)
