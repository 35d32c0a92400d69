"""The whole handler against real parts: the ICE emulator over HTTP, SQLite, JSONL files, a local MNS."""

from __future__ import annotations

from typing import Any

import pytest
from gate_world import GateWorld, local_settings

from playgate.handler import Runtime
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path


@pytest.fixture
def emulator_server():
    emulator = IceEmulator()
    emulator.load_catalog(sample_catalog_path())
    with EmulatorServer(emulator) as server:
        yield server


@pytest.fixture
def make_world(emulator_server, tmp_path):
    runtimes: list[Runtime] = []

    def make(**overrides: Any) -> GateWorld:
        runtime = Runtime.build(local_settings(emulator_server.url, tmp_path, **overrides))
        runtimes.append(runtime)
        return GateWorld(emulator=emulator_server.emulator, folder=tmp_path, runtime=runtime)

    yield make
    for runtime in runtimes:
        runtime.close()


@pytest.fixture
def world(make_world) -> GateWorld:
    return make_world()
