"""The normalized media model: every ICE response shape becomes one typed ``MediaSnapshot``.

GetMediaInfo, GetPlayInfo and a ListMediaInfoJobs job's ``MediaInfoProperty`` describe the same media
with different field spellings (``CodecName``/``Codec_name``, ``Bitrate``/``Bit_rate``…) and loose
types. :func:`build_snapshot` reads the raw JSON maps (not the SDK's generated models, which drop
``Codec_name``), types every value with units in the field name (``duration_s``, ``bitrate_kbps``,
``size_bytes``), keeps unknown fields in ``extra``, and records what it could not read as
``ParseNote``s instead of raising.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from playgate.ice.values import (
    Parser,
    canonical_key,
    parse_bool,
    parse_float,
    parse_int,
    parse_json_text,
    parse_list_of_objects,
    parse_list_of_text,
    parse_str,
    parse_tags,
    parse_time,
)
from playgate.typed import construct

# The builder below types every value itself (playgate.ice.values), so it builds these models without
# validating them again (playgate.typed.construct): that cost about 5 % of a warm event, and building
# the validators about 15 ms of every cold start (defer_build: built only if something validates or
# dumps one). tests/ice/test_model_reference_examples.py proves both ways give equal snapshots.
_CONFIG = ConfigDict(extra="forbid", defer_build=True)


class ParseNote(BaseModel):
    """A value that could not be read: where it was, what it was, and why it became None."""

    model_config = _CONFIG

    path: str
    raw: Any = None
    problem: str


class _Part(BaseModel):
    model_config = _CONFIG
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Fields ICE sent that playgate does not model."
    )


class _Stream(_Part):
    index: int | None = None
    codec_name: str | None = None
    codec_long_name: str | None = None
    codec_time_base: str | None = None
    codec_tag_string: str | None = None
    codec_tag: str | None = None
    profile: str | None = None
    timebase: str | None = None
    start_time_s: float | None = None
    duration_s: float | None = None
    lang: str | None = None


class VideoStream(_Stream):
    width: int | None = None
    height: int | None = None
    has_b_frames: int | None = None
    sar: str | None = None
    dar: str | None = None
    pix_fmt: str | None = None
    level: str | None = None
    fps: float | None = None
    avg_fps: float | None = None
    bitrate_kbps: float | None = None
    num_frames: int | None = None
    nb_frames: int | None = None
    rotate: int | None = None
    color_space: str | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    color_range: str | None = None
    bit_depth: int | None = None


class AudioStream(_Stream):
    sample_fmt: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    bitrate_kbps: float | None = None
    fps: float | None = None
    num_frames: int | None = None


class SubtitleStream(_Stream):
    pass


class MediaFile(_Part):
    """One file of the media (FileBasicInfo) with its streams."""

    media_id: str | None = None
    file_name: str | None = None
    file_status: str | None = None
    file_type: str | None = None
    size_bytes: int | None = None
    file_url: str | None = None
    region: str | None = None
    format_name: str | None = None
    duration_s: float | None = None
    bitrate_kbps: float | None = None
    width: int | None = None
    height: int | None = None
    create_time: datetime | None = None
    modified_time: datetime | None = None
    video_streams: list[VideoStream] = Field(default_factory=list)
    audio_streams: list[AudioStream] = Field(default_factory=list)
    subtitle_streams: list[SubtitleStream] = Field(default_factory=list)


class Rendition(_Part):
    """One playable stream from GetPlayInfo's PlayInfoList."""

    definition: str | None = None
    format: str | None = None
    stream_type: str | None = None
    status: str | None = None
    width: int | None = None
    height: int | None = None
    bitrate_kbps: float | None = None
    fps: float | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    hdr_type: str | None = None
    bit_depth: int | None = None
    encrypted: bool | None = None
    encrypt_type: str | None = None
    play_url: str | None = None
    file_url: str | None = None
    narrow_band_type: str | None = None
    trans_template_type: str | None = None
    stream_tags: Any = None
    watermark_id: str | None = None
    job_id: str | None = None
    creation_time: datetime | None = None
    modification_time: datetime | None = None


class MediaInfo(_Part):
    """The media's basic information (GetMediaInfo MediaBasicInfo merged with GetPlayInfo MediaBase)."""

    media_id: str | None = None
    input_url: str | None = None
    media_type: str | None = None
    business_type: str | None = None
    source: str | None = None
    title: str | None = None
    description: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    cover_url: str | None = None
    user_data: Any = None
    snapshots: list[str] = Field(default_factory=list)
    status: str | None = None
    create_time: datetime | None = None
    modified_time: datetime | None = None
    deleted_time: datetime | None = None
    sprite_images: list[dict[str, Any]] = Field(default_factory=list)
    cate_id: int | None = None
    cate_name: str | None = None
    biz: str | None = None
    upload_source: str | None = None
    reference_id: str | None = None


class MediaInfoJob(_Part):
    """The media-information job (ListMediaInfoJobs) a snapshot was read from."""

    job_id: str | None = None
    name: str | None = None
    status: str | None = None
    trigger_source: str | None = None
    submit_time: datetime | None = None
    finish_time: datetime | None = None


class MediaSnapshot(BaseModel):
    """Everything ICE said about one media, typed. Rules read this, never raw dicts."""

    model_config = _CONFIG

    media_id: str | None = None
    info: MediaInfo = Field(default_factory=MediaInfo)
    files: list[MediaFile] = Field(default_factory=list)
    renditions: list[Rendition] = Field(default_factory=list)
    ai_rough_data: dict[str, Any] | None = None
    job: MediaInfoJob | None = None
    sources: list[str] = Field(default_factory=list, description="Which responses built this snapshot.")
    request_ids: list[str] = Field(default_factory=list)
    notes: list[ParseNote] = Field(default_factory=list)

    @property
    def video_streams(self) -> list[VideoStream]:
        return [s for f in self.files for s in f.video_streams]

    @property
    def audio_streams(self) -> list[AudioStream]:
        return [s for f in self.files for s in f.audio_streams]

    @property
    def subtitle_streams(self) -> list[SubtitleStream]:
        return [s for f in self.files for s in f.subtitle_streams]

    @property
    def source_file(self) -> MediaFile | None:
        """The ``source_file`` file, or the first file when none is marked."""
        for f in self.files:
            if f.file_type == "source_file":
                return f
        return self.files[0] if self.files else None

    @property
    def duration_s(self) -> float | None:
        """The source file's duration, else the longest stream's."""
        source = self.source_file
        if source and source.duration_s is not None:
            return source.duration_s
        durations = [
            s.duration_s for s in (*self.video_streams, *self.audio_streams) if s.duration_s is not None
        ]
        return max(durations) if durations else None


# --- field tables: canonical ICE key → (field name, parser) ------------------------------------------
FieldTable = dict[str, tuple[str, Parser]]

_STREAM_COMMON: FieldTable = {
    "index": ("index", parse_int),
    "codecname": ("codec_name", parse_str),
    "codeclongname": ("codec_long_name", parse_str),
    "codectimebase": ("codec_time_base", parse_str),
    "codectagstring": ("codec_tag_string", parse_str),
    "codectag": ("codec_tag", parse_str),
    "profile": ("profile", parse_str),
    "timebase": ("timebase", parse_str),
    "starttime": ("start_time_s", parse_float),
    "duration": ("duration_s", parse_float),
    "lang": ("lang", parse_str),
}
VIDEO_FIELDS: FieldTable = {
    **_STREAM_COMMON,
    "width": ("width", parse_int),
    "height": ("height", parse_int),
    "hasbframes": ("has_b_frames", parse_int),
    "sar": ("sar", parse_str),
    "dar": ("dar", parse_str),
    "pixfmt": ("pix_fmt", parse_str),
    "level": ("level", parse_str),
    "fps": ("fps", parse_float),
    "avgfps": ("avg_fps", parse_float),
    "bitrate": ("bitrate_kbps", parse_float),
    "numframes": ("num_frames", parse_int),
    "nbframes": ("nb_frames", parse_int),
    "rotate": ("rotate", parse_int),
    "colorspace": ("color_space", parse_str),
    "colorprimaries": ("color_primaries", parse_str),
    "colortransfer": ("color_transfer", parse_str),
    "colorrange": ("color_range", parse_str),
    "bitdepth": ("bit_depth", parse_int),
    "bitsperrawsample": ("bit_depth", parse_int),
}
AUDIO_FIELDS: FieldTable = {
    **_STREAM_COMMON,
    "samplefmt": ("sample_fmt", parse_str),
    "samplerate": ("sample_rate", parse_int),
    "channels": ("channels", parse_int),
    "channellayout": ("channel_layout", parse_str),
    "bitrate": ("bitrate_kbps", parse_float),
    "fps": ("fps", parse_float),
    "numframes": ("num_frames", parse_int),
}
SUBTITLE_FIELDS: FieldTable = dict(_STREAM_COMMON)
FILE_FIELDS: FieldTable = {
    "mediaid": ("media_id", parse_str),
    "filename": ("file_name", parse_str),
    "filestatus": ("file_status", parse_str),
    "filetype": ("file_type", parse_str),
    "filesize": ("size_bytes", parse_int),
    "fileurl": ("file_url", parse_str),
    "region": ("region", parse_str),
    "formatname": ("format_name", parse_str),
    "duration": ("duration_s", parse_float),
    "bitrate": ("bitrate_kbps", parse_float),
    "width": ("width", parse_int),
    "height": ("height", parse_int),
    "createtime": ("create_time", parse_time),
    "modifiedtime": ("modified_time", parse_time),
}
RENDITION_FIELDS: FieldTable = {
    "definition": ("definition", parse_str),
    "format": ("format", parse_str),
    "streamtype": ("stream_type", parse_str),
    "status": ("status", parse_str),
    "width": ("width", parse_int),
    "height": ("height", parse_int),
    "bitrate": ("bitrate_kbps", parse_float),
    "fps": ("fps", parse_float),
    "duration": ("duration_s", parse_float),
    "size": ("size_bytes", parse_int),
    "hdrtype": ("hdr_type", parse_str),
    "bitdepth": ("bit_depth", parse_int),
    "encrypt": ("encrypted", parse_bool),
    "encrypttype": ("encrypt_type", parse_str),
    "playurl": ("play_url", parse_str),
    "fileurl": ("file_url", parse_str),
    "narrowbandtype": ("narrow_band_type", parse_str),
    "transtemplatetype": ("trans_template_type", parse_str),
    "streamtags": ("stream_tags", parse_json_text),
    "watermarkid": ("watermark_id", parse_str),
    "jobid": ("job_id", parse_str),
    "creationtime": ("creation_time", parse_time),
    "modificationtime": ("modification_time", parse_time),
}
INFO_FIELDS: FieldTable = {
    "mediaid": ("media_id", parse_str),
    "inputurl": ("input_url", parse_str),
    "mediatype": ("media_type", parse_str),
    "businesstype": ("business_type", parse_str),
    "source": ("source", parse_str),
    "title": ("title", parse_str),
    "description": ("description", parse_str),
    "category": ("category", parse_str),
    "mediatags": ("tags", parse_tags),
    "coverurl": ("cover_url", parse_str),
    "userdata": ("user_data", parse_json_text),
    "snapshots": ("snapshots", parse_list_of_text),
    "status": ("status", parse_str),
    "createtime": ("create_time", parse_time),
    "creationtime": ("create_time", parse_time),
    "modifiedtime": ("modified_time", parse_time),
    "modificationtime": ("modified_time", parse_time),
    "deletedtime": ("deleted_time", parse_time),
    "spriteimages": ("sprite_images", parse_list_of_objects),
    "cateid": ("cate_id", parse_int),
    "catename": ("cate_name", parse_str),
    "biz": ("biz", parse_str),
    "uploadsource": ("upload_source", parse_str),
    "referenceid": ("reference_id", parse_str),
}


JOB_FIELDS: FieldTable = {
    "jobid": ("job_id", parse_str),
    "name": ("name", parse_str),
    "status": ("status", parse_str),
    "triggersource": ("trigger_source", parse_str),
    "submittime": ("submit_time", parse_time),
    "finishtime": ("finish_time", parse_time),
}
# parts of a response read into their own places: never copied into ``extra``
_MEDIA_INFO_PARTS = {"MediaBasicInfo", "FileInfoList", "AiRoughData", "MediaId", "RequestId"}
_JOB_PARTS = {"MediaInfoProperty", "Input"}


_UNSEEN = object()
MAX_SPELLINGS = 512
_SPELLINGS: dict[int, dict[str, Any]] = {}


def _spellings(table: FieldTable) -> dict[str, Any]:
    """The keys met so far in ``table``'s answers, exactly as ICE spelled them, with their field spec."""
    return _SPELLINGS.setdefault(id(table), {})


class _Builder:
    """Collects parse notes while reading raw maps; never raises."""

    def __init__(self) -> None:
        self.notes: list[ParseNote] = []

    def note(self, path: str, raw: Any, problem: str) -> None:
        kept = raw if isinstance(raw, str | int | float | bool) else None
        self.notes.append(construct(ParseNote, path=path, raw=kept, problem=problem))

    def mapping(self, raw: Any, path: str) -> dict[str, Any]:
        if raw is None:
            return {}
        if isinstance(raw, Mapping):
            return dict(raw)
        self.note(path, raw, f"expected an object, got {type(raw).__name__}")
        return {}

    def items(self, raw: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.note(path, raw, f"expected a list, got {type(raw).__name__}")
            return []
        return [(f"{path}[{i}]", self.mapping(item, f"{path}[{i}]")) for i, item in enumerate(raw)]

    def fields(
        self, raw: Mapping[str, Any], table: FieldTable, path: str, skip: Collection[str] = frozenset()
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        spellings = _spellings(table)
        for key, raw_value in raw.items():
            if key in skip:
                continue
            spec = spellings.get(key, _UNSEEN)
            if spec is _UNSEEN:
                spec = table.get(canonical_key(str(key)))
                if len(spellings) < MAX_SPELLINGS:  # ICE has a few dozen; a hostile answer, any number
                    spellings[key] = spec
            if spec is None:
                extra[str(key)] = raw_value
                continue
            name, parser = spec
            if parser is parse_str and raw_value.__class__ is str:  # most fields: text as it came
                if raw_value:
                    values[name] = raw_value
                continue
            value, problem = parser(raw_value)
            if problem:
                self.note(f"{path}.{key}", raw_value, problem)
            if value is not None:  # a None never replaces what another spelling of the key gave
                values[name] = value
        values["extra"] = extra
        return values

    def media_file(self, raw: Mapping[str, Any], path: str) -> MediaFile:
        basic = self.mapping(raw.get("FileBasicInfo"), f"{path}.FileBasicInfo")
        values = self.fields(basic, FILE_FIELDS, f"{path}.FileBasicInfo")
        values["video_streams"] = [
            construct(VideoStream, **self.fields(s, VIDEO_FIELDS, p))
            for p, s in self.items(raw.get("VideoStreamInfoList"), f"{path}.VideoStreamInfoList")
        ]
        values["audio_streams"] = [
            construct(AudioStream, **self.fields(s, AUDIO_FIELDS, p))
            for p, s in self.items(raw.get("AudioStreamInfoList"), f"{path}.AudioStreamInfoList")
        ]
        values["subtitle_streams"] = [
            construct(SubtitleStream, **self.fields(s, SUBTITLE_FIELDS, p))
            for p, s in self.items(raw.get("SubtitleStreamInfoList"), f"{path}.SubtitleStreamInfoList")
        ]
        return construct(MediaFile, **values)


_FILE_PARTS = {"FileBasicInfo", "VideoStreamInfoList", "AudioStreamInfoList", "SubtitleStreamInfoList"}


def build_snapshot(
    media_info: Mapping[str, Any] | None = None,
    play_info: Mapping[str, Any] | None = None,
    jobs: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
) -> MediaSnapshot:
    """One snapshot from any of: a GetMediaInfo body, a GetPlayInfo body, ListMediaInfoJobs job(s).

    Where two responses describe the same basic field, GetMediaInfo wins over GetPlayInfo's MediaBase,
    which wins over a job; empty values never overwrite known ones.
    """
    b = _Builder()
    info: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    files: list[MediaFile] = []
    renditions: list[Rendition] = []
    sources: list[str] = []
    request_ids: list[str] = []
    ai: dict[str, Any] | None = None
    job_info: MediaInfoJob | None = None

    def merge_info(values: dict[str, Any]) -> None:
        extra.update({k: v for k, v in values.pop("extra", {}).items() if k not in extra})
        for key, value in values.items():
            if value not in (None, [], "") and info.get(key) in (None, [], ""):
                info[key] = value

    def take_request_id(body: Mapping[str, Any]) -> None:
        rid = body.get("RequestId")
        if isinstance(rid, str) and rid:
            request_ids.append(rid)

    if media_info is not None:
        body = b.mapping(media_info, "GetMediaInfo")
        sources.append("GetMediaInfo")
        take_request_id(body)
        mi = b.mapping(body.get("MediaInfo", body), "MediaInfo")
        merge_info(
            b.fields(
                b.mapping(mi.get("MediaBasicInfo"), "MediaInfo.MediaBasicInfo"),
                INFO_FIELDS,
                "MediaInfo.MediaBasicInfo",
            )
        )
        if mi.get("MediaId") and not info.get("media_id"):
            info["media_id"] = str(mi["MediaId"])
        merge_info({"extra": {str(k): v for k, v in mi.items() if k not in _MEDIA_INFO_PARTS}})
        files += [b.media_file(f, p) for p, f in b.items(mi.get("FileInfoList"), "MediaInfo.FileInfoList")]
        raw_ai = mi.get("AiRoughData")
        ai = dict(raw_ai) if isinstance(raw_ai, Mapping) else None

    if play_info is not None:
        body = b.mapping(play_info, "GetPlayInfo")
        sources.append("GetPlayInfo")
        take_request_id(body)
        merge_info(b.fields(b.mapping(body.get("MediaBase"), "MediaBase"), INFO_FIELDS, "MediaBase"))
        renditions += [
            construct(Rendition, **b.fields(r, RENDITION_FIELDS, p))
            for p, r in b.items(body.get("PlayInfoList"), "PlayInfoList")
        ]

    job_list = [jobs] if isinstance(jobs, Mapping) else (jobs or [])
    for i, job in enumerate(job_list):
        path = f"Jobs[{i}]"
        job = b.mapping(job, path)
        sources.append("ListMediaInfoJobs")
        if job_info is None:
            job_info = construct(MediaInfoJob, **b.fields(job, JOB_FIELDS, path, skip=_JOB_PARTS))
        prop = b.mapping(job.get("MediaInfoProperty"), f"{path}.MediaInfoProperty")
        if prop:
            files.append(b.media_file(prop, f"{path}.MediaInfoProperty"))
        job_input = b.mapping(job.get("Input"), f"{path}.Input")
        if str(job_input.get("Type", "")).lower() == "media" and job_input.get("Media"):
            merge_info({"media_id": str(job_input["Media"])})
        elif job_input.get("Media"):
            merge_info({"input_url": str(job_input["Media"])})

    if not info.get("media_id"):
        for f in files:
            if f.media_id:
                info["media_id"] = f.media_id
                break
    media = construct(MediaInfo, **info, extra=extra)
    return construct(
        MediaSnapshot,
        media_id=media.media_id,
        info=media,
        files=files,
        renditions=renditions,
        ai_rough_data=ai,
        job=job_info,
        sources=sources,
        request_ids=request_ids,
        notes=b.notes,
    )
