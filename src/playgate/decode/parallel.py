"""Renditions decoded side by side: as many at once as the cores and the memory allow.

Each rendition is decoded by one single-threaded ffmpeg at a time, which may map up to its ceiling
(448 MiB), so no more run at once than fit in the function's memory beside the function itself, nor
more than the cores this process may run on. ``PLAYGATE_DECODE_PARALLEL`` caps the count (1: one after
another). Decodes running at once in one process (the reconciler's jobs) share the cores and memory.
The findings come back in the targets' order, whichever finishes first.
"""

from __future__ import annotations

import contextvars
import os
import resource
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from playgate.decode.ffmpeg import MEMORY_LIMIT_BYTES
from playgate.log import get_logger
from playgate.rules.report import Finding

if TYPE_CHECKING:
    from playgate.decode.guard import GuardProxy
    from playgate.probe.fetch import Fetcher

FC_MEMORY_VARIABLE = "FC_FUNCTION_MEMORY_SIZE"  # the function's memory in MB, set by Function Compute
FFMPEG_MIB = MEMORY_LIMIT_BYTES // 2**20
T = TypeVar("T")
_held = 0  # ffmpegs the decodes in flight in this process may run at once
_held_lock = threading.Lock()


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def memory_mib(environ: Mapping[str, str] = os.environ) -> int | None:
    """The function's memory: FC's setting, else the machine's (the CLI); None when neither is known."""
    configured = environ.get(FC_MEMORY_VARIABLE, "").strip()
    if configured.isdigit():
        return int(configured)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (AttributeError, ValueError, OSError):
        return None


def own_mib() -> int:
    """The most memory this process has held so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def at_once(wanted: int, cap: int | None, *, cores: int, memory: int | None, own: int) -> int:
    """How many of ``wanted`` decodes run at once: at least 1, at most ``cap``, the cores, and the
    ffmpegs whose ceilings fit in ``memory`` MiB beside the function's ``own``."""
    fits = (memory - own) // FFMPEG_MIB if memory else 1  # unknown memory: one at a time
    return max(1, min(wanted, cap or wanted, cores, fits))


@contextmanager
def decode_workers(wanted: int, cap: int | None) -> Iterator[int]:
    """``at_once`` for this process, held until the decode ends, logged (debug) with what decided it.

    Decodes already running in this process (the reconciler gates several jobs at once) hold their
    ffmpegs' cores and memory: a decode that starts beside them gets what is left, and always one."""
    global _held
    with _held_lock:
        cores, memory, own, busy = usable_cores(), memory_mib(), own_mib(), _held
        left = memory - busy * FFMPEG_MIB if memory else None
        workers = at_once(wanted, cap, cores=cores - busy, memory=left, own=own)
        _held += workers
    get_logger("playgate.decode").debug(
        "decode renditions", renditions=wanted, at_once=workers, cap=cap, cores=cores,
        memory_mib=memory, own_mib=own, ffmpeg_ceiling_mib=FFMPEG_MIB, ffmpegs_beside=busy,
    )  # fmt: skip
    try:
        yield workers
    finally:
        with _held_lock:
            _held -= workers


def side_by_side(targets: Sequence[T], decode: Callable[[T], list[Finding]], workers: int) -> list[Finding]:
    """Every target's findings, in the targets' order, ``workers`` targets decoded at a time. Each
    worker runs in the caller's log context; an exception is raised once every target has finished."""
    if workers <= 1 or len(targets) <= 1:
        return [finding for target in targets for finding in decode(target)]
    context = contextvars.copy_context()
    with ThreadPoolExecutor(workers, thread_name_prefix="decode") as pool:
        found = list(pool.map(lambda target: context.copy().run(decode, target), targets))
    return [finding for findings in found for finding in findings]


def decode_each(
    targets: Sequence[T], fetcher: Fetcher, decode: Callable[[T, GuardProxy], list[Finding]], cap: int | None
) -> list[Finding]:
    """``side_by_side`` as far as this process allows, each target read through a guard proxy of its own
    over the run's one ``fetcher``: the refusals a guard names are its target's alone."""
    from playgate.decode.guard import GuardProxy

    def guarded(target: T) -> list[Finding]:
        with GuardProxy(fetcher) as guard:
            return decode(target, guard)

    with decode_workers(len(targets), cap) as workers:
        return side_by_side(targets, guarded, workers)
