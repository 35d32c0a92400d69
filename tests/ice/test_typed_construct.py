"""playgate.typed.construct: a model from already-typed values, equal to what validation builds."""

from __future__ import annotations

import pytest

from playgate.ice.model import MediaFile, Rendition, VideoStream
from playgate.rules.report import Finding
from playgate.typed import construct


def test_equals_validation_and_fills_defaults():
    built = construct(Rendition, width=1280, height=720, play_url="https://cdn.example.com/a.m3u8")
    assert built == Rendition.model_validate(built.model_dump(), strict=True)
    assert built == Rendition(width=1280, height=720, play_url="https://cdn.example.com/a.m3u8")
    assert built.model_fields_set == {"width", "height", "play_url"} and built.fps is None


def test_default_factories_give_each_model_its_own_list():
    one, two = construct(MediaFile), construct(MediaFile)
    one.video_streams.append(construct(VideoStream, width=1))
    assert two.video_streams == [] and one.extra is not two.extra


def test_a_value_for_no_field_is_refused():
    with pytest.raises(TypeError, match="Rendition has no field colour"):
        construct(Rendition, width=1, colour="red")


def test_findings_dump_like_validated_ones():
    values = dict(rule="r", severity="error", outcome="fail", subject="media", check="media.status",
                  actual="Failed", expected="= Normal", message="m", source=None, error=None)  # fmt: skip
    assert construct(Finding, **values).model_dump(mode="json") == Finding(**values).model_dump(mode="json")
