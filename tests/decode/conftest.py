"""Fixtures of this folder live in decode_helpers.py (and the shared stream_fixtures.py)."""

from decode_helpers import *  # noqa: F403

from stream_fixtures import media_library, probe_env, stream_server  # noqa: F401
