"""Fixtures of this folder live in decode_helpers.py, importable under that unique name."""

from decode_helpers import *  # noqa: F403
