"""FC entry point of the timer-driven reconciler: the package comes from the layer (/opt/python)."""

import os

# On its first model pydantic reads every installed package's entry points looking for plugins (about
# 30 ms of a cold start); the function uses none. A value set in the function's environment still wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from playgate.reconcile import handler, initialize

__all__ = ["handler", "initialize"]
