"""Only globally reachable addresses are fetched: every spelling of a forbidden address, and every IPv6
form that leads to an IPv4 one, is judged by where it leads. The forbidden target is 127.0.0.2, with a
listener there that must see nothing."""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest

from playgate.probe.fetch import Fetcher, FetchError, address_refusal

FORBIDDEN = "127.0.0.2"
SPELLINGS = [
    "127.0.0.2",
    "127.2",
    "2130706434",
    "0x7f000002",
    "0177.0.0.2",
    "0x7f.0.0.2",
    "localhost",
    "[::ffff:127.0.0.2]",
    "[::ffff:7f00:2]",
    "[0:0:0:0:0:ffff:127.0.0.2]",
    "[::127.0.0.2]",  # IPv4-compatible
    "[::ffff:0:127.0.0.2]",  # IPv4-translated
    "[64:ff9b::127.0.0.2]",  # NAT64
    "[64:ff9b:1::127.0.0.2]",  # local-use NAT64
    "[2002:7f00:2::]",  # 6to4
    "[2002:7f00:2::1]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffd]",  # Teredo
    "[::1]",
]


@pytest.fixture(scope="module")
def forbidden_listener():
    """A TCP listener on 127.0.0.2 that records every connection it is offered."""
    server = socket.socket()
    server.bind((FORBIDDEN, 0))
    server.listen()
    seen: list[object] = []

    def accept() -> None:
        while True:
            try:
                conn, peer = server.accept()
            except OSError:
                return
            seen.append(peer)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], seen
    server.close()


@pytest.mark.parametrize("host", SPELLINGS)
def test_every_spelling_of_a_loopback_address_is_refused_before_connecting(host, forbidden_listener):
    port, seen = forbidden_listener
    with Fetcher() as fetcher, pytest.raises(FetchError) as refused:
        fetcher.get(f"http://{host}:{port}/latest/meta-data/", max_bytes=100)

    assert refused.value.kind == "blocked", refused.value
    assert "PLAYGATE_PROBE_ALLOW_HOSTS" in refused.value.detail
    assert seen == []


@pytest.mark.parametrize(
    "address",
    [
        "192.0.0.8",  # IPv4 dummy address
        "192.0.0.170",
        "192.88.99.1",  # 6to4 relay anycast (deprecated)
        "198.18.0.1",
        "203.0.113.7",
        "240.0.0.1",
        "224.0.0.1",
        "100.100.100.200",
        "::ffff:100.100.100.200",
        "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254
        "64:ff9b:1::808:808",
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
        "2001:db8::1",
        "3fff::1",
        "5f00::1",
        "100::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "4000::1",  # not allocated for unicast
    ],
)
def test_addresses_that_are_not_globally_reachable_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "47.100.1.1", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8"],
)
def test_globally_reachable_addresses_and_forms_leading_to_them_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_the_refusal_names_where_an_ipv6_form_leads():
    why = address_refusal(ipaddress.ip_address("::127.0.0.2"))
    assert why == "an IPv6 address leading to 127.0.0.2, a loopback address"
