"""Decode: check what viewers see and hear (black, frozen, silent, undecodable, loudness) with ffmpeg.

tools = find_tools(settings.ffmpeg)                  # raises FfmpegMissing, clearly, when none runs
findings = decode_target(Target(url, "rendition[0] 480p", Declared(width=854, height=480)),
                         DecodeSpec(), tools, timeout_s=20, deadline=deadline)
"""

from playgate.decode.checks import Declared
from playgate.decode.engine import Target, bare_url, decode_target, pick
from playgate.decode.ffmpeg import FfmpegMissing, Tools, find_tools, strip_queries
from playgate.decode.spec import DecodeSpec, Window

__all__ = [
    "Declared",
    "DecodeSpec",
    "FfmpegMissing",
    "Target",
    "Tools",
    "Window",
    "bare_url",
    "decode_target",
    "find_tools",
    "pick",
    "strip_queries",
]
