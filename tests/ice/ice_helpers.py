from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from playgate.ice.client import IceClient
from playgate.ice.credentials import Credentials
from playgate.ice.retry import RetryPolicy
from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.http_server import EmulatorServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ice"
KEY_ID = "LTAI5tTestKeyId0000"
SECRET = "s3cr3t-Access-Key-Secret-value"
TOKEN = "sts-token-CAIS-very-secret-token"


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def catalog_emulator() -> IceEmulator:
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    emulator.add_access_key(KEY_ID, SECRET)  # make_client's key: the emulator verifies every signature
    return emulator


@pytest.fixture
def catalog_server(catalog_emulator: IceEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(catalog_emulator) as server:
        yield server


@pytest.fixture
def make_client() -> Callable[..., IceClient]:
    """A client for an endpoint URL with fast retries; keyword arguments override the policy."""

    def make(
        url: str, *, sleep: Callable[[float], None] | None = None, clock: Any = None, **policy: Any
    ) -> IceClient:
        endpoint = url.split("://", 1)[-1]
        protocol = url.split("://", 1)[0] if "://" in url else "https"
        defaults = {"max_attempts": 4, "budget_s": 5.0, "timeout_s": 2.0, "base_s": 0.001, "cap_s": 0.01}
        kwargs: dict[str, Any] = {}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if clock is not None:
            kwargs["clock"] = clock
        return IceClient(
            endpoint=endpoint,
            protocol=protocol,
            region_id="cn-shanghai",
            credentials=Credentials(KEY_ID, SECRET, TOKEN, "test"),
            policy=RetryPolicy(**{**defaults, **policy}),
            **kwargs,
        )

    return make


class CannedIce:
    """A real HTTP server on 127.0.0.1 that answers with the queued (status, content type, body) in turn
    (the last one repeats): for answers the emulator does not give, such as a front end's HTML page."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, str, bytes]] = []
        self.requests: list[dict[str, str]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                canned.requests.append({k.lower(): v for k, v in self.headers.items()})
                status, kind, body = canned.answers.pop(0) if len(canned.answers) > 1 else canned.answers[0]
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(self, status: int, body: Any, kind: str = "application/json;charset=utf-8") -> CannedIce:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers.append((status, kind, raw))
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canned_ice() -> Iterator[CannedIce]:
    server = CannedIce()
    yield server
    server.close()


def signed_headers(action: str, query: dict[str, str], key_id: str, secret: str) -> dict[str, str]:
    """Lower-cased headers of a correctly signed call, as playgate's transport sends them."""
    from playgate.ice.transport import request_headers, sign

    creds = Credentials(key_id, secret, None, "test")
    headers = request_headers(action, "ice.emulator", creds, nonce="n-1", date="2024-05-01T00:00:00Z")
    return {k.lower(): v for k, v in sign("POST", query, headers, creds).items()}
