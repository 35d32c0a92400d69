"""Decode: check what viewers see and hear (black, frozen, silent, undecodable, loudness) with ffmpeg.

Kept empty so that the rule-file schema can import ``playgate.decode.spec`` without the rest::

    from playgate.decode.engine import Target, decode_target
    from playgate.decode.ffmpeg import find_tools       # raises FfmpegMissing, clearly, when none runs
    findings = decode_target(Target(url, "rendition[0] 480p", Declared(width=854, height=480)),
                             DecodeSpec(), find_tools(settings.ffmpeg), timeout_s=20, deadline=deadline)

Modules: spec (the rule file's ``decode:`` block), ffmpeg (finding and running it), command (the command
line), parse (reading its output: the results and the streams), checks (findings), ffprobe (local files'
media model; a duration when a window must be placed), engine (windows of one rendition, in the deadline),
colour and hdr (HDR signalling), compare (a rendition against its source), parallel (renditions side by
side, as many as the cores and memory allow).
"""
