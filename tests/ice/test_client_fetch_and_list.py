"""fetch() merges both calls into one snapshot; list_media_info_jobs() pages lazily."""

from __future__ import annotations

from datetime import datetime, timezone

from playgate.ice.client import IceClient
from playgate.settings import Settings
from playgate.testing import IceEmulator, sample_catalog_path

DAY = datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_fetch_merges_media_info_and_play_info(catalog_server, make_client):
    snap = make_client(catalog_server.url).fetch("media-ladder-ok")
    assert snap.media_id == "media-ladder-ok"
    assert sorted(snap.sources) == ["GetMediaInfo", "GetPlayInfo"]
    assert {(r.width, r.height) for r in snap.renditions} == {(1920, 1080), (1280, 720), (848, 480)}
    assert snap.video_streams[0].codec_name == "h264" and snap.audio_streams[0].codec_name == "aac"
    assert len(snap.request_ids) == 2


def test_fetch_of_an_oss_only_media_gives_a_snapshot_without_renditions_and_says_why(
    catalog_server, make_client
):
    snap = make_client(catalog_server.url).fetch("media-oss-only")
    assert snap.renditions == [] and snap.sources == ["GetMediaInfo"]
    assert snap.video_streams[0].fps == 30000 / 1001
    note = next(n for n in snap.notes if n.path == "GetPlayInfo")
    assert note.raw == "ResourceNotFound" and "no renditions" in note.problem


def test_fetch_of_a_preparing_media_reports_its_status(catalog_server, make_client):
    snap = make_client(catalog_server.url).fetch("media-preparing")
    assert snap.info.status == "Preparing" and snap.renditions == []


def test_list_media_info_jobs_pages_lazily_with_next_page_token(catalog_server, make_client):
    client = make_client(catalog_server.url)
    jobs = client.list_media_info_jobs(DAY, DAY.replace(hour=23, minute=59, second=59), page_size=10)
    first = next(jobs)
    assert len(catalog_server.emulator.calls) == 1
    rest = list(jobs)
    calls = catalog_server.emulator.calls_to("ListMediaInfoJobs")
    assert len(rest) == 35 and len(calls) == 4
    assert calls[0].params["StartOfCreateTime"] == "2024-05-01T00:00:00Z"
    assert calls[1].params["NextPageToken"] and calls[0].params["OrderBy"] == "CreateTimeAsc"
    times = [first["SubmitTime"]] + [j["SubmitTime"] for j in rest]
    assert times == sorted(times)


def test_list_media_info_jobs_filters_by_status_and_window(catalog_server, make_client):
    client = make_client(catalog_server.url)
    noon = DAY.replace(hour=12)
    jobs = list(client.list_media_info_jobs(DAY, noon, status="Success"))
    assert jobs and {j["Status"] for j in jobs} == {"Success"}
    assert all(j["SubmitTime"] <= "2024-05-01T12:00:00Z" for j in jobs)


def test_in_process_mock_serves_the_client_built_from_settings(ice_emulator):
    ice_emulator.load_catalog(sample_catalog_path())
    ice_emulator.add_access_key("id-123456", "secret-123456")
    settings = Settings(region="cn-shanghai", access_key_id="id-123456", access_key_secret="secret-123456")
    client = IceClient.from_settings(settings)
    snap = client.fetch("media-audio-only")
    assert snap.info.media_type == "audio" and {r.stream_type for r in snap.renditions} == {"audio"}
    assert [c.action for c in ice_emulator.calls].count("GetPlayInfo") == 1


def test_fetch_through_the_http_fixture(ice_emulator_server):
    ice_emulator_server.emulator.add_media("m-x", {"MediaInfo": {"MediaId": "m-x"}}, {"PlayInfoList": []})
    settings = Settings(
        **{k.removeprefix("PLAYGATE_").lower(): v for k, v in ice_emulator_server.env.items()}
    )
    snap = IceClient.from_settings(settings).fetch("m-x")
    assert snap.media_id == "m-x" and snap.renditions == []
    assert isinstance(ice_emulator_server.emulator, IceEmulator)


def test_warm_prepares_the_client_without_calling_ice(catalog_server, make_client):
    client = make_client(catalog_server.url).warm()
    assert catalog_server.emulator.calls == []
    assert client.fetch("media-ladder-ok").media_id == "media-ladder-ok"
