"""The official generated ICE SDK client, unchanged, against the emulator over real HTTP."""

from __future__ import annotations

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
