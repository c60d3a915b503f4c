"""A real OpenID Connect provider for the tests: django-oauth-toolkit in a tiny Django
project of its own (settings.py), run in a subprocess on a free loopback port.

    provider = OidcProvider(tmp_path, redirect_uris=[...]).start()
    provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")
    ... Cohort with COHORT_OIDC_SERVER_URL=provider.issuer, client OidcProvider.CLIENT_ID
    provider.stop()
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

from tests.servers import ROOT, free_port

PASSWORD = "provider-pass-1"  # nosec: a test provider's people


class OidcProvider:
    CLIENT_ID = "cohort-test-client"
    CLIENT_SECRET = "cohort-test-secret-0123456789"  # nosec: the test provider's client

    def __init__(self, workdir: Path, *, redirect_uris: Sequence[str]) -> None:
        self.workdir = workdir / "oidc-provider"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/o"
        self.redirect_uris = list(redirect_uris)
        self.log_path = self.workdir / "provider.log"
        self.people: dict[str, dict[str, Any]] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> OidcProvider:
        """Launch it and return once its discovery document answers; RuntimeError with its
        log if it exits or `timeout` passes first."""
        self._write_people()
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
        environment.update({
            "OIDC_PROVIDER_DIR": str(self.workdir), "OIDC_CLIENT_ID": self.CLIENT_ID,
            "OIDC_CLIENT_SECRET": self.CLIENT_SECRET,
            "OIDC_REDIRECT_URIS": " ".join(self.redirect_uris)})
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(self.port)],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                answer = requests.get(f"{self.issuer}/.well-known/openid-configuration",
                                      timeout=2)
                if answer.status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("The test OpenID Connect provider did not start:\n"
                           + self.log_path.read_text())

    def person(self, username: str, *, email: str, verified: bool | None, name: str,
               password: str = PASSWORD) -> None:
        """Someone who can sign in at the provider, and the claims it gives about her
        (`verified` None: no `email_verified` claim at all)."""
        self.people[username] = {"password": password, "email": email,
                                 "email_verified": verified, "name": name}
        self._write_people()

    def _write_people(self) -> None:
        path = self.workdir / "people.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.people))
        temporary.replace(path)  # the provider never reads half a file

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
