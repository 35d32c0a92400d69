"""FC entry point of the timer-driven reconciler: the package comes from the layer (/opt/python)."""

from playgate.reconcile import handler, initialize

__all__ = ["handler", "initialize"]
