"""A refused connection is reported as one, whatever the request URL says (GetMediaInfo's query carries
``AuthTimeout=…``, which once made a refused connection read as a "Timeout")."""

from __future__ import annotations

import socket

import pytest

from playgate.errors import IceUnavailable


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("call", ["get_media_info", "get_play_info"])
def test_a_refused_connection_says_connection_refused(make_client, call):
    client = make_client(f"http://127.0.0.1:{_closed_port()}", max_attempts=2)
    with pytest.raises(IceUnavailable) as raised:
        getattr(client, call)("media-ladder-ok")
    message = str(raised.value)
    assert "connection refused" in message and raised.value.code == "ConnectionRefused"
    assert "Timeout" not in message.replace("AuthTimeout", "")
    assert "delivered again" not in message


def test_a_server_that_never_answers_is_a_timeout(make_client):
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        client = make_client(f"http://127.0.0.1:{silent.getsockname()[1]}", max_attempts=1, timeout_s=0.3)
        with pytest.raises(IceUnavailable) as raised:
            client.get_media_info("media-ladder-ok")
    assert raised.value.code == "Timeout"
