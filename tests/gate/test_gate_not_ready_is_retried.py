"""A media ICE is still preparing is asked for again, until PLAYGATE_NOT_READY_MAX_AGE_S after its event."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from playgate.events import sign_http_callback
from playgate.testing import sample_catalog_path
from playgate.testing.sample_events import callback, http_callback_trigger

PREPARING = "media-preparing"
CALLBACK_URL = "https://qc-gate.example.com/ice/callback"


def register_event(age: timedelta, job: str = "job-prep-1") -> dict:
    event = callback("RegisterMediaComplete", job, PREPARING)
    event["EventTime"] = (datetime.now(timezone.utc) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def ready_now(world) -> None:
    """ICE finishes preparing the media: status Normal, and the catalog ladder's renditions."""
    media = json.loads((sample_catalog_path() / f"{PREPARING}.media.json").read_text(encoding="utf-8"))
    play = json.loads((sample_catalog_path() / "media-ladder-ok.play.json").read_text(encoding="utf-8"))
    media["MediaInfo"]["MediaBasicInfo"]["Status"] = "Normal"
    play["MediaBase"].update(MediaId=PREPARING, Status="Normal")
    for rendition in play["PlayInfoList"]:
        rendition["Duration"] = "95.0"
    world.emulator.add_media(PREPARING, media, play)


def test_a_young_event_for_a_preparing_media_asks_for_redelivery_and_publishes_nothing(world):
    summary = world.send(register_event(timedelta(minutes=2)))

    assert summary["retry"] is True
    [result] = summary["results"]
    assert (result["status"], result["reason"]) == ("retry", "media_still_preparing")
    assert world.messages("alerts") == world.messages("playback") == []


def test_the_redelivery_after_ice_finished_preparing_publishes_playback_ready(world):
    event = register_event(timedelta(minutes=2))
    assert world.send(event)["retry"] is True
    ready_now(world)

    summary = world.send(event)

    assert "retry" not in summary and summary["results"][0]["status"] == "published"
    [message] = world.messages("playback")
    assert message["type"] == "playgate.playback.ready" and message["subject"] == PREPARING
    assert world.messages("alerts") == []


def test_an_event_older_than_the_max_age_alerts_media_not_ready(world):
    world.send(register_event(timedelta(hours=2)))

    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "media_not_ready"
    assert "Preparing" in alert["data"]["error"]["message"]


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (timedelta(hours=2), "2 h"),
        (timedelta(days=946, hours=3), "946 days"),
        (timedelta(minutes=70), "70 min"),
    ],
)
def test_the_alert_says_how_late_in_units_people_use(world, age, said):
    world.send(register_event(age))

    [alert] = world.messages("alerts")
    assert f"has status 'Preparing' {said} after its event" in alert["data"]["error"]["message"]


@pytest.mark.parametrize(("age_s", "retried"), [(30, True), (90, False)])
def test_the_max_age_is_a_setting(make_world, age_s, retried):
    world = make_world(not_ready_max_age_s=60)
    summary = world.send(register_event(timedelta(seconds=age_s)))

    assert summary.get("retry", False) is retried
    assert len(world.messages("alerts")) == (0 if retried else 1)


def test_a_status_that_does_not_end_by_itself_alerts_at_once(world):
    media = json.loads((sample_catalog_path() / f"{PREPARING}.media.json").read_text(encoding="utf-8"))
    media["MediaInfo"]["MediaBasicInfo"]["Status"] = "PrepareFail"
    world.emulator.add_media(PREPARING, media, None)

    world.send(register_event(timedelta(seconds=5)))

    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "media_not_ready"


def test_an_http_callback_is_not_redelivered_later_so_it_alerts_at_once(make_world):
    world = make_world(callback_auth_key="ice-auth-key", callback_url=CALLBACK_URL)
    now = int(time.time())
    trigger = http_callback_trigger(
        register_event(timedelta(minutes=2)),
        timestamp=now,
        signature=sign_http_callback(CALLBACK_URL, now, "ice-auth-key"),
        request_id="req-prep",
    )
    summary = world.send(trigger)

    assert "retry" not in summary
    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "media_not_ready"
