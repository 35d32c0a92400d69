"""Fixtures of this folder live in ice_helpers.py, importable under that unique name."""

from ice_helpers import *  # noqa: F403
