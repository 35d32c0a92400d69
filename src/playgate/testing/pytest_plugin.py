"""pytest fixtures for code that talks to ICE (registered through the ``pytest11`` entry point).

- ``ice_emulator``: an empty :class:`IceEmulator` served in-process to ``requests`` (``responses``);
- ``ice_emulator_server``: the same over real HTTP on 127.0.0.1 — ``.url``, ``.emulator``, ``.env``.

Load data with ``ice_emulator.load_catalog(sample_catalog_path())`` or ``add_media``/``add_job``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from playgate.testing.emulator import IceEmulator


@pytest.fixture
def ice_emulator() -> Iterator[IceEmulator]:
    from playgate.testing.mock import mock_ice

    with mock_ice(IceEmulator()) as emulator:
        yield emulator


@pytest.fixture
def ice_emulator_server() -> Iterator[object]:
    from playgate.testing.http_server import EmulatorServer

    with EmulatorServer(IceEmulator()) as server:
        yield server
