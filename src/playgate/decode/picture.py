"""The picture checks: combing, black bars, blockiness and blur — their filter chains and their verdicts.

Each enabled check adds one video output to the decode's ffmpeg pass (command.py), whose filters print
one value per picture (``metadata@NAME``, read by parse.py into ``Decoded.printed``) or, for the bars,
cropdetect's line (``Decoded.crop``). Blockiness, blur and combing are measured on the centre of the
picture, a quarter of its area on the block grid, so that letterbox or pillarbox bars (whose hard
edges blockdetect scores as blocks) are never measured, and the filters cost a quarter as much.

- Combing (``video-interlaced``): idet calls each frame (it compares a frame's lines with the frames
  around it, so it sees every frame); a sampled picture is combed when idet calls it interlaced (top or
  bottom field first) and its neighbouring lines differ at least ``comb_ratio`` times as much as lines
  two apart. Either alone is fooled: idet calls coding artefacts and test patterns drawn at low
  resolution interlaced, and a picture of fine horizontal stripes has strong neighbouring-line
  differences; combing has both.
- Bars (``video-letterbox``): cropdetect on sampled pictures keeps the union of what is not black over
  the window, so a dark scene does not make bars as long as some picture reaches the edge.
- Blockiness and blur: blockdetect's and blurdetect's score of each sampled picture's centre.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playgate.decode.checks import WindowRun, finding, in_media_time, interval_finding, long_enough, where
from playgate.decode.parse import Decoded, Interval, finite_number
from playgate.decode.spec import BlockinessCheck, BlurCheck, DecodeChecks, InterlacedCheck, LetterboxCheck
from playgate.rules.report import Finding

# The centre half of the width and of the height, its edges on the 16-pixel grid codecs code blocks on
# (blockdetect looks for edges at fixed distances from the picture's edge); a picture under 32 pixels
# is taken whole.
CENTRE = (
    "crop=w='if(lt(iw,32),iw,trunc(iw/32)*16)':h='if(lt(ih,32),ih,trunc(ih/32)*16)'"
    ":x='if(lt(iw,32),0,trunc(iw/64)*16)':y='if(lt(ih,32),0,trunc(ih/64)*16)'"
)
FIELDS = "lavfi.idet.multiple.current_frame"
# Mean square difference of each line with the next (near) and with the one after (far), of the sampled
# picture in grey (no chroma subsampling, which would round crop's offset of one line to none). The
# explicit scale converts only the sampled pictures: format=gray alone makes ffmpeg convert every frame
# ahead of idet. crop keeps its offsets inside a picture of 1 or 2 lines, which then measures nothing.
LINES = (
    "scale,format=gray,split=3[l][n][f];[l]crop=iw:'max(ih-2,1)':0:0,split[l1][l2];[n]crop=iw:'max(ih-2,1)':0:1[n1];"
    "[f]crop=iw:'max(ih-2,1)':0:2[f2];[l1][n1]psnr,metadata@near=mode=print:key=lavfi.psnr.mse.y,nullsink;"
    "[l2][f2]psnr,metadata@far=mode=print:key=lavfi.psnr.mse.y"
)


def picture_outputs(checks: DecodeChecks) -> list[str]:
    """The filter chain of one video output per enabled picture check."""
    outputs = []
    if (combing := checks.video_interlaced).enabled:
        outputs.append(
            f"{CENTRE},idet,fps={combing.sample_fps:g},metadata@fields=mode=print:key={FIELDS},{LINES}"
        )
    if (bars := checks.video_letterbox).enabled:
        limit = f"limit={bars.pixel_threshold:g}:round=2:skip=0"
        outputs.append(f"fps={bars.sample_fps:g},cropdetect@bars={limit}")
    if (block := checks.video_blockiness).enabled:
        outputs.append(_scored(block.sample_fps, "blockdetect", "block"))
    if (blur := checks.video_blur).enabled:
        outputs.append(_scored(blur.sample_fps, "blurdetect", "blur"))
    return outputs


def _scored(fps: float, detector: str, key: str) -> str:
    return f"fps={fps:g},{CENTRE},{detector},metadata@{key}=mode=print:key=lavfi.{key}"


def picture_findings(run: WindowRun, checks: DecodeChecks) -> list[Finding]:
    if not run.has_video:
        return []
    findings = []
    if checks.video_interlaced.enabled:
        findings.append(_combing(run, checks.video_interlaced))
    if checks.video_letterbox.enabled:
        findings.append(_bars(run, checks.video_letterbox))
    if checks.video_blockiness.enabled:
        findings.append(_score(run, "video-blockiness", "blocky picture", "block", checks.video_blockiness))
    if checks.video_blur.enabled:
        findings.append(_score(run, "video-blur", "blurred picture", "blur", checks.video_blur))
    return findings


def _runs(pictures: Iterable[tuple[float, Any]], seconds: float, end_s: float | None) -> list[Interval]:
    """Intervals of consecutive pictures with a true mark, each picture lasting ``seconds`` (one
    sample; the last ends with the video)."""
    runs: list[Interval] = []
    start = last = None
    for at, marked in sorted(pictures):
        if marked and start is None:
            start = at
        elif not marked and start is not None and last is not None:
            runs.append(Interval(start, last + seconds))
            start = None
        last = at
    if start is not None and last is not None:
        runs.append(Interval(start, min(last + seconds, end_s) if end_s else last + seconds))
    return runs


def _found(run: WindowRun, long: list[Interval], extra: Any) -> list[dict[str, Any]]:
    """The intervals in media time, each with what ``extra(interval)`` adds to it."""
    return [{**shown, **extra(i)} for shown, i in zip(in_media_time(run, long, 0), long, strict=True)]


def _combed(d: Decoded, ratio: float) -> dict[float, str | None]:
    """Each sampled picture's field order when it is combed, else None."""
    near, far = d.printed.get("near", {}), d.printed.get("far", {})
    pictures: dict[float, str | None] = {}
    for at, order in d.printed.get("fields", {}).items():
        a, b = finite_number(near.get(at, "")), finite_number(far.get(at, ""))
        combed = order in ("tff", "bff") and a is not None and b is not None and a > ratio * b
        pictures[at] = order if combed else None
    return pictures


def _combing(run: WindowRun, spec: InterlacedCheck) -> Finding:
    pictures = _combed(run.decoded, spec.comb_ratio)
    long = long_enough(
        _runs(pictures.items(), 1 / spec.sample_fps, run.decoded.video_end_s), spec.min_duration_s
    )

    def order(i: Interval) -> dict[str, str]:
        calls = [o for at, o in pictures.items() if o and i.start_s <= at < i.end_s]
        top = calls.count("tff") >= calls.count("bff")
        return {"field_order": "top field first" if top else "bottom field first"}

    threshold = (
        f"idet calls it interlaced and neighbouring lines differ over {spec.comb_ratio:g}× as much as "
        f"lines two apart; on {spec.sample_fps:g} pictures a second"
    )
    found = _found(run, long, order)
    return interval_finding(run, "video-interlaced", "combed picture", found, spec=spec, threshold=threshold)


def _score(run: WindowRun, rule: str, what: str, key: str, spec: BlockinessCheck | BlurCheck) -> Finding:
    scores = {
        at: value
        for at, text in run.decoded.printed.get(key, {}).items()
        if (value := finite_number(text)) is not None
    }
    marks = [(at, value > spec.max_score) for at, value in scores.items()]
    long = long_enough(_runs(marks, 1 / spec.sample_fps, run.decoded.video_end_s), spec.min_duration_s)

    def mean(i: Interval) -> dict[str, float]:
        inside = [v for at, v in scores.items() if i.start_s <= at < i.end_s]
        return {"score": round(sum(inside) / len(inside), 2)}

    threshold = (
        f"{key} score above {spec.max_score:g} in the picture's centre, {spec.sample_fps:g} pictures a second"
    )
    return interval_finding(run, rule, what, _found(run, long, mean), spec=spec, threshold=threshold)


def _bars(run: WindowRun, spec: LetterboxCheck) -> Finding:
    d, subject = run.decoded, where(run)
    expected = f"black bars at most {spec.max_share:.0%} of the picture"
    bars = measure_bars(d.crop, d.width, d.height)
    if bars is None:
        message = f"video-letterbox: {subject}: no picture to measure bars in (black throughout?)"
        return finding(
            "video-letterbox", spec.severity, True, subject, actual=None, expected=expected, message=message
        )
    sides = ", ".join(f"{side} {bars[side]} px" for side in ("top", "bottom", "left", "right") if bars[side])
    message = f"video-letterbox: {subject}: black bars take {bars['share']:.0%} of the picture" + (
        f" ({sides}; picture {bars['active']})" if sides else ""
    )
    ok = bars["share"] <= spec.max_share
    return finding(
        "video-letterbox", spec.severity, ok, subject, actual=bars, expected=expected, message=message
    )


def measure_bars(
    crop: tuple[int, int, int, int] | None, width: int | None, height: int | None
) -> dict[str, Any] | None:
    """The bars on each side in pixels and their share of the picture, from cropdetect's union of the
    non-black picture (x1, x2, y1, y2, inclusive); None when no picture was found in the window."""
    if crop is None or not width or not height:
        return None
    x1, x2, y1, y2 = max(crop[0], 0), min(crop[1], width - 1), max(crop[2], 0), min(crop[3], height - 1)
    if x2 < x1 or y2 < y1:
        return None
    active_w, active_h = x2 - x1 + 1, y2 - y1 + 1
    return {
        "top": y1,
        "bottom": height - 1 - y2,
        "left": x1,
        "right": width - 1 - x2,
        "share": round(1 - active_w * active_h / (width * height), 3),
        "active": f"{active_w}x{active_h}",
    }
