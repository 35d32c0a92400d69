"""``playgate rules check`` names a saved response passed with the wrong option instead of judging it."""

from __future__ import annotations

import pytest
from cli_helpers import ROOT, one_line_on_stderr, playgate

ICE = ROOT / "tests" / "fixtures" / "ice"


@pytest.mark.parametrize(
    ("option", "file", "said"),
    [
        ("--media", "GetPlayInfo.json", "is a GetPlayInfo response (it has PlayInfoList), not GetMediaInfo"),
        ("--media", "ListMediaInfoJobs.json", "is a ListMediaInfoJobs response (it has Jobs[])"),
    ],
)
def test_a_response_given_as_the_wrong_one_is_named_and_exits_2(option, file, said):
    done = playgate("rules", "check", option, str(ICE / file))
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert said in line and done.stdout == ""


def test_a_body_that_is_no_ice_response_is_refused(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    done = playgate("rules", "check", "--media", str(other))
    assert done.returncode == 2
    assert "does not look like a GetMediaInfo response (top-level keys: hello)" in one_line_on_stderr(done)
