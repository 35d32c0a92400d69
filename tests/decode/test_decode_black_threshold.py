"""video-black is never more lenient than its threshold: black of ``min_duration_s`` fails whether it runs
to the end of the window or sits inside it, looked for on 5 pictures a second or on every frame.

The clips are made by ffmpeg at 25 fps, so black of 2.04 s is 51 black frames; the black starts on and
off the 0.2 s grid of the samples.
"""

from __future__ import annotations

import pytest
from decode_media import black_clip

from playgate.decode.checks import Declared
from playgate.decode.engine import Target, decode_target
from playgate.decode.spec import DecodeSpec

SAMPLED = {"sample_fps": 5}
EVERY_FRAME = {"sample_fps": None}


def black_finding(tools, path, min_duration_s, how):
    spec = DecodeSpec.model_validate({"checks": {"video-black": {"min_duration_s": min_duration_s, **how}}})
    findings = decode_target(Target(str(path), "file", Declared()), spec, tools, timeout_s=60)
    (black,) = [f for f in findings if f.rule == "video-black"]
    return black


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("black-threshold")


@pytest.mark.parametrize("how", [SAMPLED, EVERY_FRAME], ids=["sampled", "every-frame"])
@pytest.mark.parametrize(
    ("before_s", "black_s", "after_s", "min_duration_s"),
    [
        (0, 2.0, 0, 2),  # black from start to end, exactly the threshold
        (0, 2.04, 0, 2),  # just over it
        (1.16, 2.0, 0, 2),  # black to the end, starting off the sample grid
        (1.08, 2.12, 0, 2.1),  # a threshold that is not a whole number of samples
        (1.16, 2.0, 1, 2),  # inside the window
        (1.08, 2.12, 1, 2.1),
    ],
)
def test_black_as_long_as_the_threshold_fails(tools, folder, how, before_s, black_s, after_s, min_duration_s):
    black = black_finding(tools, black_clip(folder, black_s, before_s, after_s), min_duration_s, how)
    assert black.outcome == "fail", black.message
    (interval,) = black.actual
    slack = 0.2 if how["sample_fps"] else 0.04  # edges are exact to one sample, or to the frame
    assert interval["start_s"] == pytest.approx(before_s, abs=slack + 1e-3)
    assert interval["end_s"] == pytest.approx(before_s + black_s, abs=slack + 1e-3)


@pytest.mark.parametrize("how", [SAMPLED, EVERY_FRAME], ids=["sampled", "every-frame"])
@pytest.mark.parametrize(("before_s", "black_s", "after_s"), [(0, 1.5, 0), (1.16, 1.6, 1), (1.16, 1.6, 0)])
def test_black_a_sample_shorter_than_the_threshold_passes(tools, folder, how, before_s, black_s, after_s):
    black = black_finding(tools, black_clip(folder, black_s, before_s, after_s), 2, how)
    assert black.outcome == "pass", black.message


@pytest.mark.parametrize(("before_s", "after_s"), [(0, 0), (1.16, 0), (1.16, 1)])
def test_on_every_frame_black_one_frame_short_of_the_threshold_passes(tools, folder, before_s, after_s):
    black = black_finding(tools, black_clip(folder, 1.96, before_s, after_s), 2, EVERY_FRAME)
    assert black.outcome == "pass", black.message
