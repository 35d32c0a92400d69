"""The ``decode:`` block of a rule-file profile: windows, which renditions, and each check's settings.

Defaults follow the issue and the broadcast QC tools: black, frozen and silent intervals of 2 s or more
fail; silence is below -50 dB; loudness is recorded only unless the profile sets a target.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


# Loudness presets: integrated target (LUFS), tolerance (LU), true-peak ceiling (dBTP).
LOUDNESS_PRESETS: dict[str, tuple[float, float, float]] = {
    "ebu-r128": (-23.0, 1.0, -1.0),  # EBU R128 (2023): -23 LUFS ± 1 LU for live-like programmes, -1 dBTP
    "atsc-a85": (-24.0, 2.0, -2.0),  # ATSC A/85: -24 LKFS ± 2 dB, -2 dBTP
    "streaming-14": (-14.0, 1.0, -1.0),  # the loudest streaming targets (YouTube, Spotify): -14, -1 dBTP
    "streaming-16": (-16.0, 1.0, -1.0),  # AES TD1008 / Apple: -16, -1 dBTP
}
LoudnessPreset = Literal["ebu-r128", "atsc-a85", "streaming-14", "streaming-16"]


class LoudnessCheck(_Check):
    """Recorded only (info) unless a target or a preset is set. A preset fills ``target_lufs``,
    ``tolerance_lu`` and ``max_true_peak_dbtp``; a value written beside it wins."""

    severity: Severity = "info"
    preset: LoudnessPreset | None = Field(
        None, description="ebu-r128, atsc-a85, streaming-14 or streaming-16: target, tolerance and peak."
    )
    target_lufs: float | None = Field(
        None, le=0, description="Integrated loudness to demand, e.g. -23 (EBU R128) or -24 (ATSC A/85)."
    )
    tolerance_lu: float = Field(2.0, ge=0, description="Allowed distance from the target, in LU.")
    max_true_peak_dbtp: float | None = Field(
        None, le=0, description="Highest true peak allowed (dBTP); null: not judged."
    )

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("preset") in LOUDNESS_PRESETS:
            target, tolerance, peak = LOUDNESS_PRESETS[data["preset"]]
            filled = {"target_lufs": target, "tolerance_lu": tolerance, "max_true_peak_dbtp": peak}
            return {**filled, **data}
        return data


class TruePeakCheck(_Check):
    """Off by default: true peak oversamples the sound 4x (≈ 0.03 s CPU per 10 s of stereo)."""

    enabled: bool = False
    max_dbtp: float = Field(-1.0, le=3, description="Highest true peak allowed, dBTP.")


class ClippingCheck(_Check):
    """On, as a warning: it reads the same levels as the channel checks (no extra filter), and a hot
    master whose codec overshoot reaches full scale is worth a look but not always a rejection."""

    severity: Severity = "warning"
    level_dbfs: float = Field(-0.1, le=0, description="Sample level counted as full scale, dBFS.")


class ChannelMuteCheck(_Check):
    """On, as an error: a channel with nothing while the other plays is a fault, never a mix choice,
    and it costs nothing beyond the levels branch's peaks."""

    min_duration_s: float = Field(2.0, gt=0, description="Shortest mute stretch reported.")
    mute_db: float = Field(-60.0, le=0, description="Peak level (per 100 ms) below which a channel is mute.")
    programme_db: float = Field(
        -45.0, le=0, description="Peak level the other channel keeps over the stretch: it carries programme."
    )


class PhaseCheck(_Check):
    """A warning: the correlation of real programme varies, and a wide mix can dip below zero."""

    severity: Severity = "warning"
    min_correlation: float = Field(
        -0.2, ge=-1, le=1, description="Lowest correlation of the pair allowed over min_duration_s."
    )
    min_duration_s: float = Field(2.0, gt=0, description="Span over which the correlation is measured.")
    programme_db: float = Field(-45.0, le=0, description="RMS level below which the pair is not judged.")


class SyncCheck(_Check):
    """On, as an error: half a second of a picture without its sound at the start (or a second at the
    end) is what viewers notice, and the times come free with the levels branch. A window judges only
    what it holds: the start in a window from 0 s, the end in a window that reaches the media's end."""

    max_start_offset_s: float = Field(
        0.5, ge=0, description="Audio starting this much after (or before) the video's first frame."
    )
    max_end_gap_s: float = Field(
        1.0, ge=0, description="Audio ending this much before (or after) the video's last frame."
    )


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
    audio_true_peak: TruePeakCheck = Field(default_factory=TruePeakCheck, alias="audio-true-peak")
    audio_clipping: ClippingCheck = Field(default_factory=ClippingCheck, alias="audio-clipping")
    audio_channel_mute: ChannelMuteCheck = Field(default_factory=ChannelMuteCheck, alias="audio-channel-mute")
    audio_phase: PhaseCheck = Field(default_factory=PhaseCheck, alias="audio-phase-inverted")
    audio_sync: SyncCheck = Field(default_factory=SyncCheck, alias="audio-sync")


Renditions = Literal["lowest-and-highest", "lowest", "highest", "all"]


class DecodeSpec(_Strict):
    """How a profile decodes: used when its ``probe`` is ``decode`` (or ``playgate probe --decode``)."""

    renditions: Renditions = Field("lowest-and-highest", description="Which rungs of the ladder to decode.")
    windows: list[Window] = Field(default_factory=lambda: [Window()], min_length=1, max_length=8)
    checks: DecodeChecks = Field(default_factory=DecodeChecks)
