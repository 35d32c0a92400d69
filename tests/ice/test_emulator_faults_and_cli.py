"""Emulator knobs (seeded faults, call log, catalog) and the `playgate emulator` command."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from ice_helpers import signed_headers

from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET


def _statuses(emulator: IceEmulator, n: int) -> list[int]:
    query = {"MediaId": "media-ladder-ok"}
    headers = signed_headers("GetMediaInfo", query, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)
    return [emulator.handle("POST", query, headers, {}).status for _ in range(n)]


def test_rate_faults_are_reproducible_with_a_seed():
    runs = []
    for _ in range(2):
        emulator = IceEmulator().load_catalog(sample_catalog_path())
        emulator.inject("5xx", rate=0.5, seed=42)
        runs.append(_statuses(emulator, 40))
    assert runs[0] == runs[1] and set(runs[0]) == {200, 500}


def test_next_n_faults_fire_exactly_n_times_for_the_chosen_actions():
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    emulator.inject("throttling", next_n=2, actions=["GetMediaInfo"])
    assert _statuses(emulator, 4) == [400, 400, 200, 200]
    assert [c.action for c in emulator.calls] == ["GetMediaInfo"] * 4


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError, match="throttling"):
        IceEmulator().inject("flood", next_n=1)


def test_sample_catalog_has_the_documented_media_and_jobs():
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    assert emulator.media_ids == [
        "media-audio-only", "media-broken-rendition", "media-image", "media-ladder-ok", "media-oss-only",
        "media-preparing", "media-reference",
    ]  # fmt: skip
    statuses = [j["Status"] for j in emulator.jobs]
    assert len(statuses) == 36 and statuses.count("Fail") == 5
    assert sum(1 for j in emulator.jobs if j["Input"]["Type"] == "Media") == 12


def test_cli_serves_on_a_free_port_and_prints_the_url_first():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playgate.cli",
            "emulator",
            "--port",
            "0",
            "--catalog",
            str(sample_catalog_path()),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.post(f"{url}/", data={"Action": "GetMediaInfo", "Version": "2020-11-09"}, timeout=5)
        assert answer.status_code == 400 and answer.json()["Code"] == "IncompleteSignature"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
