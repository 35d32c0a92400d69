"""Fixtures for tests that fetch media: ffmpeg-made media (once per session) and a CDN that misbehaves.

Use from a folder's conftest.py:  ``from stream_fixtures import media_library, stream_server  # noqa: F401``
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from playgate.testing.media import FfmpegMissing, MediaLibrary, build_media
from playgate.testing.stream_server import StreamServer


@pytest.fixture(scope="session")
def media_library(tmp_path_factory: pytest.TempPathFactory) -> MediaLibrary:
    """HLS ladder, DASH and MP4 files made by ffmpeg, built once per test session. No ffmpeg fails."""
    try:
        return build_media(tmp_path_factory.mktemp("media"))
    except FfmpegMissing as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def stream_server(media_library: MediaLibrary) -> Iterator[StreamServer]:
    """The media library served on 127.0.0.1, faults off; the probe may fetch 127.0.0.1."""
    with StreamServer(media_library.root) as server:
        yield server


@pytest.fixture
def probe_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow the probe to fetch from the local server (PLAYGATE_PROBE_ALLOW_HOSTS=127.0.0.1)."""
    monkeypatch.setenv("PLAYGATE_PROBE_ALLOW_HOSTS", "127.0.0.1")
