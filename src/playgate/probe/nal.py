"""H.264 and HEVC bitstreams: the kind of a picture, and what a sequence parameter set (SPS) declares.

Hostile input: every read is bounded by the bytes given; a field past their end, or an Exp-Golomb code
longer than 32 bits, raises ``Truncated`` (callers treat it as "unknown", never as a finding).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

AVC, HEVC = "avc", "hevc"
AVC_SPS, AVC_IDR = 7, 5
HEVC_SPS = 33
HEVC_IRAP = range(16, 24)  # BLA, IDR, CRA and the reserved IRAP types (H.265 7.4.2.2)
# profiles whose SPS carries chroma format, bit depths and scaling matrices (H.264 7.3.2.1.1)
_AVC_HIGH = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}
MAX_NALS = 64  # NAL units looked at in one access unit


def plausible_fps(fps: float) -> float | None:
    """A frame rate, or None when no video runs at it (a time base read as a rate)."""
    return fps if 1 <= fps <= 300 else None


class Truncated(ValueError):
    pass


@dataclass(frozen=True)
class VideoFormat:
    codec: str  # AVC or HEVC
    profile: int  # profile_idc
    constraints: int  # H.264: the constraint_set flags byte; HEVC: the tier (0 Main, 1 High)
    level: int  # level_idc
    width: int  # after cropping (the conformance window)
    height: int
    fps: float | None = None  # from the VUI's timing info, when the SPS has it

    def codec_string(self) -> str:
        """As RFC 6381 spells it: avc1.PPCCLL, hvc1.P.…L|H<level>."""
        if self.codec == AVC:
            return f"avc1.{self.profile:02x}{self.constraints:02x}{self.level:02x}"
        return f"hvc1.{self.profile}.{'H' if self.constraints else 'L'}{self.level}"


class BitReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0  # in bits

    def u(self, bits: int) -> int:
        value = 0
        for _ in range(bits):
            byte = self.position >> 3
            if byte >= len(self.data):
                raise Truncated("read past the end")
            value = (value << 1) | ((self.data[byte] >> (7 - (self.position & 7))) & 1)
            self.position += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise Truncated("an Exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


def unescape(nal: bytes) -> bytes:
    """The RBSP: emulation prevention bytes (00 00 03) removed."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00") if b"\x00\x00\x03" in nal else nal


def nal_type(codec: str, nal: bytes) -> int | None:
    if not nal:
        return None
    return nal[0] & 0x1F if codec == AVC else (nal[0] >> 1) & 0x3F


def is_picture(codec: str, kind: int) -> bool:
    """A VCL NAL unit: a slice of a coded picture."""
    return 1 <= kind <= 5 if codec == AVC else kind < 32


def is_switch_point(codec: str, kind: int) -> bool:
    """A picture a player can start decoding at: IDR (H.264), IRAP (HEVC)."""
    return kind == AVC_IDR if codec == AVC else kind in HEVC_IRAP


def annex_b(data: bytes) -> Iterator[bytes]:
    """NAL units of an Annex B byte stream (start codes 00 00 01), at most MAX_NALS."""
    starts: list[int] = []
    at = data.find(b"\x00\x00\x01")
    while at >= 0 and len(starts) <= MAX_NALS:
        starts.append(at + 3)
        at = data.find(b"\x00\x00\x01", at + 3)
    for i, start in enumerate(starts[:MAX_NALS]):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        yield data[start:end].rstrip(b"\x00") if i + 1 < len(starts) else data[start:end]


def length_prefixed(data: bytes, size: int) -> Iterator[bytes]:
    """NAL units of a sample (each after a ``size``-byte length), at most MAX_NALS; a cut one is kept
    as far as it goes (its header is what matters)."""
    at = 0
    for _ in range(MAX_NALS):
        if at + size > len(data) or size not in (1, 2, 4):
            return
        length = int.from_bytes(data[at : at + size], "big")
        if length == 0:
            return
        yield data[at + size : at + size + length]
        at += size + length


def parse_sps(codec: str, nal: bytes) -> VideoFormat:
    """What an SPS NAL unit (with its header) declares; raises ``Truncated`` on a cut or bad one."""
    if codec == AVC:
        return _avc_sps(BitReader(unescape(nal[1:])))
    return _hevc_sps(BitReader(unescape(nal[2:])))


def _avc_sps(bits: BitReader) -> VideoFormat:
    profile, constraints, level = bits.u(8), bits.u(8), bits.u(8)
    bits.ue()  # seq_parameter_set_id
    chroma = 1
    if profile in _AVC_HIGH:
        chroma = bits.ue()
        if chroma == 3:
            bits.u(1)  # separate_colour_plane_flag
        bits.ue(), bits.ue(), bits.u(1)  # bit depths, qpprime_y_zero_transform_bypass_flag
        if bits.u(1):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma != 3 else 12):
                if bits.u(1):
                    _skip_scaling_list(bits, 16 if i < 6 else 64)
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.u(1), bits.se(), bits.se()
        for _ in range(min(bits.ue(), 255)):
            bits.se()
    bits.ue(), bits.u(1)  # max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
    width_mbs, height_units = bits.ue() + 1, bits.ue() + 1
    frame_mbs_only = bits.u(1)
    if not frame_mbs_only:
        bits.u(1)  # mb_adaptive_frame_field_flag
    bits.u(1)  # direct_8x8_inference_flag
    crop = [bits.ue() for _ in range(4)] if bits.u(1) else [0, 0, 0, 0]
    unit_x = 2 if chroma in (1, 2) else 1
    unit_y = (2 if chroma == 1 else 1) * (2 - frame_mbs_only)
    width = width_mbs * 16 - unit_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_units * 16 - unit_y * (crop[2] + crop[3])
    fps = _avc_vui_fps(bits) if bits.u(1) else None
    return VideoFormat(AVC, profile, constraints, level, width, height, fps)


def _skip_scaling_list(bits: BitReader, size: int) -> None:
    last = following = 8
    for _ in range(size):
        if following:
            following = (last + bits.se() + 256) % 256
        last = following or last


def _avc_vui_fps(bits: BitReader) -> float | None:
    """The frame rate from the VUI's timing info (H.264 E.1.1), or None."""
    if bits.u(1) and bits.u(8) == 255:  # aspect_ratio_info_present_flag, aspect_ratio_idc: Extended_SAR
        bits.u(32)
    if bits.u(1):  # overscan_info_present_flag
        bits.u(1)
    if bits.u(1):  # video_signal_type_present_flag
        bits.u(4)
        if bits.u(1):
            bits.u(24)
    if bits.u(1):  # chroma_loc_info_present_flag
        bits.ue(), bits.ue()
    if not bits.u(1):  # timing_info_present_flag
        return None
    units, scale, fixed = bits.u(32), bits.u(32), bits.u(1)
    # without fixed_frame_rate_flag the tick is a time base, not the frame rate
    return plausible_fps(scale / (2 * units)) if units and scale and fixed else None


def _hevc_sps(bits: BitReader) -> VideoFormat:
    bits.u(4)  # sps_video_parameter_set_id
    sub_layers = bits.u(3)
    bits.u(1)
    bits.u(2)  # general_profile_space
    tier, profile = bits.u(1), bits.u(5)
    bits.u(32), bits.u(48)  # compatibility and constraint flags
    level = bits.u(8)
    present = [(bits.u(1), bits.u(1)) for _ in range(sub_layers)]
    if sub_layers:
        bits.u(2 * (8 - sub_layers))
    for profile_present, level_present in present:
        bits.u(88 if profile_present else 0)
        bits.u(8 if level_present else 0)
    bits.ue()  # sps_seq_parameter_set_id
    chroma = bits.ue()
    if chroma == 3:
        bits.u(1)
    width, height = bits.ue(), bits.ue()
    if bits.u(1):  # conformance_window_flag
        left, right, top, bottom = (bits.ue() for _ in range(4))
        width -= (2 if chroma in (1, 2) else 1) * (left + right)
        height -= (2 if chroma == 1 else 1) * (top + bottom)
    return VideoFormat(HEVC, profile, tier, level, width, height)
