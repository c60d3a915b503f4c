"""Minted TURN credentials against a real coturn on loopback (`use-auth-secret`): a fresh
credential gets a relay allocation, an expired or forged one is refused."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
from aioice import stun, turn

from tests.conftest import TURNSERVER
from tests.servers import free_port
from video.turn import turn_credentials

pytestmark = [pytest.mark.coturn, pytest.mark.pure]  # pure: see tests/conftest.py

SECRET = "shared-with-coturn-only"


@pytest.fixture
def coturn(tmp_path: Path):
    port = free_port()
    log = tmp_path / "coturn.log"
    process = subprocess.Popen([
        str(TURNSERVER), "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", "--min-port=49160", "--max-port=49200",
        "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=cohort.test",
        "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--fingerprint",
        f"--log-file={log}", "--simple-log", f"--pidfile={tmp_path / 'coturn.pid'}",
        f"--db={tmp_path / 'turndb'}",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while "Total General servers" not in (log.read_text() if log.exists() else ""):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("coturn did not start:\n" + (log.read_text() if log.exists() else ""))
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


async def allocate(port: int, username: str, password: str) -> tuple[str, int]:
    """A TURN allocation over UDP; the relayed address coturn gives."""
    transport, _protocol = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol, server_addr=("127.0.0.1", port), username=username,
        password=password, lifetime=60)
    try:
        return transport.get_extra_info("sockname")
    finally:
        transport.close()


def test_minted_credentials_get_an_allocation(coturn):
    username, password = turn_credentials(7, secret=SECRET, ttl=300)
    host, port = asyncio.run(allocate(coturn, username, password))
    assert host == "127.0.0.1" and 49160 <= port <= 49200


def test_expired_credentials_are_refused(coturn):
    username, password = turn_credentials(7, secret=SECRET, ttl=300,
                                          now=time.time() - 600)  # expired 5 minutes ago
    with pytest.raises(stun.TransactionFailed) as refused:
        asyncio.run(allocate(coturn, username, password))
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


def test_credentials_of_another_secret_are_refused(coturn):
    username, password = turn_credentials(7, secret="not-the-secret", ttl=300)
    with pytest.raises(stun.TransactionFailed):
        asyncio.run(allocate(coturn, username, password))
