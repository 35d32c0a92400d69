from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser import browser


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session. Missing chromium fails; never skips."""
    try:
        with browser() as launched:
            yield launched
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
