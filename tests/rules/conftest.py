"""Fixtures of this folder live in rules_helpers.py, importable under that unique name."""

from rules_helpers import *  # noqa: F403
