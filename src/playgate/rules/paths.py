"""The checkable names: value paths over a MediaSnapshot, resolved once at load time.

A path is ``media.<field>``, ``source_file.<field>``, ``<collection>[*].<field>`` (every item),
``<collection>[N].<field>`` (one item) or a derived fact (``rendition_count``, ``definitions``…).
Fields typed ``any`` (``media.user_data``, ``rendition[*].stream_tags``, ``*.extra``) accept sub-keys:
``media.user_data.qcProfile``. Resolving a path gives a :class:`PathRef` whose getters never raise.
"""

from __future__ import annotations

import itertools
import re
import types
import typing
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from playgate.ice import model
from playgate.ice.model import (
    AudioStream,
    MediaFile,
    MediaInfo,
    MediaInfoJob,
    MediaSnapshot,
    Rendition,
    SubtitleStream,
    VideoStream,
)
from playgate.ice.values import canonical_key

# value types: "num", "str", "bool", "time", "list" (of text), "any"
ValueType = str


def _type_of(annotation: Any) -> ValueType:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        annotation, origin = args[0], typing.get_origin(args[0])
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return "num"
    if annotation is str:
        return "str"
    if annotation is datetime:
        return "time"
    if origin is list and typing.get_args(annotation) == (str,):
        return "list"
    return "any"


def _fields(model: type[BaseModel], skip: Container[str] = frozenset()) -> dict[str, ValueType]:
    fields = model.model_fields  # annotations pydantic has already resolved (get_type_hints: 6 ms more)
    return {name: _type_of(f.annotation) for name, f in fields.items() if name not in skip}


_STREAM_LISTS = {"video_streams", "audio_streams", "subtitle_streams"}
MEDIA_FIELDS: dict[str, ValueType] = {
    "type": "str",  # media_type, the name engineers say
    **_fields(MediaInfo),
    "duration_s": "num",
    "id": "str",
}
FILE_FIELDS = _fields(MediaFile, _STREAM_LISTS)
VIDEO_FIELDS = {**_fields(VideoStream), "file_name": "str", "file_type": "str"}
AUDIO_FIELDS = {**_fields(AudioStream), "file_name": "str", "file_type": "str"}
SUBTITLE_FIELDS = {**_fields(SubtitleStream), "file_name": "str", "file_type": "str"}
RENDITION_FIELDS = _fields(Rendition)
JOB_FIELDS = _fields(MediaInfoJob)


class Item:
    """One element of a collection; ``label`` is the words a person uses for it (built only when asked)."""

    __slots__ = ("file", "kind", "obj", "pos")

    def __init__(self, kind: str, obj: Any, file: MediaFile | None = None, pos: int = 0):
        self.kind, self.obj, self.file, self.pos = kind, obj, file, pos

    @property
    def label(self) -> str:
        obj, kind = self.obj, self.kind
        if kind == "rendition":
            return " ".join(p for p in (f"rendition[{self.pos}]", obj.definition, obj.format) if p)
        file_name = (self.file.file_name if self.file is not None else None) or "?"
        if kind == "file":
            return f"file[{self.pos}] {file_name}"
        if kind == "":
            return "source file"
        number = obj.index if obj.index is not None else self.pos
        return f"{kind} stream {number} of file {file_name}"


def _stream_items(kind: str, attr: str) -> Callable[[MediaSnapshot], list[Item]]:
    def items(snap: MediaSnapshot) -> list[Item]:
        return [Item(kind, s, f, pos) for f in snap.files for pos, s in enumerate(getattr(f, attr))]

    return items


def _file_items(snap: MediaSnapshot) -> list[Item]:
    return [Item("file", f, f, i) for i, f in enumerate(snap.files)]


def _rendition_items(snap: MediaSnapshot) -> list[Item]:
    return [Item("rendition", r, None, i) for i, r in enumerate(snap.renditions)]


@dataclass(frozen=True)
class Collection:
    name: str
    plural: str
    fields: dict[str, ValueType]
    items: Callable[[MediaSnapshot], list[Item]]


COLLECTIONS: dict[str, Collection] = {
    "file": Collection("file", "files", FILE_FIELDS, _file_items),
    "video": Collection("video", "video streams", VIDEO_FIELDS, _stream_items("video", "video_streams")),
    "audio": Collection("audio", "audio streams", AUDIO_FIELDS, _stream_items("audio", "audio_streams")),
    "subtitle": Collection(
        "subtitle", "subtitle streams", SUBTITLE_FIELDS, _stream_items("subtitle", "subtitle_streams")
    ),
    "rendition": Collection("rendition", "renditions", RENDITION_FIELDS, _rendition_items),
}


# --- derived facts --------------------------------------------------------------------------------
def _longest(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _av_diff(s: MediaSnapshot) -> float | None:
    source = s.source_file
    if source is None:
        return None
    v = _longest([x.duration_s for x in source.video_streams])
    a = _longest([x.duration_s for x in source.audio_streams])
    return None if v is None or a is None else round(abs(v - a), 6)


def _ladder_inversions(s: MediaSnapshot) -> list[str]:
    """Per format, video renditions sorted by bitrate whose height drops as bitrate rises."""
    by_format: dict[str, list[tuple[float, int]]] = {}  # (bitrate, height) of each rung
    for r in s.renditions:
        if r.height is None or r.bitrate_kbps is None or (r.stream_type or "video") != "video":
            continue
        by_format.setdefault(r.format or "?", []).append((r.bitrate_kbps, r.height))
    out = []
    for fmt, rungs in sorted(by_format.items()):
        rungs.sort()
        for (low_kbps, low_height), (high_kbps, high_height) in itertools.pairwise(rungs):
            if high_height < low_height and high_kbps > low_kbps:
                out.append(
                    f"{fmt}: {high_height}p at {high_kbps:g} kbps is above {low_height}p at {low_kbps:g} kbps"
                )
    return out


AV_MEDIA_TYPES = frozenset({"video", "audio"})
# ffprobe's names for still-image containers (GetMediaInfo reports e.g. "png" or "png_pipe")
_IMAGE_FORMATS = frozenset(
    {"png", "jpg", "jpeg", "gif", "webp", "bmp", "tiff", "heic", "heif", "avif", "image2", "svg", "ico"}
)


def _media_kind(s: MediaSnapshot) -> str | None:
    """ICE's MediaType (video, audio, image, text…), else what the files say: a stream makes it video
    or audio, a still-image format an image; None when nothing tells."""
    if s.info.media_type:
        return s.info.media_type.strip().lower()
    if s.video_streams:
        return "video"
    if s.audio_streams:
        return "audio"
    formats = {(f.format_name or "").lower().removesuffix("_pipe") for f in s.files}
    if formats and formats <= _IMAGE_FORMATS:
        return "image"
    return None


def _has_timeline(s: MediaSnapshot) -> bool:
    """Whether the media can have a duration, streams and renditions: not for an image, a text or any
    other non-AV type ICE names; an unknown type is assumed to be audio/video."""
    kind = _media_kind(s)
    return kind is None or kind in AV_MEDIA_TYPES


def _distinct(values: list[Any]) -> list[str]:
    return sorted({str(v) for v in values if v not in (None, "")})


def _count(attr: str) -> Callable[[MediaSnapshot], int]:
    return lambda s: len(getattr(s, attr))


@dataclass(frozen=True)
class Derived:
    type: ValueType
    get: Callable[[MediaSnapshot], Any]
    doc: str


DERIVED: dict[str, Derived] = {
    "file_count": Derived("num", _count("files"), "number of files (FileInfoList, job MediaInfoProperty)"),
    "video_stream_count": Derived("num", _count("video_streams"), "number of video streams over all files"),
    "audio_stream_count": Derived("num", _count("audio_streams"), "number of audio streams over all files"),
    "av_stream_count": Derived(
        "num", lambda s: len(s.video_streams) + len(s.audio_streams), "number of video and audio streams"
    ),
    "subtitle_stream_count": Derived("num", _count("subtitle_streams"), "number of subtitle streams"),
    "rendition_count": Derived(
        "num", _count("renditions"), "number of renditions (GetPlayInfo PlayInfoList)"
    ),
    "normal_rendition_count": Derived(
        "num", lambda s: sum(1 for r in s.renditions if r.status == "Normal"), "renditions with status Normal"
    ),
    "playable_rendition_count": Derived(
        "num",
        lambda s: sum(1 for r in s.renditions if r.status == "Normal" and r.play_url),
        "renditions with status Normal and a play URL",
    ),
    "definitions": Derived(
        "list",
        lambda s: _distinct([r.definition for r in s.renditions]),
        "set of rendition definitions, e.g. [FHD, HD, SD]",
    ),
    "formats": Derived(
        "list", lambda s: _distinct([r.format for r in s.renditions]), "set of rendition formats"
    ),
    "hdr_types": Derived(
        "list", lambda s: _distinct([r.hdr_type for r in s.renditions]), "set of rendition HDR types"
    ),
    "video_codecs": Derived(
        "list", lambda s: _distinct([v.codec_name for v in s.video_streams]), "set of video codec names"
    ),
    "audio_codecs": Derived(
        "list", lambda s: _distinct([a.codec_name for a in s.audio_streams]), "set of audio codec names"
    ),
    "max_rendition_height": Derived(
        "num", lambda s: _longest([r.height for r in s.renditions]), "highest rendition height"
    ),
    "min_rendition_height": Derived(
        "num",
        lambda s: min((r.height for r in s.renditions if r.height is not None), default=None),
        "lowest rendition height",
    ),
    "max_rendition_bitrate_kbps": Derived(
        "num", lambda s: _longest([r.bitrate_kbps for r in s.renditions]), "highest rendition bitrate"
    ),
    "video_duration_s": Derived(
        "num", lambda s: _longest([v.duration_s for v in s.video_streams]), "longest video stream duration"
    ),
    "audio_duration_s": Derived(
        "num", lambda s: _longest([a.duration_s for a in s.audio_streams]), "longest audio stream duration"
    ),
    "av_duration_diff_s": Derived(
        "num", _av_diff, "|video − audio| duration of the source file's longest streams"
    ),
    "ladder_inversions": Derived(
        "list", _ladder_inversions, "per format, renditions whose height falls while bitrate rises"
    ),
    "is_audio_only": Derived(
        "bool", lambda s: bool(s.audio_streams) and not s.video_streams, "audio streams and no video stream"
    ),
    "media_kind": Derived(
        "str", _media_kind, "media.type in lower case, else inferred: video, audio or image (from the format)"
    ),
    "has_timeline": Derived(
        "bool", _has_timeline, "the media can have a duration, streams and renditions (audio/video)"
    ),
    "sources": Derived(
        "list",
        lambda s: list(s.sources),
        "responses that built the snapshot: GetMediaInfo, GetPlayInfo, ListMediaInfoJobs",
    ),
    "has_play_info": Derived("bool", lambda s: "GetPlayInfo" in s.sources, "a GetPlayInfo response was read"),
    "has_media_info": Derived(
        "bool", lambda s: "GetMediaInfo" in s.sources, "a GetMediaInfo response was read"
    ),
    "parse_note_count": Derived("num", lambda s: len(s.notes), "values ICE sent that could not be read"),
    "parse_notes": Derived(
        "list",
        lambda s: [f"{n.path}: {n.problem}" for n in s.notes],
        "where and why values could not be read",
    ),
}


# --- resolving ------------------------------------------------------------------------------------
class PathError(ValueError):
    """A path that names nothing; the message says what is allowed."""


_SEGMENT = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<sel>\*|\d+)\])?$")


@dataclass(frozen=True)
class PathRef:
    text: str
    type: ValueType
    collection: Collection | None = None  # set for [*] paths
    field: str | None = None
    getter: Callable[[MediaSnapshot], Any] | None = None  # scalar paths
    item_getter: Callable[[Any, Item], Any] | None = None  # (obj, item) -> value for [*] paths

    @property
    def is_collection(self) -> bool:
        return self.collection is not None

    event_getter: Callable[[str | None, Any], Any] | None = None  # event.* paths: (event_type, user_data)

    def value(self, snap: MediaSnapshot) -> Any:
        if self.getter is None:
            return None
        try:
            return self.getter(snap)
        except (AttributeError, IndexError, KeyError, TypeError):
            return None


def _loose_get(mapping: dict[str, Any], key: str) -> Any:
    """``extra`` holds ICE's keys as sent: ``ColorMatrix`` also finds ``Color_matrix`` or ``colormatrix``."""
    if key in mapping:
        return mapping[key]
    wanted = canonical_key(key)
    return next((v for k, v in mapping.items() if canonical_key(str(k)) == wanted), None)


def _subkeys(value: Any, keys: tuple[str, ...], *, loose: bool = False) -> Any:
    for key in keys:
        if isinstance(value, dict):
            value = _loose_get(value, key) if loose else value.get(key)
        elif isinstance(value, list) and key.isdigit():
            i = int(key)
            value = value[i] if i < len(value) else None
        else:
            return None
    return value


# ICE's keys (canonical spelling) that are read into first-class fields, per kind of thing
ICE_KEYS: dict[str, model.FieldTable] = {
    "media": model.INFO_FIELDS,
    "source_file": model.FILE_FIELDS,
    "job": model.JOB_FIELDS,
    "file": model.FILE_FIELDS,
    "video": model.VIDEO_FIELDS,
    "audio": model.AUDIO_FIELDS,
    "subtitle": model.SUBTITLE_FIELDS,
    "rendition": model.RENDITION_FIELDS,
}


def _field_getter(fields: dict[str, ValueType], name: str, rest: tuple[str, ...], text: str, owner: str):
    modeled = ICE_KEYS[owner].get(canonical_key(rest[0])) if name == "extra" and len(rest) == 1 else None
    if modeled is not None:  # ICE's key is read into a field, so it is never in extra: read the field
        name, rest = modeled[0], ()
    if name not in fields:
        raise PathError(f"unknown field {name!r} in {text!r}; allowed: {', '.join(sorted(fields))}")
    ftype = fields[name]
    if rest and ftype != "any":
        raise PathError(f"{text!r}: {name!r} is a single value ({ftype}); it has no sub-keys")
    attr = "media_type" if name == "type" else ("media_id" if name == "id" else name)
    if name in ("file_name", "file_type"):

        def get(obj: Any, item: Item | None) -> Any:
            f = item.file if item is not None else None
            return getattr(obj, name, None) if f is None else getattr(f, name, None)
    elif rest:
        loose = name == "extra"

        def get(obj: Any, item: Item | None) -> Any:
            return _subkeys(getattr(obj, attr, None), rest, loose=loose)
    else:

        def get(obj: Any, item: Item | None) -> Any:
            return getattr(obj, attr, None)

    return ftype, get


def resolve(text: str) -> PathRef:
    """The PathRef for a path text, or PathError naming what is allowed."""
    if not isinstance(text, str) or not text.strip():
        raise PathError("a value path must be non-empty text such as 'video[*].height'")
    text = text.strip()
    if text in DERIVED:
        d = DERIVED[text]
        return PathRef(text, d.type, getter=d.get)
    if text == "event.type":
        return PathRef(text, "str", event_getter=lambda event_type, _u: event_type)
    if text == "event.user_data" or text.startswith("event.user_data."):
        keys = tuple(text.split(".")[2:])
        return PathRef(text, "any", event_getter=lambda _e, user_data: _subkeys(user_data, keys))
    head, _, rest_text = text.partition(".")
    rest = tuple(rest_text.split(".")) if rest_text else ()
    m = _SEGMENT.match(head)
    if m is None or (m["sel"] is None and head not in ("media", "source_file", "job")) or not rest:
        raise PathError(_unknown_path(text))
    name, sel = m["head"], m["sel"]
    if name == "media" and sel is None:
        if rest[0] == "duration_s" and len(rest) == 1:
            return PathRef(text, "num", getter=lambda s: s.duration_s)
        ftype, get = _field_getter(MEDIA_FIELDS, rest[0], rest[1:], text, "media")
        return PathRef(text, ftype, getter=lambda s: get(s.info, None))
    if name == "source_file" and sel is None:
        ftype, get = _field_getter(FILE_FIELDS, rest[0], rest[1:], text, "source_file")
        return PathRef(
            text, ftype, getter=lambda s: get(s.source_file, Item("", s.source_file, s.source_file))
        )
    if name == "job" and sel is None:
        ftype, get = _field_getter(JOB_FIELDS, rest[0], rest[1:], text, "job")
        return PathRef(text, ftype, getter=lambda s: get(s.job, None))
    if name not in COLLECTIONS or sel is None:
        raise PathError(_unknown_path(text))
    coll = COLLECTIONS[name]
    ftype, get = _field_getter(coll.fields, rest[0], rest[1:], text, coll.name)
    if sel == "*":
        return PathRef(text, ftype, collection=coll, field=".".join(rest), item_getter=get)
    index = int(sel)

    def one(s: MediaSnapshot) -> Any:
        items = coll.items(s)
        return get(items[index].obj, items[index]) if index < len(items) else None

    return PathRef(text, ftype, getter=one)


def _unknown_path(text: str) -> str:
    return (
        f"unknown value path {text!r}; use media.<field>, source_file.<field>, job.<field>, "
        f"<{'|'.join(COLLECTIONS)}>[*].<field> (or [N]), event.type, event.user_data.<key>, "
        f"or a derived fact: {', '.join(DERIVED)}"
    )


def item_field_ref(coll: Collection, field: str) -> PathRef:
    """A field of the current item, as written in ``where:`` (``status`` means ``rendition[*].status``)."""
    return resolve(f"{coll.name}[*].{field}")
