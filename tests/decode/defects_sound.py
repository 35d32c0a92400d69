"""The corpus's sound defects (see defects.py): each the reference with exactly one fault."""

from __future__ import annotations

from defects import Defect

DEFECTS: list[Defect] = []
