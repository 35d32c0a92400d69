"""The ICE emulator ("moto for ICE"): one backend, two front doors.

- in-process: ``with mock_ice() as ice: ice.add_media(...)`` — intercepts ``requests`` via ``responses``;
- over HTTP: ``with EmulatorServer(IceEmulator().load_catalog(dir)) as server: server.url``, or
  ``playgate emulator --catalog DIR --port 0`` from a shell;
- pytest fixtures ``ice_emulator`` and ``ice_emulator_server`` (registered as a pytest plugin).

Nothing here is imported on the FC hot path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from playgate.testing.emulator import FAULT_KINDS, Call, IceEmulator

if TYPE_CHECKING:
    from playgate.testing.http_server import EmulatorServer
    from playgate.testing.mock import mock_ice

__all__ = ["FAULT_KINDS", "Call", "EmulatorServer", "IceEmulator", "mock_ice", "sample_catalog_path"]


def sample_catalog_path() -> Path:
    """The bundled sample catalog (copy it to start your own)."""
    return Path(__file__).with_name("catalog")


def __getattr__(name: str) -> Any:  # keep ``responses`` and ``http.server`` out of plain imports
    if name == "mock_ice":
        from playgate.testing.mock import mock_ice

        return mock_ice
    if name == "EmulatorServer":
        from playgate.testing.http_server import EmulatorServer

        return EmulatorServer
    raise AttributeError(f"module 'playgate.testing' has no attribute {name!r}")
