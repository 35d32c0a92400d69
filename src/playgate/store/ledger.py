"""The ledger: every verdict the gate reached, kept, so an operator can ask what was decided and why.

A verdict is one row: which event and media, when the event happened and when the gate decided, the profile,
the outcome and reason, the failing rule ids, the CloudEvent it published, where that message went, and the
whole report (findings with actual and expected) as JSON. The SQLite and PostgreSQL stores keep it in
their own database, in the same transaction that completes the claim; with a Redis store it goes to
``PLAYGATE_LEDGER`` (a SQLite or PostgreSQL URL) or nowhere.

Only ``status``, ``check`` and ``report`` read it; the gate only appends.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from playgate.store.base import IdempotencyStore

DEFAULT_RETENTION_S = 90 * 86400.0  # PLAYGATE_LEDGER_RETENTION_DAYS

# What a verdict says of the media: the report's outcome, or why there was no report.
OUTCOMES = ("pass", "warn", "fail", "error", "dead_letter")

COLUMNS = (
    "key", "media_id", "job_id", "event_type", "event_time", "decided_at", "profile", "outcome", "reason",
    "message_type", "message_id", "recheck", "failing_rules", "report",
)  # fmt: skip
# The columns a report over many verdicts reads (no JSON to parse per row).
SUMMARY_COLUMNS = (
    "decided_at", "event_time", "profile", "outcome", "reason", "failing_rules", "media_id", "job_id",
)  # fmt: skip


def schema(*, serial: str, real: str) -> str:
    """The table and its indexes; ``serial`` and ``real`` are the dialect's names for those types."""
    return f"""
CREATE TABLE IF NOT EXISTS playgate_verdicts (
    seq {serial},
    key TEXT NOT NULL,
    media_id TEXT,
    job_id TEXT,
    event_type TEXT,
    event_time {real},
    decided_at {real} NOT NULL,
    profile TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    message_type TEXT,
    message_id TEXT,
    recheck INTEGER NOT NULL,
    failing_rules TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS playgate_verdicts_media ON playgate_verdicts (media_id, seq);
CREATE INDEX IF NOT EXISTS playgate_verdicts_job ON playgate_verdicts (job_id, seq);
CREATE INDEX IF NOT EXISTS playgate_verdicts_decided ON playgate_verdicts (decided_at);
"""


def insert_sql(placeholder: str) -> str:
    marks = ", ".join([placeholder] * len(COLUMNS))
    return f"INSERT INTO playgate_verdicts ({', '.join(COLUMNS)}) VALUES ({marks})"


def history_sql(placeholder: str) -> str:
    """Newest first, by media id or job id: two index range scans whatever the planner's statistics say
    (an ``OR`` lets PostgreSQL walk the whole table backwards before its first ANALYZE). Parameters:
    subject, limit, subject, limit, limit."""
    p, columns = placeholder, ", ".join(COLUMNS)
    newest = f"ORDER BY seq DESC LIMIT {p}"
    return (
        f"SELECT {columns} FROM ("
        f"SELECT * FROM (SELECT seq, {columns} FROM playgate_verdicts WHERE media_id = {p} {newest}) AS m "
        f"UNION SELECT * FROM (SELECT seq, {columns} FROM playgate_verdicts WHERE job_id = {p} {newest}) AS j"
        f") AS found {newest}"
    )


def summary_sql(placeholder: str, *, with_profile: bool) -> str:
    p = placeholder
    where = f"decided_at >= {p} AND decided_at < {p}" + (f" AND profile = {p}" if with_profile else "")
    return f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM playgate_verdicts WHERE {where} ORDER BY decided_at"


def purge_sql(placeholder: str) -> str:
    return f"DELETE FROM playgate_verdicts WHERE decided_at < {placeholder}"


@dataclass(frozen=True)
class Verdict:
    key: str
    outcome: str  # one of OUTCOMES
    decided_at: float  # epoch seconds
    media_id: str | None = None
    job_id: str | None = None
    event_type: str | None = None
    event_time: float | None = None  # epoch seconds, from the ICE event
    profile: str | None = None
    reason: str | None = None
    message_type: str | None = None
    message_id: str | None = None  # the CloudEvent id consumers deduplicate on
    recheck: bool = False
    failing_rules: tuple[str, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)  # findings, sinks (delivered/failed), timings

    def as_row(self) -> tuple[Any, ...]:
        """The row in ``COLUMNS`` order (attributes read directly: ``asdict`` would deep-copy the report)."""
        report = json.dumps(self.report, separators=(",", ":"), default=str)
        return (
            self.key, self.media_id, self.job_id, self.event_type, self.event_time, self.decided_at,
            self.profile, self.outcome, self.reason, self.message_type, self.message_id, int(self.recheck),
            ",".join(self.failing_rules), report,
        )  # fmt: skip

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Verdict:
        values = dict(zip(COLUMNS, row, strict=True))
        values["recheck"] = bool(values["recheck"])
        values["failing_rules"] = tuple(r for r in (values["failing_rules"] or "").split(",") if r)
        values["report"] = json.loads(values["report"] or "{}")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing_rules"] = list(self.failing_rules)
        return data


@runtime_checkable
class Ledger(Protocol):
    # ``deadline`` (a ``time.monotonic()`` instant) bounds each call, as for the idempotency store.
    verdict_retention_s: float  # PLAYGATE_LEDGER_RETENTION_DAYS, in seconds: older verdicts are purged

    def record_verdict(self, verdict: Verdict, *, deadline: float | None = None) -> None:
        """Append one verdict (a re-check, a dead letter, or a store whose claims live elsewhere)."""

    def verdict_history(self, subject: str, *, limit: int = 50) -> list[Verdict]:
        """The verdicts about a media id or a job id, newest first."""

    def verdict_summaries(self, start: float, end: float, *, profile: str | None = None) -> list[tuple]:
        """``SUMMARY_COLUMNS`` of every verdict decided in [start, end), oldest first."""

    def purge_verdicts(self, older_than: float) -> int:
        """Forget verdicts decided before ``older_than`` (epoch seconds); returns how many went."""

    def close(self) -> None: ...


@runtime_checkable
class VerdictStore(IdempotencyStore, Ledger, Protocol):
    """A store that is its own ledger: completing a claim records its verdict in the same transaction."""

    def complete(
        self,
        key: str,
        token: str,
        outcome: dict[str, Any],
        *,
        ttl_s: float,
        deadline: float | None = None,
        verdict: Verdict | None = None,
    ) -> None: ...
