"""The production path is HTTPS: the client against the emulator behind TLS on 127.0.0.1, with a
certificate made for the test (verified, not ignored), keep-alive connections included."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ice_helpers import KEY_ID, SECRET

from playgate.ice.client import IceClient
from playgate.ice.credentials import Credentials
from playgate.testing.http_server import _Handler, _Server


def _certificate(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_ice(catalog_emulator, tmp_path) -> Iterator[tuple[str, str]]:
    cert, key = _certificate(tmp_path)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.emulator = catalog_emulator
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def _client(endpoint: str) -> IceClient:
    return IceClient(
        endpoint=endpoint, protocol="https", credentials=Credentials(KEY_ID, SECRET, None, "test")
    )


def test_fetch_over_verified_tls_reuses_its_connections(tls_ice, catalog_emulator):
    endpoint, cert = tls_ice
    client = _client(endpoint)
    transport = client._transport_for_calls()
    transport._tls = ssl.create_default_context(cafile=cert)  # trust the test's certificate, and only it
    for _ in range(3):
        assert len(client.fetch("media-ladder-ok").renditions) == 4
    assert len(catalog_emulator.calls) == 6
    assert len(transport._idle) == 2  # both connections kept alive between fetches


def test_a_certificate_nobody_vouches_for_is_refused(tls_ice, catalog_emulator):
    endpoint, _ = tls_ice
    client = _client(endpoint)  # the system's trust store: the test's certificate is not in it
    with pytest.raises(Exception) as info:
        client.get_media_info("media-ladder-ok")
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "certificate" in str(info.value).lower()
    assert catalog_emulator.calls == []
