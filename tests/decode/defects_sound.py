"""The corpus's sound defects (see defects.py): each the reference with exactly one fault.

A fault that breaks more than one rule says so: clipping at full scale is also a true peak over
-1 dBTP and far too loud for EBU R128, and a transient over -1 dBTP breaks R128's true-peak ceiling.
"""

from __future__ import annotations

from defects import Defect, clip

# A 2 ms burst of 1 kHz at 0.93 of full scale in place of the programme at 3 s: too short to change the
# loudness, its true peak over -1 dBTP, no sample at full scale.
CLICK = "aeval='if(between(t\\,3\\,3.002)\\,0.93*sin(2*PI*1000*t)\\,val(ch))':c=same"

DEFECTS: list[Defect] = [
    Defect(
        "clipped",
        "the programme 12 dB louder, hard-clipped at full scale (asoftclip=type=hard)",
        frozenset({"audio-clipping", "audio-true-peak", "audio-loudness"}),
        lambda folder: clip(folder, "clipped", audio="volume=4,asoftclip=type=hard"),
    ),
    Defect(
        "true-peak-over",
        "a 2 ms tone burst at 0.93 of full scale at 3 s (aeval): true peak about -0.6 dBTP",
        frozenset({"audio-true-peak", "audio-loudness"}),
        lambda folder: clip(folder, "true-peak-over", audio=CLICK),
    ),
    Defect(
        "too-loud-for-r128",
        "the programme 7 dB louder (-16 LUFS) with a limiter keeping its peaks at -4 dBFS (alimiter)",
        frozenset({"audio-loudness"}),
        lambda folder: clip(folder, "too-loud", audio="volume=2.24,alimiter=limit=0.6:level=0"),
    ),
    Defect(
        "one-channel-mute",
        "the right channel mute, the left 3 dB louder so the loudness stays -23 LUFS (pan)",
        frozenset({"audio-channel-mute"}),
        lambda folder: clip(folder, "one-channel-mute", audio="pan=stereo|c0=1.41*c0|c1=0*c1"),
    ),
    Defect(
        "phase-inverted",
        "the right channel inverted (pan, c1=-1*c1): the pair partly cancels in mono",
        frozenset({"audio-phase-inverted"}),
        lambda folder: clip(folder, "phase-inverted", audio="pan=stereo|c0=c0|c1=-1*c1"),
    ),
    Defect(
        "audio-ends-early",
        "the sound cut 2 s before the picture ends (atrim=end=4)",
        frozenset({"audio-sync"}),
        lambda folder: clip(folder, "audio-ends-early", audio="atrim=end=4"),
    ),
    Defect(
        "audio-starts-late",
        "the sound's timestamps 1 s late (asetpts=PTS+1/TB): the track starts 1 s after the picture",
        frozenset({"audio-sync"}),
        lambda folder: clip(folder, "audio-starts-late", audio="asetpts=PTS+1/TB"),
    ),
]
