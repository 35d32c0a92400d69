"""The ``decode:`` block of a rule-file profile: windows, which renditions, and each check's settings.

Defaults follow the issue and the broadcast QC tools: black, frozen and silent intervals of 2 s or more
fail; silence is below -50 dB; loudness is recorded only unless the profile sets a target.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Severity = Literal["error", "warning", "info"]


class _Strict(BaseModel):
    # defer_build: built when a profile with a decode: block is compiled, not at every cold start
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


class Window(_Strict):
    """A stretch of the media to decode. ``start`` is seconds, or a share of the duration ('50%')."""

    start: float | str = Field(0.0, description="Seconds from the start, or 'N%' of the media's duration.")
    seconds: float = Field(10.0, gt=0, le=600, description="How long to decode.")

    @field_validator("start")
    @classmethod
    def _start(cls, value: float | str) -> float | str:
        if isinstance(value, str):
            text = value.strip()
            if not text.endswith("%"):
                raise ValueError(f"start {value!r} must be seconds or a percentage such as '50%'")
            share = float(text[:-1])
            if not 0 <= share <= 100:
                raise ValueError(f"start {value!r} must be between 0% and 100%")
            return text
        if value < 0:
            raise ValueError("start must be ≥ 0 seconds")
        return value

    def start_s(self, duration_s: float | None) -> float:
        """Where the window starts: moved back so that it ends by the end of a media of known duration
        (a window past the end would decode nothing); a percentage of an unknown duration is 0."""
        if isinstance(self.start, str):
            if not duration_s:
                return 0.0
            start = duration_s * float(self.start[:-1]) / 100
        else:
            start = float(self.start)
        return max(0.0, min(start, duration_s - self.seconds)) if duration_s else start


class _Check(_Strict):
    enabled: bool = True
    severity: Severity = "error"


class BlackCheck(_Check):
    min_duration_s: float = Field(2.0, gt=0, description="Shortest black interval reported.")
    picture_threshold: float = Field(0.98, ge=0, le=1, description="Share of black pixels for a black frame.")
    pixel_threshold: float = Field(0.10, ge=0, le=1, description="Luminance below which a pixel is black.")
    sample_fps: float | None = Field(
        5.0, gt=0, le=120, description="Pictures a second looked at for black; null: every frame."
    )

    def look_s(self) -> float:
        """How far apart the pictures looked at are (0: every frame). An interval's edges are found to
        within this, so a measured interval can come out this much shorter than the black it saw."""
        return 1 / self.sample_fps if self.sample_fps else 0.0


class FrozenCheck(_Check):
    min_duration_s: float = Field(2.0, gt=0, description="Shortest frozen interval reported.")
    noise_db: float = Field(-60.0, le=0, description="Difference below which two frames are the same.")


class SilenceCheck(_Check):
    min_duration_s: float = Field(2.0, gt=0, description="Shortest silent interval reported.")
    noise_db: float = Field(-50.0, le=0, description="Level below which audio is silence.")


class CleanCheck(_Check):
    fps_tolerance: float = Field(0.5, ge=0, description="Decoded vs declared frame rate, frames per second.")


class LoudnessCheck(_Check):
    severity: Severity = "info"
    target_lufs: float | None = Field(
        None, le=0, description="Integrated loudness to demand, e.g. -23 (EBU R128) or -24 (ATSC A/85)."
    )
    tolerance_lu: float = Field(2.0, ge=0, description="Allowed distance from the target, in LU.")


class InterlacedCheck(_Check):
    """Combing: interlaced pictures delivered as progressive. On by default: combing is always a defect
    on a streaming rung, and the measure costs little (idet on the picture's centre, and two line
    comparisons on ``sample_fps`` pictures a second)."""

    min_duration_s: float = Field(1.0, gt=0, description="Shortest combed interval reported.")
    comb_ratio: float = Field(
        1.0,
        gt=0,
        description="Neighbouring lines must differ this many times more than lines two apart "
        "(mean square) for a picture idet calls interlaced to count as combed; progressive "
        "pictures measure 0.3-0.9.",
    )
    sample_fps: float = Field(5.0, gt=0, le=60, description="Pictures a second measured for combing.")


class LetterboxCheck(_Check):
    """Black bars (letterbox, pillarbox, both). Off by default: films wider than 16:9 carry bars of the
    same share as a 16:9 master letterboxed into 4:3, so only a profile that knows its aspect ratio
    can tell a defect; a warning when on."""

    enabled: bool = False
    severity: Severity = "warning"
    max_share: float = Field(0.1, ge=0, lt=1, description="Largest share of the picture the bars may take.")
    pixel_threshold: float = Field(0.10, ge=0, le=1, description="Luminance below which a pixel is black.")
    sample_fps: float = Field(1.0, gt=0, le=60, description="Pictures a second looked at for bars.")


class _PictureScore(_Check):
    """A no-reference score of the picture's centre on ``sample_fps`` pictures a second. Off by
    default: the score follows the content (graphics and test patterns read as blocky, a soft-focus
    shot as blurred), so a profile turns it on for camera-shot programme; a warning when on."""

    enabled: bool = False
    severity: Severity = "warning"
    min_duration_s: float = Field(2.0, gt=0, description="Shortest interval above the score reported.")
    sample_fps: float = Field(2.0, gt=0, le=60, description="Pictures a second scored.")


class BlockinessCheck(_PictureScore):
    max_score: float = Field(
        3.0, gt=0, description="blockdetect score above which a picture is blocky (programme: 1-1.5)."
    )


class BlurCheck(_PictureScore):
    max_score: float = Field(
        8.0, gt=0, description="blurdetect score above which a picture is blurred (programme: 4-6)."
    )


class HdrCheck(_Check):
    """On by default: it reads ffmpeg's description of the stream and one key frame's side data in the
    same pass (no measurable CPU), and an SDR stream ICE calls SDR (or nothing) raises nothing."""

    mastering_display: bool = Field(
        True, description="A PQ (HDR10) stream must carry mastering-display metadata (SMPTE ST 2086)."
    )
    content_light_level: bool = Field(
        True, description="A PQ (HDR10) stream must carry content light level metadata (MaxCLL, MaxFALL)."
    )


class SourceCheck(_Check):
    """Off by default: it decodes the source's window as well (often a mezzanine several times the
    rendition's size and bit rate), a second ffmpeg run that costs more than every other check together,
    and not every media keeps its source. ``playgate probe --source FILE`` turns it on."""

    enabled: bool = False
    min_psnr_db: float = Field(33.0, gt=0, description="Lowest average PSNR (dB) against the source.")
    min_ssim: float = Field(0.93, ge=0, le=1, description="Lowest average SSIM against the source.")


class DecodeChecks(_Strict):
    video_black: BlackCheck = Field(default_factory=BlackCheck, alias="video-black")
    video_frozen: FrozenCheck = Field(default_factory=FrozenCheck, alias="video-frozen")
    audio_silence: SilenceCheck = Field(default_factory=SilenceCheck, alias="audio-silence")
    decode_clean: CleanCheck = Field(default_factory=CleanCheck, alias="decode-clean")
    audio_loudness: LoudnessCheck = Field(default_factory=LoudnessCheck, alias="audio-loudness")
    video_interlaced: InterlacedCheck = Field(default_factory=InterlacedCheck, alias="video-interlaced")
    video_letterbox: LetterboxCheck = Field(default_factory=LetterboxCheck, alias="video-letterbox")
    video_blockiness: BlockinessCheck = Field(default_factory=BlockinessCheck, alias="video-blockiness")
    video_blur: BlurCheck = Field(default_factory=BlurCheck, alias="video-blur")
    video_hdr_signalling: HdrCheck = Field(default_factory=HdrCheck, alias="video-hdr-signalling")
    video_matches_source: SourceCheck = Field(default_factory=SourceCheck, alias="video-matches-source")


Renditions = Literal["lowest-and-highest", "lowest", "highest", "all"]


class DecodeSpec(_Strict):
    """How a profile decodes: used when its ``probe`` is ``decode`` (or ``playgate probe --decode``)."""

    renditions: Renditions = Field("lowest-and-highest", description="Which rungs of the ladder to decode.")
    windows: list[Window] = Field(default_factory=lambda: [Window()], min_length=1, max_length=8)
    checks: DecodeChecks = Field(default_factory=DecodeChecks)
