"""Fixtures of the decode tests: real media made by ffmpeg once per session, the tools, a signed server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from decode_media import SignedMediaServer, build_media

from playgate.decode.ffmpeg import Tools, find_tools
from playgate.decode.guard import GuardProxy
from playgate.probe.fetch import Fetcher

__all__ = ["AUTH_KEY", "local_guard", "media", "signed_server", "tools"]

AUTH_KEY = "1700000000-0-0-5e6b7f1c9a2d4e8fb0c3a1d2e4f6a8b9"


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_media(tmp_path_factory.mktemp("decode-media"))


@pytest.fixture(scope="session")
def tools() -> Tools:
    return find_tools(None)


@pytest.fixture
def local_guard() -> Iterator[GuardProxy]:
    """The guard ffmpeg reads through, allowed to fetch from 127.0.0.1 (and nothing else private)."""
    with Fetcher(allow_hosts=["127.0.0.1"]) as fetcher, GuardProxy(fetcher) as guard:
        yield guard


@pytest.fixture
def signed_server(media: dict[str, Path]) -> Iterator[SignedMediaServer]:
    with SignedMediaServer(media["clean"].parent, AUTH_KEY) as server:
        yield server
