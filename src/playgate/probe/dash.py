"""DASH: the MPD (hostile XML: parsed with defusedxml, no DTDs or entities), each Representation's
attributes, and its first segment (initialization and first media segment) reachable.
"""

from __future__ import annotations

import re
from array import array
from typing import Any
from urllib.parse import urljoin

from playgate.probe import alignment, inside
from playgate.probe.context import RANGE_PROBE_BYTES, ProbeContext
from playgate.probe.dash_timeline import TimelineError, iso_duration, segment_ends
from playgate.probe.fetch import public_url
from playgate.probe.results import StreamFacts

CHECK = "dash-mpd-valid"
MAX_REPRESENTATIONS = 64
_IDENTIFIER = re.compile(r"\$(RepresentationID|Number|Bandwidth|Time|SubNumber)?(%0([0-9]+)d)?\$")
MAX_WIDTH = 64  # a %0Nd width: "%0999999999d" would pad to a gigabyte


class TemplateError(ValueError):
    pass


def probe_dash(ctx: ProbeContext, url: str, body: bytes) -> StreamFacts:
    from defusedxml import ElementTree  # imported when an MPD is probed

    ctx.results.ran(CHECK, ctx.subject)
    where = public_url(url)
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden, …
        _problem(
            ctx,
            {"url": where, "problem": type(exc).__name__},
            f"{where} does not parse as an MPD ({type(exc).__name__})",
        )
        return StreamFacts(kind="dash")
    if _tag(root) != "MPD":
        _problem(
            ctx, {"url": where, "root": _tag(root)}, f"{where}: the root element is {_tag(root)}, not MPD"
        )
        return StreamFacts(kind="dash")
    reps = list(_representations(root, url))
    if not reps:
        _problem(ctx, {"url": where, "problem": "no Representation"}, f"{where} has no Representation")
    facts = StreamFacts(kind="dash")
    videos = [r for r in reps if r["video"]]
    if len(videos) == 1:
        facts.width, facts.height = _int(videos[0]["width"]), _int(videos[0]["height"])
        facts.bandwidth_bps = _int(videos[0]["bandwidth"])
    ctx.fetcher.map(lambda rep: _check_representation(ctx, where, rep), reps[:MAX_REPRESENTATIONS])
    _check_alignment(ctx, reps[:MAX_REPRESENTATIONS])
    return facts


def _check_alignment(ctx: ProbeContext, reps: list[dict[str, Any]]) -> None:
    """Each AdaptationSet's Representations against its first one that describes its segments; one
    other's times at a time beside the reference's (each up to 100,000 segments)."""
    sets: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for rep in reps:
        sets.setdefault(rep["set"], []).append(rep)
    for members in sets.values():
        reference: tuple[str, array] | None = None
        for rep in members:
            ends = _segment_ends(ctx, rep)
            if ends is None:
                continue
            name = f"Representation {rep['id'] or '?'}"
            if reference is None:
                reference = (name, ends)
            else:
                _compare(ctx, rep["set_id"], reference, (name, ends))


def _segment_ends(ctx: ProbeContext, rep: dict[str, Any]) -> array | None:
    try:
        return segment_ends(rep["template"], rep["segment_list"], rep["period_s"], _tag)
    except TimelineError as exc:  # players cannot place its segments either: the MPD is not valid
        _problem(
            ctx, {"representation": rep["id"], "timeline": str(exc)}, f"Representation {rep['id']}: {exc}"
        )
        return None


def _compare(
    ctx: ProbeContext, set_id: str | None, reference: tuple[str, Any], other: tuple[str, Any]
) -> None:
    check = "dash-segments-aligned"
    ctx.results.ran(check, ctx.subject)
    tolerance = float(ctx.results.param(check, "tolerance_s"))
    found = alignment.first_misalignment(reference[1], other[1], tolerance)
    if found is not None:
        ctx.results.problem(
            check,
            ctx.subject,
            actual={"adaptation_set": set_id, **alignment.actual(found, other[0], reference[0])},
            expected=f"the same segment boundaries as {reference[0]} within {tolerance:g} s",
            message=f"AdaptationSet {set_id or '?'}: {alignment.describe(found, other[0], reference[0])}: "
            "switching there stalls or skips",
        )


def _check_representation(ctx: ProbeContext, where: str, rep: dict[str, Any]) -> None:
    label = f"{where} Representation {rep['id'] or '?'}"
    required = ["bandwidth", "codecs"] + (["width", "height"] if rep["video"] else [])
    for attribute in required:
        if not rep[attribute]:
            _problem(ctx, {"representation": rep["id"], "missing": attribute}, f"{label} has no {attribute}")
    try:
        urls = _first_segment_urls(rep)
    except TemplateError as exc:
        _problem(ctx, {"representation": rep["id"], "template": str(exc)}, f"{label}: {exc}")
        return
    if not inside.wanted(ctx):
        for segment_url in urls:
            ctx.fetch(segment_url, byte_range=(0, 0), max_bytes=RANGE_PROBE_BYTES, truncate=True, check=CHECK)
        return
    _look_inside(ctx, label, rep, urls)


def _look_inside(ctx: ProbeContext, label: str, rep: dict[str, Any], urls: list[str]) -> None:
    """The first media segment's first bytes (after its initialization's), for the checks in inside.py."""
    init = inside.fetch_init(ctx, urls[0], CHECK) if len(urls) > 1 else None
    head_bytes = inside.HEAD_BYTES
    response = ctx.fetch(
        urls[-1], byte_range=(0, head_bytes - 1), max_bytes=head_bytes, truncate=True, check=CHECK
    )
    head = None if response is None else inside.read(response.body, init)
    if head is None:
        return
    width, height = _int(rep["width"]), _int(rep["height"])
    resolution = (width, height) if width and height else None
    declared = inside.Declared(label, rep["codecs"], resolution, inside.frame_rate(rep["frame_rate"]))
    inside.judge(ctx, declared, [(urls[-1], head)])


def _problem(ctx: ProbeContext, actual: dict[str, Any], message: str) -> None:
    ctx.results.problem(
        CHECK,
        ctx.subject,
        actual=actual,
        expected="a parsable MPD; bandwidth, codecs (video: width, height); a reachable first segment",
        message=message,
    )


# --- the MPD tree ----------------------------------------------------------------------------------
def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _tag(c) == name]


def _base(element: Any, base: str) -> str:
    found = _children(element, "BaseURL")
    return urljoin(base, (found[0].text or "").strip()) if found else base


def _template(element: Any, inherited: dict[str, Any]) -> dict[str, Any]:
    """SegmentTemplate attributes, a child level's overriding its parent's; 'timeline' the first S@t."""
    found = _children(element, "SegmentTemplate")
    if not found:
        return inherited
    merged = {**inherited, **found[0].attrib}
    for timeline in _children(found[0], "SegmentTimeline"):
        first = _children(timeline, "S")
        merged["timeline_t"] = first[0].get("t", "0") if first else "0"
        merged["_timeline"] = timeline  # the element, for dash-segments-aligned
    return merged


def _representations(root: Any, url: str):
    base = _base(root, url)
    periods = _children(root, "Period")
    for p, period in enumerate(periods):
        period_base = _base(period, base)
        period_template = _template(period, {})
        whole = root.get("mediaPresentationDuration") if len(periods) == 1 else None
        period_s = iso_duration(period.get("duration") or whole)
        for a, adaptation in enumerate(_children(period, "AdaptationSet")):
            set_base = _base(adaptation, period_base)
            set_template = _template(adaptation, period_template)
            set_list = _children(adaptation, "SegmentList")
            for rep in _children(adaptation, "Representation"):
                attrs = {**adaptation.attrib, **rep.attrib}
                kind = attrs.get("mimeType", "") or attrs.get("contentType", "")
                yield {
                    "id": rep.get("id"),
                    "bandwidth": rep.get("bandwidth"),
                    "codecs": attrs.get("codecs"),
                    "width": attrs.get("width"),
                    "height": attrs.get("height"),
                    "frame_rate": attrs.get("frameRate"),
                    "video": kind.startswith("video") or (not kind and "width" in attrs),
                    "base": _base(rep, set_base),
                    "template": _template(rep, set_template),
                    "segment_list": (_children(rep, "SegmentList") or set_list or [None])[0],
                    "set": (p, a),
                    "set_id": adaptation.get("id"),
                    "period_s": period_s,
                }


def _first_segment_urls(rep: dict[str, Any]) -> list[str]:
    base, template, segment_list = rep["base"], rep["template"], rep["segment_list"]
    if template:
        values = {
            "RepresentationID": rep["id"] or "",
            "Bandwidth": rep["bandwidth"] or "",
            "Number": template.get("startNumber", "1"),
            "Time": template.get("timeline_t", "0"),
        }
        urls = [
            urljoin(base, _fill(template[k], values)) for k in ("initialization", "media") if k in template
        ]
        if "media" not in template:
            raise TemplateError("SegmentTemplate has no media attribute")
        return urls
    if segment_list is not None:
        urls = [
            urljoin(base, i.get("sourceURL"))
            for i in _children(segment_list, "Initialization")
            if i.get("sourceURL")
        ]
        media = [s.get("media") for s in _children(segment_list, "SegmentURL")]
        return urls + ([urljoin(base, media[0])] if media and media[0] else [base])
    return [base]  # SegmentBase, or a single file per Representation


def _fill(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(3)
        if name is None:
            return "$"  # "$$" is a literal dollar
        if name not in values:
            raise TemplateError(f"segment template {text!r} uses ${name}$, which cannot be resolved")
        value = values[name]
        if width and (len(width) > 3 or int(width) > MAX_WIDTH):
            raise TemplateError(
                f"segment template {text!r} pads ${name}$ to {width} digits (at most {MAX_WIDTH})"
            )
        return value.zfill(int(width)) if width and value.isdigit() else value

    if "$" in _IDENTIFIER.sub("", text):
        raise TemplateError(f"segment template {text!r} has an unknown $identifier$")
    return _IDENTIFIER.sub(one, text)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
