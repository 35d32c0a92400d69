"""HLS: master and media playlists (read by ``playlist.py``), a budget of segments measured per playlist.

Segments are sampled first, last and evenly spread while the playlist is read; their sizes come from a
one-byte ranged GET's Content-Range (Content-Length when the server ignores ranges) or from
EXT-X-BYTERANGE, never from a full download.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import re
import threading
from array import array
from dataclasses import dataclass, field
from urllib.parse import urljoin

from playgate.probe import alignment, inside
from playgate.probe.context import (
    MAX_PLAYLIST_BYTES,
    MAX_SEGMENTS_IN_PLAYLIST,
    MAX_VARIANTS,
    RANGE_PROBE_BYTES,
    ProbeContext,
)
from playgate.probe.fetch import public_url
from playgate.probe.playlist import Playlist, Variant, parse
from playgate.probe.results import MAX_PER_CHECK, StreamFacts
from playgate.probe.segment import Init, SegmentHead

# Media playlists fetched and read at once, in this process (reading holds the GIL: more would not be faster)
_PLAYLISTS_IN_MEMORY = threading.BoundedSemaphore(2)
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _return_large_blocks() -> None:
    """glibc raises its mmap threshold to the largest block freed: after one 4 MB playlist body, blocks
    of that size come from the heap and stay in the process (peak RSS 122 MiB instead of 69 MiB over 64
    playlists of 4 MB: bench/bench_probe_hostile.py). Pinned at glibc's default, they go back at once."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to pin
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


_return_large_blocks()
# RESOLUTION "SHOULD be present if the Variant Stream includes video": these CODECS mean video
_VIDEO_CODEC = re.compile(r"\b(avc[1-4]|hvc1|hev1|dvh1|dvhe|dva1|dvav|vp0[89]|av01|mp4v)\b", re.I)
SAMPLE_SIGMAS = 3.0  # a sample's average is judged with this many standard errors of slack
MAX_ALIGNED_SEGMENTS = 1_000_000  # EXTINF durations kept per master for hls-segments-aligned (8 B each)
_NOT_ALIGNED = ("SUBTITLES", "CLOSED-CAPTIONS")  # their VOD segments may be longer (Authoring Spec 5.7)


@dataclass
class _Segment:
    url: str  # as in the playlist until sampled, then absolute
    duration: float
    byterange: tuple[int, int] | None  # (offset, length)
    index: int = 0  # position in the playlist
    size: int | None = None
    init: str | None = None  # its EXT-X-MAP, absolute
    head: SegmentHead | None = None  # what its first bytes show (inside.py)


@dataclass
class _Media:
    url: str
    stream_info: Variant | None = None  # the master's EXT-X-STREAM-INF for this playlist, if any
    segments: list[_Segment] = field(default_factory=list)
    total_segments: int = 0
    target_duration: float | None = None
    extra: list[str] = field(default_factory=list)  # init sections (EXT-X-MAP): reachability only
    durations: array | None = None  # every segment's EXTINF (hls-segments-aligned), when kept
    duration: float = math.nan  # the sum of every EXTINF (NaN when one is unknown)
    byterange_bytes: int | None = None  # every segment's size, when all are EXT-X-BYTERANGEs
    start_date: float | None = None  # the first segment's EXT-X-PROGRAM-DATE-TIME, Unix seconds


def probe_hls(ctx: ProbeContext, url: str, body: bytes) -> StreamFacts:
    playlist = _parse(ctx, url, body)
    if playlist is None:
        return StreamFacts(kind="hls")
    if not playlist.is_variant:
        media = _media_from(ctx, url, playlist, None)
        facts = StreamFacts(kind="hls-media")
        if media is not None:
            _check_target(ctx, media)
        _measure(ctx, [media] if media is not None else [])
        if media is not None:
            _look_inside(ctx, media)
        rates = _rates(media) if media is not None else None
        if rates is not None:
            facts.measured_peak_bps, facts.measured_average_bps = rates.peak, rates.average
        return facts
    return _probe_master(ctx, url, playlist)


def _probe_master(ctx: ProbeContext, url: str, playlist: Playlist) -> StreamFacts:
    """Variants and EXT-X-MEDIA renditions (each fetched once), then every variant's bit rate."""
    facts = StreamFacts(kind="hls-master")
    _check_variants(ctx, url, playlist)
    if playlist.variant_count == 1:
        _declared(facts, playlist.variants[0])
    targets: dict[str, Variant | None] = {}  # URL → its EXT-X-STREAM-INF (None for an EXT-X-MEDIA rendition)
    for variant in playlist.variants:
        targets.setdefault(urljoin(url, variant.uri), variant)
    audio_groups: dict[str, list[str]] = {}
    text_only: set[str] = set()
    for rendition in playlist.renditions:
        rendition_url = urljoin(url, rendition.uri or "")
        targets.setdefault(rendition_url, None)
        kind = (rendition.type or "").upper()
        if kind == "AUDIO":
            audio_groups.setdefault(rendition.group_id or "", []).append(rendition_url)
        elif kind in _NOT_ALIGNED:
            text_only.add(rendition_url)
    budget = _Budget(MAX_ALIGNED_SEGMENTS)
    loaded = ctx.fetcher.map(
        lambda item: (item[0], _load_media(ctx, *item, keep=None if item[0] in text_only else budget)),
        list(targets.items()),
    )
    medias = {target: media for target, media in loaded if media is not None}
    for target, media in medias.items():
        if target not in text_only:
            _check_target(ctx, media)
    _check_alignment(ctx, url, [m for t, m in medias.items() if t not in text_only], budget)
    _measure(ctx, list(medias.values()))
    for media in medias.values():
        _look_inside(ctx, media)
    for target, info in targets.items():
        if info is not None and target in medias:
            group = audio_groups.get(info.audio or "", [])
            _check_bandwidth(ctx, medias[target], [medias.get(a) for a in group if a != target])
    return facts


@dataclass
class _Rates:
    peak: float | None  # None: no set of measured segments long enough (see _peak)
    average: float
    complete: bool  # every segment of the playlist was measured
    margin: float = 0.0  # how far the real average may be from ``average`` (0: every segment weighed)


def _rates(media: _Media) -> _Rates | None:
    measured = [s for s in media.segments if s.size is not None and s.duration > 0]
    if not measured:
        return None
    peak = _peak(measured, media.target_duration)
    complete = len(measured) == media.total_segments
    if media.byterange_bytes is not None and media.duration > 0:  # every size is in the playlist
        return _Rates(peak, media.byterange_bytes * 8 / media.duration, complete)
    average = sum(s.size or 0 for s in measured) * 8 / sum(s.duration for s in measured)
    margin = 0.0 if complete else _margin(measured, average, media.total_segments)
    return _Rates(peak, average, complete, margin)


def _margin(measured: list[_Segment], average: float, total: int) -> float:
    """SAMPLE_SIGMAS standard errors of the sample's average bit rate (a ratio estimator: bits over
    seconds), with the finite-population correction: it shrinks to 0 as the sample nears every segment."""
    n = len(measured)
    if n < 2:
        return math.inf
    spread = sum(((s.size or 0) * 8 - average * s.duration) ** 2 for s in measured) / (n - 1)
    mean_duration = sum(s.duration for s in measured) / n
    return SAMPLE_SIGMAS * math.sqrt(max(0.0, 1 - n / total) * spread / n) / mean_duration


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
def _parse(ctx: ProbeContext, url: str, body: bytes) -> Playlist | None:
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
    playlist = parse(text, lambda count: sample(count, ctx.max_segments), stop=ctx.fetcher.out_of_time)
    if playlist.stopped:  # the deadline came while reading: the checks would judge half a playlist
        ctx.not_made(1)
        return None
    for problem in playlist.problems:
        _invalid(ctx, where, problem, f"{where}: {problem}")
    if playlist.problem_count > len(playlist.problems):
        more = playlist.problem_count - len(playlist.problems)
        _invalid(ctx, where, f"{more} more bad lines", f"{where}: {more} more lines like these")
    return playlist


def _invalid(ctx: ProbeContext, where: str, actual: str, message: str) -> None:
    ctx.results.problem(
        "hls-playlist-valid",
        ctx.subject,
        actual={"url": where, "problem": actual},
        expected="a UTF-8 playlist starting with #EXTM3U whose tags have valid values",
        message=message,
    )


class _Budget:
    """Segments whose durations may still be kept (shared by one master's playlists, loaded at once)."""

    def __init__(self, left: int) -> None:
        self.left, self.refused = left, 0
        self._lock = threading.Lock()

    def take(self, count: int) -> bool:
        with self._lock:
            if count > self.left:
                self.refused += 1
                return False
            self.left -= count
            return True


def _load_media(
    ctx: ProbeContext, url: str, stream_info: Variant | None, keep: _Budget | None = None
) -> _Media | None:
    """``keep``: where the playlist's durations may be kept for the alignment check."""
    with _PLAYLISTS_IN_MEMORY:  # a 4 MiB body, its text and its arrays: a few at a time, not 8 or 64
        response = ctx.fetch(url, max_bytes=MAX_PLAYLIST_BYTES)
        if response is None:
            return None
        playlist = _parse(ctx, response.url, response.body)
        if playlist is None:
            return None
        media = _media_from(ctx, response.url, playlist, stream_info)
        if media is not None and keep is not None and keep.take(len(playlist.durations)):
            media.durations = playlist.durations
        return media


def _media_from(
    ctx: ProbeContext, url: str, playlist: Playlist, stream_info: Variant | None
) -> _Media | None:
    where = public_url(url)
    if playlist.is_variant:
        _invalid(
            ctx, where, "master inside master", f"{where} is a master playlist where a media one belongs"
        )
        return None
    count = playlist.segment_count
    if count > MAX_SEGMENTS_IN_PLAYLIST:
        _invalid(
            ctx, where, f"{count} segments", f"{where} has more than {MAX_SEGMENTS_IN_PLAYLIST} segments"
        )
    if not count:
        _invalid(ctx, where, "no segments", f"{where} lists no segment")
    vod = (playlist.playlist_type or "vod") == "vod"
    if vod and not playlist.endlist and ctx.results.param("hls-playlist-valid", "require_endlist"):
        _invalid(ctx, where, "no #EXT-X-ENDLIST", f"{where} is a VOD playlist without #EXT-X-ENDLIST")
    _check_extinf(ctx, where, playlist)
    duration = sum(playlist.durations)
    if math.isnan(duration) and not playlist.problem_count:  # a bad EXTINF was said; none at all, not yet
        first = next(i for i, d in enumerate(playlist.durations) if math.isnan(d))
        _invalid(
            ctx, where, f"segment {first} without EXTINF", f"{where}: segment {first} has no usable EXTINF"
        )
    media = _Media(
        url,
        stream_info,
        total_segments=min(count, MAX_SEGMENTS_IN_PLAYLIST),
        target_duration=playlist.target_duration,
        duration=duration,
        byterange_bytes=playlist.byterange_bytes,
        start_date=playlist.start_date,
    )
    for seg in playlist.segments:
        duration = seg.duration or 0.0
        init = urljoin(url, seg.init_uri) if seg.init_uri else None
        media.segments.append(
            _Segment(urljoin(url, seg.uri or ""), duration, seg.byterange, seg.index, init=init)
        )
    media.extra = sorted({urljoin(url, s.init_uri) for s in playlist.segments if s.init_uri})
    return media


# --- checks on the text ----------------------------------------------------------------------------
def _check_variants(ctx: ProbeContext, url: str, playlist: Playlist) -> None:
    """RFC 8216 4.3.4.2 on the first MAX_VARIANTS variants (the rest is said, not checked)."""
    ctx.results.ran("hls-variant-attributes", ctx.subject)
    for variant in playlist.variants:
        where = public_url(urljoin(url, variant.uri))
        audio_only = variant.codecs is not None and not _VIDEO_CODEC.search(variant.codecs)
        for attribute in ("BANDWIDTH", "CODECS", "RESOLUTION"):
            if attribute not in variant.attributes and not (attribute == "RESOLUTION" and audio_only):
                ctx.results.problem(
                    "hls-variant-attributes",
                    ctx.subject,
                    actual={"variant": where, "missing": attribute},
                    expected=f"EXT-X-STREAM-INF with {attribute}",
                    message=f"the variant {where} has no {attribute} in its EXT-X-STREAM-INF",
                    part=attribute,
                )
    for what, count in (("variants", playlist.variant_count), ("renditions", playlist.rendition_count)):
        if count > MAX_VARIANTS:
            ctx.incomplete(
                {"url": public_url(url), what: count},
                f"{public_url(url)} lists {count} {what}; the probe checked the first {MAX_VARIANTS}",
            )


def _check_extinf(ctx: ProbeContext, where: str, playlist: Playlist) -> None:
    ctx.results.ran("hls-extinf-within-target", ctx.subject)
    target = playlist.target_duration
    if target is None:
        if playlist.segment_count:
            _invalid(ctx, where, "no #EXT-X-TARGETDURATION", f"{where} has no valid #EXT-X-TARGETDURATION")
        return
    limit = target + 0.5  # floor(d + 0.5) > target  ⇔  d ≥ target + 0.5
    long = [i for i, d in enumerate(playlist.durations) if d >= limit]
    for i in long[:MAX_PER_CHECK]:
        duration = playlist.durations[i]
        ctx.results.problem(
            "hls-extinf-within-target",
            ctx.subject,
            actual={"playlist": where, "segment": i, "extinf": duration},
            expected=f"≤ EXT-X-TARGETDURATION {target} (rounded)",
            message=f"{where}: segment {i} lasts {duration} s, above EXT-X-TARGETDURATION {target}",
        )
    ctx.results.more("hls-extinf-within-target", ctx.subject, len(long) - MAX_PER_CHECK)


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
    """Sizes every sampled segment; when a check looks inside them, reads their first bytes (and their
    init sections', first) with the same request."""
    look = inside.wanted(ctx)
    inits: dict[str, Init | None] = {}
    extras = sorted({extra for media in medias for extra in media.extra})
    if look:
        inits = dict(ctx.fetcher.map(lambda url: (url, inside.fetch_init(ctx, url)), extras))
    jobs: list[_Segment | str] = [] if look else list(extras)
    jobs += [seg for media in medias for seg in media.segments]
    ctx.fetcher.map(lambda item: _size(ctx, item, inits if look else None), jobs)


def _size(ctx: ProbeContext, item: _Segment | str, inits: dict[str, Init | None] | None) -> None:
    """A ranged GET: the answer's Content-Range gives the size (one byte is asked for, or the first
    bytes when ``inits`` says to look inside). Not HEAD: an OSS signed URL signs the method, so HEAD on
    a URL signed for GET is refused although players get the file."""
    if isinstance(item, str):  # an init section: it must be there
        ctx.fetch(item, byte_range=(0, 0), max_bytes=RANGE_PROBE_BYTES, truncate=True)
        return
    offset = item.byterange[0] if item.byterange is not None else 0
    length = 1 if inits is None else inside.HEAD_BYTES
    if item.byterange is not None:
        length = max(1, min(length, item.byterange[1]))
    response = ctx.fetch(
        item.url,
        byte_range=(offset, offset + length - 1),
        max_bytes=max(length, RANGE_PROBE_BYTES),
        truncate=True,
    )
    if response is not None:
        item.size = item.byterange[1] if item.byterange is not None else response.size()
        if inits is not None:
            item.head = inside.read(response.body, inits.get(item.init or ""))


def _look_inside(ctx: ProbeContext, media: _Media) -> None:
    info = media.stream_info
    declared = None
    if info is not None:
        label = f"the variant {public_url(media.url)}"
        declared = inside.Declared(label, info.codecs, info.resolution, inside.frame_rate_of(info.frame_rate))
    heads = [(seg.url, seg.head) for seg in media.segments if seg.head is not None]
    inside.judge(ctx, declared, heads)


def _check_bandwidth(ctx: ProbeContext, media: _Media, audio: list[_Media | None]) -> None:
    """A variant's BANDWIDTH covers its segments plus its AUDIO group's rendition (the group's highest).

    ``audio``: the group's other playlists, None for one that could not be loaded."""
    info = media.stream_info
    rates = _rates(media)
    if rates is None or info is None or not info.bandwidth:
        return
    audio_rates = [r for r in (_rates(a) for a in audio if a is not None) if r is not None]
    if audio_rates:
        peaks = [r.peak for r in audio_rates if r.peak is not None]
        loudest = max(audio_rates, key=lambda r: r.average)
        rates = _Rates(
            rates.peak + max(peaks) if rates.peak is not None and peaks else None,
            rates.average + loudest.average,
            rates.complete and all(r.complete for r in audio_rates),
            rates.margin + loudest.margin,
        )
    complete = rates.complete and len(audio_rates) == len(audio)
    check = "hls-bandwidth-matches-measured"
    ctx.results.ran(check, ctx.subject)
    tolerance = float(ctx.results.param(check, "tolerance"))
    where, count = public_url(media.url), len(media.segments)
    declared = info.bandwidth
    ctx.results.measured(where, declared, rates.peak, rates.average)
    # a sample's peak can miss the real one: it proves BANDWIDTH too low, and too high only when complete
    peak = rates.peak
    if peak is not None and (
        peak > declared * (1 + tolerance) or (complete and peak < declared * (1 - tolerance))
    ):
        _bandwidth_problem(ctx, where, "BANDWIDTH", declared, peak, "peak", tolerance, count)
    if info.average_bandwidth is not None:
        _check_average(ctx, where, info.average_bandwidth, rates, count)


def _check_average(ctx: ProbeContext, where: str, declared: int, rates: _Rates, count: int) -> None:
    """The real average lies within ``margin`` of the measured one: AVERAGE-BANDWIDTH fails only when
    every average in that band is beyond the tolerance of it."""
    check = "hls-average-bandwidth-matches-measured"
    ctx.results.ran(check, ctx.subject)
    tolerance = float(ctx.results.param(check, "tolerance"))
    low, high = rates.average - rates.margin, rates.average + rates.margin
    if low <= declared * (1 + tolerance) and high >= declared * (1 - tolerance):
        return
    sample = "" if rates.margin == 0 else f" (± {rates.margin / 1000:.0f} kb/s: a sample)"
    ctx.results.problem(
        check,
        ctx.subject,
        actual={
            "variant": where,
            "measured_average_bps": round(rates.average),
            "margin_bps": round(rates.margin),
            "segments_measured": count,
            "average-bandwidth": declared,
        },
        expected=f"within {tolerance:.0%} of AVERAGE-BANDWIDTH {declared}",
        message=(
            f"{where}: measured average bit rate {rates.average / 1000:.0f} kb/s{sample} over {count} "
            f"segment(s) is not within {tolerance:.0%} of AVERAGE-BANDWIDTH {declared / 1000:.0f} kb/s"
        ),
    )


def _check_target(ctx: ProbeContext, media: _Media) -> None:
    target = media.target_duration
    if target is None:
        return  # hls-playlist-valid says so
    check = "hls-target-duration"
    ctx.results.ran(check, ctx.subject)
    recommended, most = (float(ctx.results.param(check, name)) for name in ("recommended_s", "max_s"))
    if target <= recommended:
        return
    where = public_url(media.url)
    ctx.results.problem(
        check,
        ctx.subject,
        actual={"playlist": where, "target_duration": target},
        expected=f"≤ {most:g} s (recommended ≤ {recommended:g} s)",
        message=(
            f"{where}: EXT-X-TARGETDURATION {target} s is above "
            + (f"the {most:g} s allowed" if target > most else f"the recommended {recommended:g} s")
            + " (Apple's HLS Authoring Specification 7.5: target durations SHOULD be 6 seconds)"
        ),
        part=None if target > most else "above-recommended",
    )


def _check_alignment(ctx: ProbeContext, url: str, medias: list[_Media], budget: _Budget) -> None:
    """Every playlist's boundaries against the first's (the master's first variant, when loaded)."""
    check = "hls-segments-aligned"
    if budget.refused:
        ctx.incomplete(
            {"url": public_url(url), "playlists_not_aligned": budget.refused},
            f"{public_url(url)}: {budget.refused} playlist(s) not compared for {check}: the master's "
            f"playlists list more than {MAX_ALIGNED_SEGMENTS} segments in all",
        )
    timelines = _timelines(medias)
    if len(timelines) < 2:
        return
    ctx.results.ran(check, ctx.subject)
    tolerance = float(ctx.results.param(check, "tolerance_s"))
    first, reference, _ = timelines[0]
    name = public_url(first.url)
    for media, ends, start in timelines[1:]:
        found = alignment.first_misalignment(reference, ends, tolerance, begin=max(0.0, start))
        if found is not None:
            other = public_url(media.url)
            ctx.results.problem(
                check,
                ctx.subject,
                actual=alignment.actual(found, other, name),
                expected=f"the same segment boundaries as {name} within {tolerance:g} s",
                message=alignment.describe(found, other, name) + ": switching there stalls or skips",
            )


def _timelines(medias: list[_Media]) -> list[tuple[_Media, array, float]]:
    """Each playlist's segment end times and its start, in the first one's time: from its first
    segment, or from EXT-X-PROGRAM-DATE-TIME when every one dates its first segment."""
    known: list[tuple[_Media, array]] = []
    for media in medias:
        ends = alignment.ends(media.durations) if media.durations is not None else None
        if ends is not None:
            known.append((media, ends))
    dates = [m.start_date for m, _ in known]
    out = []
    for (media, ends), date in zip(known, dates, strict=True):
        shift = date - dates[0] if date is not None and dates[0] is not None and None not in dates else 0.0
        out.append((media, array("d", (end + shift for end in ends)) if shift else ends, shift))
    return out


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


def _declared(facts: StreamFacts, info: Variant) -> None:
    if info.resolution:
        facts.width, facts.height = info.resolution
    facts.bandwidth_bps = info.bandwidth
    facts.average_bandwidth_bps = info.average_bandwidth
