"""A real server process on a free loopback port, and Chromium driven by Playwright.

pytest-django's live_server speaks no WebSocket, so the server here is the one production
runs (tests/servers.py: uvicorn, or Daphne with `COHORT_TEST_SERVER=daphne`), sharing the
test database (committed data: `transactional_db`).
Its e-mails are written to files the test reads; its tasks run immediately.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM
from tests.servers import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@dataclass
class LiveServer:
    server: ServerProcess
    mail_dir: Path
    ready: bool = False

    @property
    def url(self) -> str:
        """The server's address, once it answers: the fixture only launches it, so that
        it starts while Chromium does (and the test's other fixtures run)."""
        if not self.ready:
            try:
                self.server.wait_ready()
            except RuntimeError as error:
                pytest.fail(str(error))
            self.ready = True
        return self.server.url

    def emails(self) -> list[str]:
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"),
                                              key=lambda p: p.stat().st_mtime)]


@pytest.fixture
def live_daphne(transactional_db: None, tmp_path: Path) -> Iterator[LiveServer]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = ServerProcess(tmp_path, MEDIA_ROOT=str(tmp_path / "media"),
                           EMAIL_FILE_PATH=str(mail_dir))
    try:
        yield LiveServer(server=server.launch(), mail_dir=mail_dir)
    finally:
        server.stop()


@contextmanager
def connections_closed_after() -> Iterator[None]:
    """Under Playwright's sync API the ORM calls a test makes get a connection of their
    own (another context than pytest-django's), which pytest-django never closes and which
    would keep PostgreSQL from dropping the test database. Close what opened meanwhile."""
    from django.db.backends.signals import connection_created

    opened: list[object] = []

    def remember(sender: object, connection: object, **kwargs: object) -> None:
        opened.append(connection)

    connection_created.connect(remember)
    try:
        yield
    finally:
        connection_created.disconnect(remember)
        for connection in opened:
            connection.close()  # type: ignore[attr-defined]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between its steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with connections_closed_after(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def video_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Chromium with fake camera and microphone, allowed to connect calls on loopback."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with connections_closed_after(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            "--allow-loopback-in-peer-connection",
            # Playwright's clicks do not always count as the user gesture that lets a
            # video with sound start playing; a member's real click does.
            "--autoplay-policy=no-user-gesture-required"])
        try:
            yield chromium
        finally:
            chromium.close()


def screenshot(page: object, name: str) -> None:
    """Save the page at desktop and at phone width, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size(size)  # type: ignore[attr-defined]
