"""The emulator answers like ICE where a client can tell: 403 and 503 faults, unknown parameter values
refused, and ListMediaInfoJobs bodies in the dialect the official SDK's models read."""

from __future__ import annotations

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from playgate.errors import AccessDenied
from playgate.ice.model import build_snapshot
from playgate.testing.http_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

NO_RETRY = RuntimeOptions(autoretry=False)


@pytest.fixture
def sdk(catalog_server) -> Client:
    config = Config(
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret=TEST_ACCESS_KEY_SECRET,
        endpoint=catalog_server.url.split("://", 1)[1],
        protocol="http",
    )
    return Client(config)


def sdk_error(call) -> Exception:
    with pytest.raises(Exception) as info:
        call()
    return info.value


@pytest.mark.parametrize(
    ("kind", "status", "code"), [("403", 403, "Forbidden.RAM"), ("503", 503, "ServiceUnavailable")]
)
def test_forbidden_and_unavailable_faults_answer_with_ices_codes(sdk, catalog_emulator, kind, status, code):
    catalog_emulator.inject(kind, next_n=1)
    request = ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")
    error = sdk_error(lambda: sdk.get_media_info_with_options(request, NO_RETRY))
    assert (error.code, error.status_code) == (code, status)
    assert {"RequestId", "HostId", "Code", "Message", "Recommend"} <= set(error.data)
    # the fault is used up: the next call is served
    media = sdk.get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok")).body
    assert media.media_info.media_id == "media-ladder-ok"


def test_playgate_retries_503_and_gives_up_at_once_on_403(catalog_server, catalog_emulator, make_client):
    client = make_client(catalog_server.url)
    catalog_emulator.inject("503", next_n=2, actions=["GetMediaInfo"])
    assert client.get_media_info("media-ladder-ok")["MediaInfo"]["MediaId"] == "media-ladder-ok"
    assert len(catalog_emulator.calls_to("GetMediaInfo")) == 3

    catalog_emulator.inject("403", next_n=1, actions=["GetPlayInfo"])
    with pytest.raises(AccessDenied) as info:
        client.get_play_info("media-ladder-ok")
    assert info.value.code == "Forbidden.RAM" and len(catalog_emulator.calls_to("GetPlayInfo")) == 1


MEDIA = "media-ladder-ok"
UNKNOWN_VALUES = {
    "Status": ("list_media_info_jobs", ice_models.ListMediaInfoJobsRequest(status="Done")),
    "OrderBy": ("list_media_info_jobs", ice_models.ListMediaInfoJobsRequest(order_by="Newest")),
    "OutputType": ("get_media_info", ice_models.GetMediaInfoRequest(media_id=MEDIA, output_type="s3")),
    "AuthTimeout": ("get_play_info", ice_models.GetPlayInfoRequest(media_id=MEDIA, auth_timeout=60)),
}


@pytest.mark.parametrize("parameter", UNKNOWN_VALUES)
def test_a_parameter_value_ice_does_not_know_is_refused_not_answered_empty(sdk, parameter):
    method, request = UNKNOWN_VALUES[parameter]
    error = sdk_error(lambda: getattr(sdk, f"{method}_with_options")(request, NO_RETRY))
    assert (error.code, error.status_code) == ("InvalidParameter", 400)
    assert parameter in error.message


def test_known_values_are_still_served(sdk):
    body = sdk.list_media_info_jobs(ice_models.ListMediaInfoJobsRequest(status="Success", page_size=100)).body
    assert body.jobs and {j.status for j in body.jobs} == {"Success"}
    request = ice_models.GetPlayInfoRequest(media_id="media-ladder-ok", auth_timeout=7200)
    play = sdk.get_play_info(request).body
    assert play.play_info_list


def _streams(snapshot) -> list[tuple]:
    video = [(v.codec_name, v.bitrate_kbps, v.fps, v.avg_fps, v.height) for v in snapshot.video_streams]
    audio = [(a.codec_name, a.bitrate_kbps, a.sample_rate, a.channels) for a in snapshot.audio_streams]
    return video + audio


def test_a_job_read_through_the_official_sdk_models_loses_no_codec_bitrate_or_fps(sdk, catalog_emulator):
    request = ice_models.ListMediaInfoJobsRequest(status="Success", page_size=100)
    through_sdk = {job.job_id: job.to_map() for job in sdk.list_media_info_jobs(request).body.jobs}
    compared = videos = 0
    for job in catalog_emulator.jobs:
        if job["Status"] != "Success":
            continue
        want = build_snapshot(jobs=[job])
        got = build_snapshot(jobs=[through_sdk[job["JobId"]]])
        assert _streams(got) == _streams(want), job["JobId"]
        assert all(v.codec_name and v.fps and v.bitrate_kbps for v in got.video_streams), job["JobId"]
        videos += len(got.video_streams)
        [got_file], [want_file] = got.files, want.files
        assert (got_file.duration_s, got_file.format_name) == (want_file.duration_s, want_file.format_name)
        compared += 1
    assert compared == 29 and videos == 27


def test_a_job_added_in_camel_case_is_served_in_the_sdk_dialect(sdk, catalog_emulator):
    camel = catalog_emulator.jobs[0]
    assert "CodecName" in camel["MediaInfoProperty"]["VideoStreamInfoList"][0]  # as the catalog spells it
    [job] = sdk.list_media_info_jobs(ice_models.ListMediaInfoJobsRequest(job_id=camel["JobId"])).body.jobs
    video = job.media_info_property.video_stream_info_list[0]
    assert (video.codec_name, video.bit_rate, video.avg_fps) == ("h264", "6000.000", "25.0")
