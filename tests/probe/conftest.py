"""Probe tests: real media made by ffmpeg, served by a local CDN that can misbehave."""

from stream_fixtures import media_library, probe_env, stream_server  # noqa: F401
