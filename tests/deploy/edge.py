"""The production edge on loopback: Debian's nginx started from the shipped
deploy/nginx/cohort.conf (only its placeholders replaced), a self-signed certificate, and
an HTTPS client that keeps cookies and may speak from another loopback address."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import os
import pwd
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import NGINX
from tests.servers import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "cohort.conf"


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost), and its key: (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def render(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced; a placeholder the file no longer has fails
    the test (it would otherwise test something else than what it says)."""
    for placeholder, value in replacements.items():
        if placeholder not in text:
            pytest.fail(f"deploy/nginx/cohort.conf no longer has {placeholder!r}")
        text = text.replace(placeholder, value)
    return text


@dataclass
class Nginx:
    """nginx on two free loopback ports, in front of `upstreams` (ports of server
    processes), serving `static_root` and `media_root`."""

    folder: Path
    upstreams: tuple[int, int]
    static_root: Path
    media_root: Path
    cert: Path
    key: Path
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def write_config(self) -> Path:
        """The shipped site with its placeholders replaced, inside a main configuration
        shaped like Debian's /etc/nginx/nginx.conf (mime types, sendfile, the site included
        in `http`), with its pid, logs and temporary folders in `folder`."""
        site = render(SITE.read_text(), {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "    listen [::]:80;\n": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "    listen [::]:443 ssl http2;\n": "",
            "/etc/letsencrypt/live/mentoring.example.org/fullchain.pem": str(self.cert),
            "/etc/letsencrypt/live/mentoring.example.org/privkey.pem": str(self.key),
            "server 127.0.0.1:8001 ": f"server 127.0.0.1:{self.upstreams[0]} ",
            "server 127.0.0.1:8002 ": f"server 127.0.0.1:{self.upstreams[1]} ",
            "/srv/cohort/staticfiles/": f"{self.static_root}/",
            "/srv/cohort/data/media/": f"{self.media_root}/",
            "/var/log/nginx/cohort.access.log": str(self.access_log),
            "root /var/www/html;": f"root {self.folder / 'acme'};",
        })
        (self.folder / "cohort.conf").write_text(site)
        temp = "\n".join(f"    {kind}_temp_path {self.folder / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        main = self.folder / "nginx.conf"
        # Workers run as the test's user, who owns the temporary folders (as root, nginx
        # would hand them to `nobody`; production's www-data reads STATIC_ROOT, MEDIA_ROOT).
        main.write_text(f"""user {pwd.getpwuid(os.geteuid()).pw_name};
worker_processes 1;
pid {self.folder / 'nginx.pid'};
error_log {self.folder / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {self.folder / 'cohort.conf'};
}}
""")
        return main

    def start(self) -> Nginx:
        main = self.write_config()
        command = [str(NGINX), "-p", str(self.folder), "-e", str(self.folder / "error.log"),
                   "-c", str(main)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode:
            pytest.fail(f"nginx refuses deploy/nginx/cohort.conf:\n{checked.stderr}")
        self.process = subprocess.Popen([*command, "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5).close()
                if self.process.poll() is None:  # it answers, not another process's port
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("nginx did not start:\n" + self.errors())
            time.sleep(0.05)

    def logged(self, request_id: str, timeout: float = 5) -> str:
        """nginx's access log line of the request `request_id` (written once its answer is
        sent: wait a little for it)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [line for line in self.access_log.read_text().splitlines()
                     if f" id={request_id} " in line]
            if lines or time.monotonic() > deadline:
                assert len(lines) == 1, (request_id, self.access_log.read_text())
                return lines[0]
            time.sleep(0.02)

    def errors(self) -> str:
        log = self.folder / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client_context(self) -> ssl.SSLContext:
        """What a browser that trusts this certificate would do: verify it and the name."""
        return ssl.create_default_context(cafile=str(self.cert))


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        return json.loads(self.body)

    def cookies(self) -> dict[str, str]:
        """Each cookie set by this answer: name -> its whole Set-Cookie line."""
        return {line.split("=", 1)[0]: line for line in self.headers.get_all("Set-Cookie", [])}


class Browser:
    """One visitor of the site, through nginx only: HTTPS trusting its certificate,
    cookies kept, from `source` (a loopback address: 127.0.0.2 is another machine for
    nginx)."""

    def __init__(self, edge: Nginx, source: str = "127.0.0.1") -> None:
        self.edge, self.source = edge, source
        self.cookies: dict[str, str] = {}
        self.context = edge.client_context()

    def request(self, method: str, path: str, *, body: bytes = b"",
                headers: Mapping[str, str] | None = None, tls: bool = True) -> Reply:
        if tls:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.edge.https_port, context=self.context, timeout=15,
                source_address=(self.source, 0))
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.edge.http_port, timeout=15, source_address=(self.source, 0))
        sent = {"Origin": self.edge.url, "Referer": self.edge.url + path, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            connection.close()
        for line in reply.headers.get_all("Set-Cookie", []):
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return reply

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def csrf(self) -> str:
        if "__Host-csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.cookies["__Host-csrftoken"]

    def sign_in(self, email: str, password: str, **headers: str) -> Reply:
        """The real sign-in form: its page (and CSRF token), then the POST."""
        page = self.get("/accounts/login/")
        assert page.status == 200, page.status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "the sign-in page has no CSRF token"
        return self.request("POST", "/accounts/login/", body=urlencode({
            "csrfmiddlewaretoken": token.group(1), "login": email, "password": password,
        }).encode(), headers={"Content-Type": "application/x-www-form-urlencoded", **headers})

    def upload(self, path: str, name: str, data: bytes) -> Reply:
        """A document upload as the page's script sends it (multipart, JSON wanted)."""
        boundary = "cohort-topology-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").encode() + data \
            + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json", "X-CSRFToken": self.csrf()})

    def declare(self, path: str, length: int) -> Reply:
        """The answer to a POST that announces `length` bytes and sends none of them."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.edge.https_port,
                                                 context=self.context, timeout=15)
        try:
            connection.putrequest("POST", path)
            for name, value in {"Content-Length": str(length), "X-CSRFToken": self.csrf(),
                                "Content-Type": "multipart/form-data; boundary=b",
                                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                                "Origin": self.edge.url}.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


def established(port: int) -> set[int]:
    """The peer ports of the open TCP connections to 127.0.0.1:`port` (Linux's
    /proc/net/tcp): behind nginx, one per request or socket a process is serving."""
    peers = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if state == "01" and local == f"0100007F:{port:04X}":
            peers.add(int(remote.rsplit(":", 1)[1], 16))
    return peers
