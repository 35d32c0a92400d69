"""The docs tests run the README's examples against local parts: the CDN of tests/stream_fixtures.py."""

from stream_fixtures import media_library, stream_server  # noqa: F401
