"""Issue 22, the verdict takes effect in ICE: ice://block and ice://tag through the real handler, the
emulator over HTTP and the SQLite store. A failing media ends up Blocked and tagged qc-fail; re-transcoded
and passing, it is set Normal and tagged qc-pass; a block a person made is left alone; a redelivery
changes nothing more; a refused permission does not use up the event."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from playgate.testing import sample_catalog_path
from playgate.testing.sample_events import callback

BROKEN = "media-broken-rendition"
LADDER = "media-ladder-ok"
ICE = "ice://block,ice://tag"
WRITES = ("CreateAudit", "UpdateMediaInfo", "AddMediaMarks")


@pytest.fixture
def world(make_world, tmp_path):
    return make_world(
        alert_sink=f"jsonl://{tmp_path / 'alerts.jsonl'},{ICE}",
        playback_sink=f"jsonl://{tmp_path / 'playback.jsonl'},{ICE}",
        log_level="warning",
    )


@pytest.fixture
def sdk(emulator_server):
    """The official SDK on the same emulator: what a person does in the ICE console."""
    from alibabacloud_ice20201109.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    from playgate.testing.http_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

    endpoint = emulator_server.url.split("://", 1)[1]
    config = Config(
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret=TEST_ACCESS_KEY_SECRET,
        endpoint=endpoint,
        protocol="http",
    )
    return Client(config)


def writes(emulator) -> list[tuple[str, dict]]:
    return [(c.action, c.params) for c in emulator.calls if c.action in WRITES]


def retranscode(emulator, media_id: str) -> None:
    """The media is produced again, now as good as the ladder sample (same media id, same tags)."""
    catalog = sample_catalog_path()
    info = json.loads((catalog / f"{LADDER}.media.json").read_text())
    play = json.loads((catalog / f"{LADDER}.play.json").read_text())
    info = json.loads(json.dumps(info).replace(LADDER, media_id))
    play = json.loads(json.dumps(play).replace(LADDER, media_id))
    emulator.add_media(media_id, info, copy.deepcopy(play))


def test_a_failing_media_is_blocked_with_its_failing_rules_and_tagged_beside_the_others_tags(world):
    summary = world.send(callback("MediaConvertComplete", "job-wb-1", BROKEN))
    assert summary["results"][0]["status"] == "published", summary
    [alert] = world.messages("alerts")
    failing = list(dict.fromkeys(f["rule"] for f in alert["data"]["findings"] if f["outcome"] == "fail"))

    audit = world.emulator.audit(BROKEN)
    assert audit["Status"] == "Blocked"
    assert audit["Reason"] == ",".join(failing)
    assert "\n" not in audit["Comment"] and alert["data"]["profile"] in audit["Comment"]
    assert len(audit["Comment"].encode()) <= 512
    profile = alert["data"]["profile"]
    assert world.emulator.tags(BROKEN) == ["playgate", "sample", "qc-fail", f"qc-profile-{profile}"]
    [tagging] = [p for a, p in writes(world.emulator) if a == "UpdateMediaInfo"]
    assert tagging["AppendTags"] == "true"  # nothing of playgate's to replace: appended

    verdict = world.runtime.gate.ledger.verdict_history(BROKEN)[0]
    assert verdict.report["sinks"] == {
        world.runtime.publisher.sink("alert_sink", url).url: "delivered"
        for url in (f"jsonl://{world.folder / 'alerts.jsonl'}", "ice://block", "ice://tag")
    }


def test_a_retranscoded_media_that_passes_is_unblocked_and_its_verdict_tag_replaced(world):
    world.send(callback("MediaConvertComplete", "job-wb-2a", BROKEN))
    assert world.emulator.audit(BROKEN)["Status"] == "Blocked"

    retranscode(world.emulator, BROKEN)
    summary = world.send(callback("MediaConvertComplete", "job-wb-2b", BROKEN))
    assert summary["results"][0]["message_type"] == "playgate.playback.ready", summary
    [ready] = world.messages("playback")
    outcome, profile = ready["data"]["qc"]["outcome"], ready["data"]["qc"]["profile"]

    assert world.emulator.audit(BROKEN)["Status"] == "Normal"
    tags = world.emulator.tags(BROKEN)
    assert tags[:2] == ["playgate", "sample"]  # the others' tags, where they were
    assert sorted(tags[2:]) == sorted([f"qc-{outcome}", f"qc-profile-{profile}"])
    last = [p for a, p in writes(world.emulator) if a == "UpdateMediaInfo"][-1]
    assert last["AppendTags"] == "false"  # qc-fail had to go: the whole list, the others' tags kept


def test_a_block_a_person_made_is_never_lifted_by_playgate(world, sdk):
    from alibabacloud_ice20201109 import models

    human = [{"MediaId": BROKEN, "Status": "Blocked", "Reason": "rights", "Comment": "legal hold"}]
    sdk.create_audit(models.CreateAuditRequest(audit_content=json.dumps(human)))

    world.send(callback("MediaConvertComplete", "job-wb-3a", BROKEN))  # fails: already blocked, left
    assert world.messages("alerts") and world.emulator.audit(BROKEN)["Reason"] == "rights"
    retranscode(world.emulator, BROKEN)
    world.send(callback("MediaConvertComplete", "job-wb-3b", BROKEN))  # passes: not playgate's block

    assert world.messages("playback")
    assert world.emulator.audit(BROKEN) == {"Status": "Blocked", "Reason": "rights", "Comment": "legal hold"}
    assert [a for a, _ in writes(world.emulator)].count("CreateAudit") == 1  # the person's only


def test_a_pass_of_a_media_nobody_blocked_writes_no_audit(world):
    world.send(callback("MediaConvertComplete", "job-wb-4", LADDER))
    assert world.messages("playback")
    assert world.emulator.audit(LADDER) is None
    assert [a for a, _ in writes(world.emulator)] == ["UpdateMediaInfo"]


def test_a_redelivery_after_a_failed_sink_changes_nothing_more_in_ice(world):
    event = callback("MediaConvertComplete", "job-wb-5", BROKEN)
    world.emulator.inject("5xx", rate=1.0, seed=5, actions=["UpdateMediaInfo"])
    assert world.send(event).get("retry") is True  # block delivered, tag kept failing: redelivered
    assert [a for a, _ in writes(world.emulator)].count("CreateAudit") == 1
    assert "qc-fail" not in world.emulator.tags(BROKEN)

    world.emulator.clear_faults()
    assert world.send(event)["results"][0]["status"] == "published"
    done = writes(world.emulator)
    assert [a for a, _ in done].count("CreateAudit") == 1  # the block's delivery was recorded
    assert "qc-fail" in world.emulator.tags(BROKEN)

    assert world.send(event)["results"][0]["status"] == "duplicate"
    world.send(callback("MediaConvertComplete", "job-wb-5", BROKEN))
    assert writes(world.emulator) == done
    assert world.emulator.audit(BROKEN)["Status"] == "Blocked"


def test_ice_throttling_is_retried_within_the_invocation(world):
    world.emulator.inject("throttling", next_n=2, actions=["CreateAudit"])
    assert world.send(callback("MediaConvertComplete", "job-wb-6", BROKEN))["results"][0]["status"] == (
        "published"
    )
    assert world.emulator.audit(BROKEN)["Status"] == "Blocked"
    assert len(world.emulator.calls_to("CreateAudit")) == 3


def test_a_refused_permission_names_the_action_and_does_not_use_up_the_event(world, capsys):
    event = callback("MediaConvertComplete", "job-wb-7", BROKEN)
    world.emulator.inject("403", rate=1.0, seed=7, actions=["CreateAudit"])
    [result] = world.send(event)["results"]
    assert result["status"] != "published" and result["reason"] == "access_denied"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [refused] = [line for line in lines if line.get("event") == "message.not_sent"]
    assert refused["sink"] == "ice://block" and "ice:CreateAudit" in refused["error"]
    assert world.runtime.gate.ledger.verdict_history(BROKEN) == []  # nothing was decided for good
    assert world.emulator.audit(BROKEN) is None

    world.emulator.clear_faults()  # the operator grants ice:CreateAudit; the event comes again
    assert world.send(event)["results"][0]["status"] == "published"
    assert world.emulator.audit(BROKEN)["Status"] == "Blocked"


def test_a_config_or_job_error_alert_blocks_nothing(world):
    world.send(callback("MediaConvertComplete", "job-wb-8", BROKEN, status="Fail", error=("E1", "boom")))
    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "job_failed"
    assert writes(world.emulator) == [] and world.emulator.audit(BROKEN) is None


@pytest.mark.parametrize("store", ["redis", "postgresql"])
def test_playgates_own_block_is_remembered_in_the_redis_and_postgresql_stores_too(
    make_world, tmp_path, request, store
):
    if store == "redis":
        url = f"{request.getfixturevalue('redis_url')}?prefix=wb-{uuid.uuid4().hex}:"
    else:
        url = request.getfixturevalue("postgresql_url")
    world = make_world(
        store=url,
        alert_sink=f"jsonl://{tmp_path / 'alerts.jsonl'},{ICE}",
        playback_sink=f"jsonl://{tmp_path / 'playback.jsonl'},{ICE}",
    )
    world.send(callback("MediaConvertComplete", f"job-wb-{store}-a", BROKEN))
    assert world.emulator.audit(BROKEN)["Status"] == "Blocked"
    retranscode(world.emulator, BROKEN)
    world.send(callback("MediaConvertComplete", f"job-wb-{store}-b", BROKEN))
    assert world.emulator.audit(BROKEN)["Status"] == "Normal"
