"""Over https the request connects to the checked address yet speaks to the name: the
name goes in TLS's SNI and the receiver's certificate must be valid for it."""

from __future__ import annotations

import datetime
import queue
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from community.models import WebhookDelivery
from community.webhooks import services
from tests.community.factories import AdminFactory

NAME = "hooks.example.test"


def _cert(subject: str, key: Any, issuer: x509.Name | None, issuer_key: Any,
          *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def tls_receiver(tmp_path: Path, settings: Any) -> Iterator[tuple[int, queue.Queue[str]]]:
    """An https receiver on 127.0.0.1 with a certificate for NAME from a CA of the test's;
    it keeps the SNI name of each connection."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Test CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert(NAME, key, ca.subject, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    settings.COHORT_WEBHOOKS_CA_FILE = str(tmp_path / "ca.pem")
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = True
    names: queue.Queue[str] = queue.Queue(maxsize=100)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    context.sni_callback = lambda sock, name, ctx: names.put(name or "")  # type: ignore[assignment,func-returns-value]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, names
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def names_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every *.example.test name resolves to 127.0.0.1 (the receiver)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host.endswith(".example.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.django_db
def test_https_speaks_to_the_name_at_the_checked_address(
        tls_receiver, names_to_loopback, django_capture_on_commit_callbacks):
    port, names = tls_receiver
    admin = AdminFactory()
    hook, _secret = services.webhook_create(admin=admin, url=f"https://{NAME}:{port}/in",
                                            description="", events=["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.error) == (
        WebhookDelivery.Status.DELIVERED, 204, "")
    assert names.get(timeout=5) == NAME


@pytest.mark.django_db
def test_a_certificate_for_another_name_is_refused(
        tls_receiver, names_to_loopback, django_capture_on_commit_callbacks):
    port, names = tls_receiver
    admin = AdminFactory()
    hook, _secret = services.webhook_create(
        admin=admin, url=f"https://elsewhere.example.test:{port}/in", description="",
        events=["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.response_code is None and "SSLError" in delivery.error
    assert "match" in delivery.error  # the certificate names another host
    assert names.get(timeout=5) == "elsewhere.example.test"
