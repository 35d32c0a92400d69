"""One probe run over one input URL: the fetcher, where results go, the subject, the budgets."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from playgate.probe.fetch import Fetcher, FetchError, Response, public_url
from playgate.probe.results import Results

MAX_PLAYLIST_BYTES = 4 * 1024 * 1024  # a 24 h VOD playlist with 2 s segments is about 2 MiB
MAX_SEGMENTS_IN_PLAYLIST = 100_000
MAX_VARIANTS = 64
RANGE_PROBE_BYTES = 64 * 1024


@dataclass
class ProbeContext:
    fetcher: Fetcher
    results: Results
    subject: str
    max_segments: int = 30
    not_started: int = 0
    failed: str | None = None  # the exception that stopped the probe of this subject, if any
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        max_bytes: int = MAX_PLAYLIST_BYTES,
        byte_range: tuple[int, int] | None = None,
        truncate: bool = False,
        check: str = "url-reachable",
    ) -> Response | None:
        """The response when it is 2xx; otherwise None with a problem of ``check`` recorded.

        A request the deadline did not let start is counted for ``probe-incomplete`` instead.
        """
        self.results.ran(check, self.subject)
        try:
            if method == "HEAD":
                response = self.fetcher.head(url)
            else:
                response = self.fetcher.get(
                    url, max_bytes=max_bytes, byte_range=byte_range, truncate=truncate
                )
        except FetchError as error:
            if error.kind == "no-time":
                self.not_made(1)
                return None
            reason = {"reason": error.detail} if error.kind == "blocked" and error.detail else {}
            message = f"{method} {error.url}: {error.kind}" + _detail(error)
            self.unreachable(url, error.kind, message, check, **reason)
            return None
        if not response.ok:
            message = f"{method} {public_url(url)} answered {response.status}"
            self.unreachable(url, response.status, message, check)
            return None
        return response

    def not_made(self, count: int) -> None:
        """Work the deadline stopped (a request, the reading of a playlist): for ``probe-incomplete``."""
        with self._lock:
            self.not_started += count

    def unreachable(
        self, url: str, status: int | str, message: str, check: str = "url-reachable", **more: str
    ) -> None:
        self.results.problem(
            check,
            self.subject,
            actual={"url": public_url(url), "status": status, **more},
            expected="2xx within the timeout",
            message=message,
        )

    def incomplete(self, actual: dict[str, object], message: str) -> None:
        """Part of the input was left unchecked by a bound (``probe-incomplete``)."""
        self.results.ran("probe-incomplete", self.subject)
        self.results.problem(
            "probe-incomplete", self.subject, actual=actual, expected="every part checked", message=message
        )

    def finish(self) -> None:
        """Record ``probe-incomplete`` when the deadline stopped requests from starting."""
        self.results.ran("probe-incomplete", self.subject)
        if self.failed:
            self.results.problem(
                "probe-incomplete",
                self.subject,
                actual={"error": self.failed},
                expected="every planned request made",
                message=f"the probe of {self.subject} stopped on an internal error ({self.failed})",
                part="internal-error",
            )
        if self.not_started:
            self.results.problem(
                "probe-incomplete",
                self.subject,
                actual={"requests_not_made": self.not_started},
                expected="every planned request made",
                message=(
                    f"the probe of {self.subject} ran out of time before the function's deadline: "
                    f"{self.not_started} request(s) not made; the checks cover what was fetched"
                ),
            )


def _detail(error: FetchError) -> str:
    return f" ({error.detail})" if error.detail else ""
