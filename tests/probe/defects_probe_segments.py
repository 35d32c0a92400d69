"""The corpus's defects inside segments (see defects_probe.py): each a clean ladder with one fault."""

from __future__ import annotations

from defects_probe import Defect

DEFECTS: list[Defect] = []
