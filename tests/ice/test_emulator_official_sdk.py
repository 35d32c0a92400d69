"""The official generated ICE SDK client, unchanged, against the emulator over real HTTP."""

from __future__ import annotations

import json

import pytest
import requests
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from playgate.testing.http_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET


@pytest.fixture
def sdk(catalog_server) -> Client:
    endpoint = catalog_server.url.split("://", 1)[1]
    config = Config(
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret=TEST_ACCESS_KEY_SECRET,
        endpoint=endpoint,
        protocol="http",
    )
    return Client(config)


def test_sdk_get_media_info_and_get_play_info(sdk):
    media = sdk.get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")).body
    assert media.media_info.media_id == "media-ladder-ok"
    assert media.media_info.file_info_list[0].video_stream_info_list[0].codec_name == "h264"
    play = sdk.get_play_info(ice_models.GetPlayInfoRequest(media_id="media-ladder-ok")).body
    assert sorted(p.definition for p in play.play_info_list) == ["FHD", "HD", "HD", "SD"]
    assert play.request_id


def test_sdk_walks_all_pages_of_list_media_info_jobs(sdk, catalog_emulator):
    request = ice_models.ListMediaInfoJobsRequest(
        start_of_create_time="2024-05-01T00:00:00Z",
        end_of_create_time="2024-05-02T00:00:00Z",
        page_size=7,
        order_by="CreateTimeAsc",
    )
    seen, pages = [], 0
    while True:
        body = sdk.list_media_info_jobs(request).body
        pages += 1
        seen += [job.job_id for job in body.jobs]
        if not body.next_page_token:
            break
        request.next_page_token = body.next_page_token
    assert pages == 6 and len(seen) == 36 == len(set(seen))
    submit = {j["JobId"]: j["SubmitTime"] for j in catalog_emulator.jobs}
    assert [submit[j] for j in seen] == sorted(submit.values())


def test_sdk_list_filters_by_status_and_job_id(sdk, catalog_emulator):
    failed = sdk.list_media_info_jobs(ice_models.ListMediaInfoJobsRequest(status="Fail", page_size=100)).body
    assert {j.status for j in failed.jobs} == {"Fail"} and len(failed.jobs) == 5
    one = catalog_emulator.jobs[3]["JobId"]
    body = sdk.list_media_info_jobs(ice_models.ListMediaInfoJobsRequest(job_id=one)).body
    assert [j.job_id for j in body.jobs] == [one]


def test_sdk_gets_ice_error_json_for_an_unknown_media(sdk):
    with pytest.raises(Exception) as info:
        sdk.get_media_info_with_options(
            ice_models.GetMediaInfoRequest(media_id="nope"), RuntimeOptions(autoretry=False)
        )
    assert getattr(info.value, "code", None) == "ResourceNotFound"
    assert info.value.status_code == 404
    assert {"RequestId", "HostId", "Code", "Message", "Recommend"} <= set(info.value.data)


def test_an_unsigned_request_is_refused_with_an_ice_error(catalog_server):
    answer = requests.post(
        f"{catalog_server.url}/",
        params={"Action": "GetMediaInfo", "Version": "2020-11-09", "MediaId": "media-ladder-ok"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["Code"] == "IncompleteSignature"
    assert "MediaInfo" not in answer.json()


def test_an_unknown_action_gets_ice_404(catalog_server):
    answer = requests.post(
        f"{catalog_server.url}/",
        data={"Action": "DeleteMediaInfos", "Version": "2020-11-09", "Signature": "x"},
        timeout=5,
    )
    assert answer.status_code == 404 and answer.json()["Code"] == "InvalidAction.NotFound"


# --- issue 22: the write-back actions -------------------------------------------------------------------
def _error_of(call) -> tuple[int, str]:
    with pytest.raises(Exception) as info:
        call()
    return info.value.status_code, getattr(info.value, "code", None)


def test_sdk_blocks_and_unblocks_a_media_with_create_audit(sdk, catalog_emulator):
    blocked = [{"MediaId": "media-ladder-ok", "Status": "Blocked", "Reason": "qc", "Comment": "black start"}]
    body = sdk.create_audit(ice_models.CreateAuditRequest(audit_content=json.dumps(blocked))).body
    assert body.request_id
    assert catalog_emulator.audit("media-ladder-ok") == {
        "Status": "Blocked",
        "Reason": "qc",
        "Comment": "black start",
    }
    media = sdk.get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")).body
    # the resource status stays Normal; the SDK's model has no audit field (the emulator's AuditStatus is
    # read by playgate's own client only)
    assert media.media_info.media_basic_info.status == "Normal"
    normal = [{"MediaId": "media-ladder-ok", "Status": "Normal"}]
    sdk.create_audit(ice_models.CreateAuditRequest(audit_content=json.dumps(normal)))
    assert catalog_emulator.audit("media-ladder-ok") == {"Status": "Normal"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, (400, "MissingParameter")),
        ("not json", (400, "InvalidParameter")),
        ("[]", (400, "InvalidParameter")),
        (json.dumps([{"MediaId": "media-ladder-ok", "Status": "Hidden"}]), (400, "InvalidParameter")),
        (json.dumps([{"MediaId": "media-ladder-ok", "Status": "Blocked", "Reason": "r" * 129}]),
         (400, "InvalidParameter")),
        (json.dumps([{"MediaId": "media-ladder-ok", "Status": "Blocked", "Comment": "c" * 513}]),
         (400, "InvalidParameter")),
        (json.dumps([{"MediaId": f"m{i}", "Status": "Normal"} for i in range(21)]),
         (400, "InvalidParameter")),
        (json.dumps([{"MediaId": "media-ladder-ok", "Status": "Blocked"},
                     {"MediaId": "nope", "Status": "Blocked"}]),
         (404, "ResourceNotFound")),
    ],
)  # fmt: skip
def test_sdk_create_audit_is_refused_as_ice_documents_and_changes_nothing(
    sdk, catalog_emulator, content, expected
):
    request = ice_models.CreateAuditRequest(audit_content=content)
    assert (
        _error_of(lambda: sdk.create_audit_with_options(request, RuntimeOptions(autoretry=False))) == expected
    )
    assert catalog_emulator.audit("media-ladder-ok") is None


def test_sdk_appends_tags_and_get_media_info_lists_them(sdk):
    append = ice_models.UpdateMediaInfoRequest(
        media_id="media-ladder-ok", media_tags="qc-pass,sample", append_tags=True
    )
    assert sdk.update_media_info(append).body.media_id == "media-ladder-ok"
    info = sdk.get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")).body
    assert info.media_info.media_basic_info.media_tags == "playgate,sample,qc-pass"
    replace = ice_models.UpdateMediaInfoRequest(
        media_id="media-ladder-ok", media_tags="only", append_tags=False
    )
    sdk.update_media_info(replace)
    info = sdk.get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")).body
    assert info.media_info.media_basic_info.media_tags == "only"


@pytest.mark.parametrize(
    ("tags", "append"),
    [
        ("x" * 33, False),
        (",".join(f"t{i}" for i in range(17)), False),
        (",".join(f"t{i}" for i in range(15)), True),
    ],
)
def test_sdk_update_media_info_refuses_too_many_or_too_long_tags(sdk, catalog_emulator, tags, append):
    request = ice_models.UpdateMediaInfoRequest(
        media_id="media-ladder-ok", media_tags=tags, append_tags=append
    )
    options = RuntimeOptions(autoretry=False)
    assert _error_of(lambda: sdk.update_media_info_with_options(request, options)) == (
        400,
        "InvalidParameter",
    )
    assert catalog_emulator.tags("media-ladder-ok") == ["playgate", "sample"]


def test_sdk_adds_lists_and_gets_media_marks(sdk):
    marks = [
        {"MarkStartTime": 0.0, "MarkEndTime": 3.0, "MarkTag": "video-black", "MarkContent": "black start"},
        {"MarkStartTime": "12.1", "MarkEndTime": "12.2", "MarkTag": "tag-1", "MarkStatus": "a"},
    ]
    added = sdk.add_media_marks(
        ice_models.AddMediaMarksRequest(media_id="media-ladder-ok", media_marks=json.dumps(marks))
    ).body
    ids = added.media_mark_ids.split(",")
    assert added.media_id == "media-ladder-ok" and len(ids) == 2
    listed = json.loads(
        sdk.list_media_marks(ice_models.ListMediaMarksRequest(media_id="media-ladder-ok")).body.media_marks
    )
    assert [(m["MarkId"], m["MarkTag"], m["MarkStartTime"], m["MarkEndTime"]) for m in listed] == [
        (ids[0], "video-black", 0.0, 3.0),
        (ids[1], "tag-1", 12.1, 12.2),
    ]
    one = sdk.get_media_marks(
        ice_models.GetMediaMarksRequest(media_id="media-ladder-ok", media_mark_ids=ids[1])
    ).body
    assert [m["MarkId"] for m in json.loads(one.media_marks)] == [ids[1]]


@pytest.mark.parametrize(
    ("media_id", "marks", "expected"),
    [
        ("media-ladder-ok", None, (400, "MissingParameter")),
        ("media-ladder-ok", "{}", (400, "InvalidParameter")),
        ("media-ladder-ok", json.dumps([{"MarkStartTime": "soon"}]), (400, "InvalidParameter")),
        ("media-ladder-ok", json.dumps([{"MarkStartTime": 5, "MarkEndTime": 2}]), (400, "InvalidParameter")),
        ("media-ladder-ok", json.dumps([{"Start": 1}]), (400, "InvalidParameter")),
        ("nope", "[]", (404, "ResourceNotFound")),
    ],
)
def test_sdk_add_media_marks_is_refused_as_ice_documents(sdk, catalog_emulator, media_id, marks, expected):
    request = ice_models.AddMediaMarksRequest(media_id=media_id, media_marks=marks)
    options = RuntimeOptions(autoretry=False)
    assert _error_of(lambda: sdk.add_media_marks_with_options(request, options)) == expected
    assert catalog_emulator.marks("media-ladder-ok") == []
