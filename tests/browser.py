"""A real headless Chromium for the tests that look at pages as people do (Debian's ``chromium``, which
``.ci/run`` installs), driven by Playwright over the DevTools protocol. Nothing is downloaded: Playwright
uses the system's browser. It never skips: without a browser it fails and says how to install one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "no chromium on PATH: the HTML report tests open pages in a real browser. Install it with "
    "`apt-get update -qq && apt-get install -y -qq chromium` (Debian/Ubuntu)."
)
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    """What a page did while it was open: console messages, uncaught errors, requests it made."""

    page: Any
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [
            f"{kind}: {text}" for kind, text in self.console if kind in ("error", "warning")
        ] + self.errors


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def visit(launched: Any, page_file: Path, viewport: dict[str, int] = DESKTOP) -> Iterator[Visit]:
    """Open ``page_file`` offline (every request but the file itself is recorded and aborted)."""
    context = launched.new_context(viewport=viewport, offline=True, java_script_enabled=True)
    page = context.new_page()
    seen = Visit(page)
    url = page_file.resolve().as_uri()
    page.on("console", lambda message: seen.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", lambda request: request.url != url and seen.requests.append(request.url))
    page.goto(url, wait_until="load")
    try:
        yield seen
    finally:
        context.close()
