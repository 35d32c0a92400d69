"""FC entry point of the QC gate: the package and its dependencies come from the layer (/opt/python)."""

from playgate.handler import handler, initialize

__all__ = ["handler", "initialize"]
