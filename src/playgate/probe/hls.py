"""HLS: master and media playlists (parsed with ``m3u8``), a budget of segments measured per playlist.

Segments are sampled first, last and evenly spread; their sizes come from a one-byte ranged GET's
Content-Range (Content-Length when the server ignores ranges) or from EXT-X-BYTERANGE, never from a
full download.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from playgate.probe.context import (
    MAX_PLAYLIST_BYTES,
    MAX_SEGMENTS_IN_PLAYLIST,
    MAX_VARIANTS,
    RANGE_PROBE_BYTES,
    ProbeContext,
)
from playgate.probe.fetch import public_url
from playgate.probe.results import StreamFacts

_STREAM_INF = "#EXT-X-STREAM-INF:"
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=(?:"[^"]*"|[^,]*)')
# RESOLUTION "SHOULD be present if the Variant Stream includes video": these CODECS mean video
_VIDEO_CODEC = re.compile(r"\b(avc[1-4]|hvc1|hev1|dvh1|dvhe|dva1|dvav|vp0[89]|av01|mp4v)\b", re.I)


def _value(line: str, name: str) -> str:
    match = re.search(name + r'="([^"]*)"', line)
    return match.group(1) if match else ""


@dataclass
class _Segment:
    url: str  # as in the playlist until sampled, then absolute
    duration: float
    byterange: tuple[int, int] | None  # (offset, length)
    index: int = 0  # position in the playlist
    size: int | None = None


@dataclass
class _Media:
    url: str
    stream_info: Any = None  # the master's EXT-X-STREAM-INF for this playlist, if any
    segments: list[_Segment] = field(default_factory=list)
    total_segments: int = 0
    target_duration: float | None = None
    extra: list[str] = field(default_factory=list)  # init sections (EXT-X-MAP): reachability only


def probe_hls(ctx: ProbeContext, url: str, body: bytes) -> StreamFacts:
    playlist = _parse(ctx, url, body)
    if playlist is None:
        return StreamFacts(kind="hls")
    if not playlist.is_variant:
        media = _media_from(ctx, url, playlist, None)
        facts = StreamFacts(kind="hls-media")
        _measure(ctx, [media] if media is not None else [])
        rates = _rates(media) if media is not None else None
        if rates is not None:
            facts.measured_peak_bps, facts.measured_average_bps = rates.peak, rates.average
        return facts
    return _probe_master(ctx, url, playlist)


def _probe_master(ctx: ProbeContext, url: str, playlist: Any) -> StreamFacts:
    """Variants and EXT-X-MEDIA renditions (each fetched once), then every variant's bit rate."""
    facts = StreamFacts(kind="hls-master")
    variants = list(playlist.playlists)[:MAX_VARIANTS]
    if len(variants) == 1:
        _declared(facts, variants[0].stream_info)
    targets: dict[str, Any] = {}  # URL → its EXT-X-STREAM-INF (None for an EXT-X-MEDIA rendition)
    for variant in variants:
        targets.setdefault(urljoin(url, variant.uri), variant.stream_info)
    audio_groups: dict[str, list[str]] = {}
    for rendition in [m for m in playlist.media if m.uri][:MAX_VARIANTS]:
        rendition_url = urljoin(url, rendition.uri)
        targets.setdefault(rendition_url, None)
        if (rendition.type or "").upper() == "AUDIO":
            audio_groups.setdefault(rendition.group_id, []).append(rendition_url)
    loaded = ctx.fetcher.map(lambda item: (item[0], _load_media(ctx, *item)), list(targets.items()))
    medias = {target: media for target, media in loaded if media is not None}
    _measure(ctx, list(medias.values()))
    for target, info in targets.items():
        if info is not None and target in medias:
            group = audio_groups.get(getattr(info, "audio", None) or "", [])
            _check_bandwidth(ctx, medias[target], [medias.get(a) for a in group if a != target])
    return facts


@dataclass
class _Rates:
    peak: float | None  # None: no set of measured segments long enough (see _peak)
    average: float
    complete: bool  # every segment of the playlist was measured


def _rates(media: _Media) -> _Rates | None:
    measured = [s for s in media.segments if s.size is not None and s.duration > 0]
    if not measured:
        return None
    peak = _peak(measured, media.target_duration)
    average = sum(s.size or 0 for s in measured) * 8 / sum(s.duration for s in measured)
    return _Rates(peak, average, len(measured) == media.total_segments)


def _peak(measured: list[_Segment], target: float | None) -> float | None:
    """RFC 8216 4.3.4.2: the highest bit rate of any contiguous set of segments lasting 0.5 to 1.5 times
    the target duration (a short last segment alone does not count), among the segments measured."""
    if not target:
        return max((s.size or 0) * 8 / s.duration for s in measured)
    low, high = 0.5 * target, 1.5 * target
    best: float | None = None
    for i in range(len(measured)):
        size, duration = 0, 0.0
        for j in range(i, len(measured)):
            if j > i and measured[j].index != measured[j - 1].index + 1:
                break
            size += measured[j].size or 0
            duration += measured[j].duration
            if duration > high:
                break
            if duration >= low:
                best = max(best or 0.0, size * 8 / duration)
    return best


# --- parsing ---------------------------------------------------------------------------------------
def _parse(ctx: ProbeContext, url: str, body: bytes) -> Any:
    import m3u8  # imported when a playlist is probed: the gate's cold start does not pay for it

    where = public_url(url)
    ctx.results.ran("hls-playlist-valid", ctx.subject)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        _invalid(ctx, where, "not UTF-8", f"{where} is not UTF-8 (byte {exc.start})")
        return None
    if not text.startswith("#EXTM3U"):
        _invalid(ctx, where, "no #EXTM3U", f"{where} does not start with #EXTM3U")
        return None
    if _STREAM_INF in text:
        text = _check_variants(ctx, url, text)
    try:
        playlist = m3u8.loads(text, uri=url)
    except Exception as exc:  # m3u8 raises various errors on malformed tags
        _invalid(ctx, where, "unparsable", f"{where} does not parse ({type(exc).__name__})")
        return None
    return playlist


def _invalid(ctx: ProbeContext, where: str, actual: str, message: str) -> None:
    ctx.results.problem(
        "hls-playlist-valid",
        ctx.subject,
        actual={"url": where, "problem": actual},
        expected="a UTF-8 playlist starting with #EXTM3U that parses",
        message=message,
    )


def _load_media(ctx: ProbeContext, url: str, stream_info: Any) -> _Media | None:
    response = ctx.fetch(url, max_bytes=MAX_PLAYLIST_BYTES)
    if response is None:
        return None
    playlist = _parse(ctx, response.url, response.body)
    return None if playlist is None else _media_from(ctx, response.url, playlist, stream_info)


def _media_from(ctx: ProbeContext, url: str, playlist: Any, stream_info: Any) -> _Media | None:
    where = public_url(url)
    if playlist.is_variant:
        _invalid(
            ctx, where, "master inside master", f"{where} is a master playlist where a media one belongs"
        )
        return None
    segments = list(playlist.segments)
    if len(segments) > MAX_SEGMENTS_IN_PLAYLIST:
        _invalid(
            ctx,
            where,
            f"{len(segments)} segments",
            f"{where} has more than {MAX_SEGMENTS_IN_PLAYLIST} segments",
        )
        segments = segments[:MAX_SEGMENTS_IN_PLAYLIST]
    if not segments:
        _invalid(ctx, where, "no segments", f"{where} lists no segment")
    vod = (playlist.playlist_type or "vod").lower() == "vod"
    if vod and not playlist.is_endlist and ctx.results.param("hls-playlist-valid", "require_endlist"):
        _invalid(ctx, where, "no #EXT-X-ENDLIST", f"{where} is a VOD playlist without #EXT-X-ENDLIST")
    _check_extinf(ctx, where, playlist.target_duration, segments)
    target = playlist.target_duration
    media = _Media(url, stream_info, total_segments=len(segments), target_duration=target)
    offset = 0
    for i, seg in enumerate(segments):
        byterange = _byterange(seg.byterange, offset)
        if byterange is not None:
            offset = byterange[0] + byterange[1]
        media.segments.append(_Segment(seg.uri or "", float(seg.duration or 0), byterange, i))
    media.extra = sorted(
        {urljoin(url, s.init_section.uri) for s in segments if s.init_section and s.init_section.uri}
    )
    return media


def _byterange(text: str | None, previous_end: int) -> tuple[int, int] | None:
    if not text:
        return None
    length, _, offset = str(text).partition("@")
    try:
        return (int(offset) if offset else previous_end, int(length))
    except ValueError:
        return None


# --- checks on the text ----------------------------------------------------------------------------
def _check_variants(ctx: ProbeContext, url: str, text: str) -> str:
    """RFC 8216 4.3.4.2 on the raw tags (m3u8 cannot load a variant without BANDWIDTH); returns the text
    with ``BANDWIDTH=0`` put where it was missing, so the rest of the playlist can still be probed."""
    ctx.results.ran("hls-variant-attributes", ctx.subject)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.startswith(_STREAM_INF):
            continue
        attributes = set(_ATTRIBUTE.findall(line[len(_STREAM_INF) :]))
        uri = next((x.strip() for x in lines[i + 1 :] if x.strip() and not x.startswith("#")), "")
        where = public_url(urljoin(url, uri))
        audio_only = "CODECS" in attributes and not _VIDEO_CODEC.search(_value(line, "CODECS"))
        for attribute in ("BANDWIDTH", "CODECS", "RESOLUTION"):
            if attribute not in attributes and not (attribute == "RESOLUTION" and audio_only):
                ctx.results.problem(
                    "hls-variant-attributes",
                    ctx.subject,
                    actual={"variant": where, "missing": attribute},
                    expected=f"EXT-X-STREAM-INF with {attribute}",
                    message=f"the variant {where} has no {attribute} in its EXT-X-STREAM-INF",
                    part=attribute,
                )
        if "BANDWIDTH" not in attributes:
            lines[i] = _STREAM_INF + "BANDWIDTH=0," + line[len(_STREAM_INF) :]
    return "\n".join(lines)


def _check_extinf(ctx: ProbeContext, where: str, target: Any, segments: list[Any]) -> None:
    ctx.results.ran("hls-extinf-within-target", ctx.subject)
    if target is None:
        if segments:
            _invalid(ctx, where, "no #EXT-X-TARGETDURATION", f"{where} has no #EXT-X-TARGETDURATION")
        return
    for i, seg in enumerate(segments):
        rounded = math.floor(float(seg.duration or 0) + 0.5)
        if rounded > target:
            ctx.results.problem(
                "hls-extinf-within-target",
                ctx.subject,
                actual={"playlist": where, "segment": i, "extinf": seg.duration},
                expected=f"≤ EXT-X-TARGETDURATION {target} (rounded)",
                message=f"{where}: segment {i} lasts {seg.duration} s, above EXT-X-TARGETDURATION {target}",
            )


# --- segments --------------------------------------------------------------------------------------
def sample(count: int, budget: int) -> list[int]:
    """First, last and evenly spread indices: at most ``budget`` of ``count``."""
    if budget <= 0 or count <= 0:
        return []
    if count <= budget:
        return list(range(count))
    if budget == 1:
        return [0]
    return sorted({round(i * (count - 1) / (budget - 1)) for i in range(budget)})


def _measure(ctx: ProbeContext, medias: list[_Media]) -> None:
    jobs: list[tuple[_Media, _Segment | str]] = []
    for media in medias:
        jobs += [(media, extra) for extra in media.extra]
        picked = sample(len(media.segments), ctx.max_segments)
        media.segments = [media.segments[i] for i in picked]
        for seg in media.segments:  # joined here, for the sample only: a long playlist costs less CPU
            seg.url = urljoin(media.url, seg.url)
        jobs += [(media, seg) for seg in media.segments]
    ctx.fetcher.map(lambda job: _size(ctx, job[1]), jobs)


def _size(ctx: ProbeContext, item: _Segment | str) -> None:
    """A one-byte ranged GET: the answer's Content-Range gives the size. Not HEAD: an OSS signed URL
    signs the method, so HEAD on a URL signed for GET is refused although players get the file."""
    if isinstance(item, str):  # an init section: it must be there
        ctx.fetch(item, byte_range=(0, 0), max_bytes=RANGE_PROBE_BYTES, truncate=True)
        return
    offset = item.byterange[0] if item.byterange is not None else 0
    response = ctx.fetch(item.url, byte_range=(offset, offset), max_bytes=RANGE_PROBE_BYTES, truncate=True)
    if response is not None:
        item.size = item.byterange[1] if item.byterange is not None else response.size()


def _check_bandwidth(ctx: ProbeContext, media: _Media, audio: list[_Media | None]) -> None:
    """A variant's BANDWIDTH covers its segments plus its AUDIO group's rendition (the group's highest).

    ``audio``: the group's other playlists, None for one that could not be loaded."""
    info = media.stream_info
    rates = _rates(media)
    if rates is None or not info.bandwidth:
        return
    audio_rates = [r for r in (_rates(a) for a in audio if a is not None) if r is not None]
    if audio_rates:
        peaks = [r.peak for r in audio_rates if r.peak is not None]
        rates = _Rates(
            rates.peak + max(peaks) if rates.peak is not None and peaks else None,
            rates.average + max(r.average for r in audio_rates),
            rates.complete and all(r.complete for r in audio_rates),
        )
    complete = rates.complete and len(audio_rates) == len(audio)
    check = "hls-bandwidth-matches-measured"
    ctx.results.ran(check, ctx.subject)
    tolerance = float(ctx.results.param(check, "tolerance"))
    where, count = public_url(media.url), len(media.segments)
    declared = int(info.bandwidth)
    # a sample's peak can miss the real one: it proves BANDWIDTH too low, and too high only when complete
    peak = rates.peak
    if peak is not None and (
        peak > declared * (1 + tolerance) or (complete and peak < declared * (1 - tolerance))
    ):
        _bandwidth_problem(ctx, where, "BANDWIDTH", declared, peak, "peak", tolerance, count)
    average_declared = info.average_bandwidth
    if average_declared and abs(rates.average - average_declared) > average_declared * tolerance:
        _bandwidth_problem(
            ctx, where, "AVERAGE-BANDWIDTH", int(average_declared), rates.average, "average", tolerance, count
        )


def _bandwidth_problem(
    ctx: ProbeContext,
    where: str,
    attribute: str,
    declared: int,
    measured: float,
    what: str,
    tol: float,
    n: int,
) -> None:
    ctx.results.problem(
        "hls-bandwidth-matches-measured",
        ctx.subject,
        actual={"variant": where, f"measured_{what}_bps": round(measured), attribute.lower(): declared},
        expected=f"within {tol:.0%} of {attribute} {declared}",
        message=(
            f"{where}: measured {what} bit rate {measured / 1000:.0f} kb/s over {n} segment(s) is not within "
            f"{tol:.0%} of {attribute} {declared / 1000:.0f} kb/s"
        ),
    )


def _declared(facts: StreamFacts, info: Any) -> None:
    if info is None:
        return
    if info.resolution:
        facts.width, facts.height = info.resolution
    facts.bandwidth_bps = info.bandwidth
    facts.average_bandwidth_bps = info.average_bandwidth
