"""Outgoing messages: CloudEvents, their size limit, the sinks and the routing between them."""

from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, QC_ALERT, QC_PASSED, make_event
from playgate.publish.publisher import Publisher
from playgate.publish.sinks import open_sink
from playgate.publish.size import fit_to_limit

__all__ = [
    "DEAD_LETTER",
    "PLAYBACK_READY",
    "QC_ALERT",
    "QC_PASSED",
    "Publisher",
    "fit_to_limit",
    "make_event",
    "open_sink",
]
