"""The corpus's picture defects (see defects.py): each the reference with exactly one fault."""

from __future__ import annotations

from defects import AAC, Defect, clip

# A 50p pan (the reference's, with a 256 pixels a second scroll: a moderate camera pan) woven two
# pictures into one, so each frame carries two fields from different instants.
WOVEN = "scroll=h=0.008,interlace=scan=tff"
MPEG2_STARVED = ["-c:v", "mpeg2video", "-qscale:v", "31", "-g", "12", *AAC]

DEFECTS: list[Defect] = [
    Defect(
        "interlaced",
        "a 50p pan woven into 25 interlaced frames a second (interlace, top field first) and encoded as "
        "progressive x264, so the combing is in the pixels",
        frozenset({"video-interlaced"}),
        lambda folder: clip(folder, "interlaced", video=WOVEN, rate=50),
    ),
    Defect(
        "letterbox",
        "a 16:9 picture letterboxed into 4:3 with pad (640x360 in 640x480: 60 px bars above and below)",
        frozenset({"video-letterbox"}),
        lambda folder: clip(folder, "letterbox", video="pad=640:480:0:60"),
    ),
    Defect(
        "pillarbox",
        "bars burned into a 16:9 picture with pad (a 480x360 picture in 640x360: 80 px each side)",
        frozenset({"video-letterbox"}),
        lambda folder: clip(folder, "pillarbox", size=(480, 360), video="pad=640:360:80:0"),
    ),
    Defect(
        "blocky",
        "an encode starved of bits: MPEG-2 at the coarsest quantiser (qscale 31)",
        frozenset({"video-blockiness"}),
        lambda folder: clip(folder, "blocky", encode=MPEG2_STARVED),
    ),
    Defect(
        "scaled",
        "a scaler gone wrong: scaled down to an eighth (80x46) and back up to 640x360",
        frozenset({"video-blur"}),
        lambda folder: clip(folder, "scaled", video="scale=80:46,scale=640:360"),
    ),
    Defect(
        "blurred",
        "a strong blur before encoding (gblur sigma 4)",
        frozenset({"video-blur"}),
        lambda folder: clip(folder, "blurred", video="gblur=sigma=4"),
    ),
]
