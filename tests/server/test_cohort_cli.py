"""`cohort.py` as a self-hoster meets it: `setup` writes a checked `.env` (or refuses and
writes nothing), `serve` waits for what is down and names it, runs several server
processes, restarts one that dies and stops them all on SIGTERM, `start` shows Cohort's
own pages, links e-mails to the address it serves and stops on SIGTERM, DEBUG is refused
off loopback, a wrong setting is one line, and a console e-mail is written once, decoded.

Every command runs in a subprocess given its whole environment (a temporary data folder,
`COHORT_ENV_FILE` or `--env-file` in a temporary folder: the project's own `.env` is never
read or written), on free ports.
"""

from __future__ import annotations

import http.cookiejar
import os
import pty
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import cohort
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"
# The run's own settings, none of which a command under test may inherit.
INHERITED = ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "DEBUG",
             "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "EMAIL_URL",
             "EMAIL_FILE_PATH", "DEFAULT_FROM_EMAIL", "STATIC_ROOT", "MEDIA_ROOT",
             "DJANGO_ALLOW_ASYNC_UNSAFE", "TASKS_BACKEND")


def command_env(data: Path, **values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in INHERITED and not key.startswith("COHORT_")}
    env.update({"COHORT_ENV_FILE": "", "COHORT_DATA_DIR": str(data),
                "STATIC_ROOT": str(data.parent / "static"), "PYTHONUNBUFFERED": "1"})
    env.update(values)
    return env


def run_cohort(*args: str, env: dict[str, str], timeout: float = 120,
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cohort.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def said(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def bindable(port: int, *, reuse: bool = False) -> bool:
    """True if a server could listen on the port (`reuse`: as uvicorn and cohort.py bind,
    with SO_REUSEADDR, so the closed connections of a stopped server do not count)."""
    with socket.socket() as sock:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for _attempt in range(50):
        first = free_port()
        if first + count <= 65535 and all(bindable(first + n) for n in range(count)):
            return first
    raise RuntimeError("no consecutive free ports")


def status_of(url: str, **headers: str) -> int | None:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http on loopback)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def wait_for(check, process: subprocess.Popen[bytes], log: Path, seconds: float = 120):
    """Poll `check` until it is truthy; fail with the log if the process ends first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"cohort.py ended ({process.returncode}):\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"not in {seconds} s:\n{log.read_text()}")


def stop_and_check(process: subprocess.Popen[bytes], ports: list[int], log: Path) -> None:
    """SIGTERM: cohort.py exits 0, every child it ran is gone, the ports bind again."""
    children = children_of(process.pid)
    assert len(children) >= 7, children  # server(s), task worker, five sweepers
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log.read_text()
    assert [pid for pid in children if not gone(pid)] == []
    assert all(bindable(port, reuse=True) for port in ports)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder migrated with the demo community loaded, copied by each test (the
    commands still run migrate and the demo loader, which find nothing to do)."""
    data = tmp_path_factory.mktemp("template") / "data"
    env = command_env(data, DJANGO_SETTINGS_MODULE="server.settings")
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=300)
    return data


def copy_of(template: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    return data


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test started, killed with their children if the test failed early."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            for pid in children_of(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()
            process.wait()


# --- setup ----------------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.redis
def test_setup_writes_a_working_env_file_and_keeps_it(tmp_path: Path) -> None:
    env_file = tmp_path / "conf" / ".env"
    env = command_env(tmp_path / "data")
    # A database that is there whatever the run (setup only connects): the server's own.
    database = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres")
    done = run_cohort("setup", "--env-file", str(env_file), "--yes",
                      "--domain", "mentoring.example.org",
                      "--database-url", urllib.parse.urlunsplit(database),
                      "--redis-url", os.environ["REDIS_URL"],
                      "--email-url", "smtp://cohort:pw@mail.example.org:587", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = cohort.read_env_file(env_file)
    assert values["DEBUG"] == "false"
    assert values["ALLOWED_HOSTS"] == "mentoring.example.org"
    assert values["COHORT_BASE_URL"] == values["CSRF_TRUSTED_ORIGINS"] \
        == "https://mentoring.example.org"
    assert values["COHORT_TRUSTED_PROXIES"] == "127.0.0.1"
    assert len(values["SECRET_KEY"]) >= 50 and len(values["COHORT_TURN_SECRET"]) >= 32

    # Django's deploy check, reading nothing but the file, finds nothing to say.
    check = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level",
         "WARNING"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**env, "COHORT_ENV_FILE": str(env_file), "DJANGO_SETTINGS_MODULE": "server.settings"})
    assert check.returncode == 0, check.stdout + check.stderr

    # Run again: refused without --force, the file untouched.
    before = env_file.read_text()
    again = run_cohort("setup", "--env-file", str(env_file), "--yes", env=env)
    assert again.returncode != 0 and len(said(again)) == 1 and "--force" in said(again)[0]
    assert env_file.read_text() == before

    # --force with a new domain: the secrets and the rest are kept as they were.
    forced = run_cohort("setup", "--env-file", str(env_file), "--yes", "--force",
                        "--domain", "cohort.example.net", env=env)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    renewed = cohort.read_env_file(env_file)
    assert renewed["COHORT_BASE_URL"] == "https://cohort.example.net"
    for kept in ("SECRET_KEY", "COHORT_TURN_SECRET", "DATABASE_URL", "EMAIL_URL"):
        assert renewed[kept] == values[kept]


@pytest.mark.pure
@pytest.mark.parametrize(("options", "named"), [
    (("--domain", "https://mentoring.example.org"), "without a scheme"),
    (("--domain", "mentoring.example.org/cohort"), "without a path"),
    (("--database-url", "mysql://cohort@db/cohort"), "postgres://"),
    (("--database-url", "postgres://cohort@db:port/cohort"), "postgres://"),
    (("--redis-url", "redis://127.0.0.1:port/0"), "redis://"),
    (("--email-url", "mail.example.org"), "smtp://"),
    (("--email-url", "smtp://cohort:pw@mail.example.org:99999"),
     "the e-mail URL cannot be read (Port out of range"),
    (("--database-url", "postgres://cohort:pw@[db/cohort"),
     "the database URL cannot be read (Invalid IPv6 URL"),
    (("--database-url", "postgres://cohort@127.0.0.1:{port}/cohort"),
     "the database at 127.0.0.1:{port}/cohort did not answer"),
])
def test_setup_refuses_bad_input_in_one_line_and_writes_nothing(
        tmp_path: Path, options: tuple[str, str], named: str) -> None:
    port = free_port()  # nothing listens there
    given = {"--domain": "mentoring.example.org",
             "--database-url": "postgres://cohort@127.0.0.1:5432/cohort",
             "--redis-url": f"redis://127.0.0.1:{port}/0",
             "--email-url": "smtp://cohort:pw@mail.example.org:587",
             options[0]: options[1].format(port=port)}
    done = run_cohort("setup", "--env-file", str(tmp_path / ".env"), "--yes",
                      *[part for pair in given.items() for part in pair],
                      env=command_env(tmp_path / "data"))
    assert done.returncode != 0
    lines = said(done)
    assert len(lines) == 1, lines
    assert named.format(port=port) in lines[0] and "Nothing was written" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.pure
def test_setup_ended_with_ctrl_d_at_a_question_says_so_and_writes_nothing(
        tmp_path: Path) -> None:
    terminal, its_end = pty.openpty()  # questions are asked on a terminal only
    try:
        setup = subprocess.Popen(
            [sys.executable, str(ROOT / "cohort.py"), "setup", "--env-file",
             str(tmp_path / ".env")], cwd=ROOT, env=command_env(tmp_path / "data"),
            stdin=its_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(its_end)
        os.write(terminal, b"\x04")  # Ctrl-D at the first question
        out, err = setup.communicate(timeout=120)
    finally:
        os.close(terminal)
    assert setup.returncode == 2, out + err
    assert [line for line in err.splitlines() if line.strip()] == [
        "cohort: setup stopped at a question (end of input). Nothing was written."]
    assert list(tmp_path.iterdir()) == []


# --- serve ----------------------------------------------------------------------------------

def production_file(folder: Path, **values: str) -> Path:
    path = folder / "production.env"
    settings = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "cohort.example",
                "COHORT_BASE_URL": "https://cohort.example", **values}
    path.write_text("".join(cohort.env_line(k, v) + "\n" for k, v in settings.items()))
    return path


@pytest.mark.pure
def test_serve_refuses_debug(tmp_path: Path) -> None:
    env_file = production_file(tmp_path, DEBUG="true")
    done = run_cohort("serve", "--env-file", str(env_file), env=command_env(tmp_path / "d"))
    assert done.returncode != 0
    assert len(said(done)) == 1 and "DEBUG is on" in said(done)[0]


@pytest.mark.pure
def test_serve_waits_for_a_database_that_is_down_and_names_it(tmp_path: Path) -> None:
    down = free_port()
    env_file = production_file(tmp_path, DATABASE_URL=f"postgres://cohort@127.0.0.1:{down}/cohort",
                               COHORT_PROCESSES="1", COHORT_WAIT_SECONDS="3")
    began = time.monotonic()
    done = run_cohort("serve", "--env-file", str(env_file), env=command_env(tmp_path / "d"))
    assert done.returncode != 0
    assert time.monotonic() - began >= 3  # it waited before giving up
    where = f"the database at 127.0.0.1:{down}/cohort"
    assert f"waiting for {where} (up to 3 s)" in done.stdout
    assert said(done)[-1].startswith(f"cohort: {where} did not answer in 3 s")
    assert "Traceback" not in done.stderr


@pytest.mark.pure
def test_serve_gives_up_on_a_database_that_accepts_and_never_answers(tmp_path: Path) -> None:
    """A hung database (the connection is taken, nothing comes back): each try ends after
    COHORT_DB_CONNECT_TIMEOUT seconds, and serve stops after COHORT_WAIT_SECONDS."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # never accepted: the client waits for the server's first word
        port = hung.getsockname()[1]
        env_file = production_file(
            tmp_path, DATABASE_URL=f"postgres://cohort@127.0.0.1:{port}/cohort",
            COHORT_PROCESSES="1", COHORT_WAIT_SECONDS="3", COHORT_DB_CONNECT_TIMEOUT="2")
        began = time.monotonic()
        done = run_cohort("serve", "--env-file", str(env_file),
                          env=command_env(tmp_path / "d"), timeout=60)
    assert done.returncode != 0
    assert time.monotonic() - began < 30
    where = f"the database at 127.0.0.1:{port}/cohort"
    assert f"waiting for {where} (up to 3 s): connection timeout expired" in done.stdout
    assert said(done)[-1].startswith(f"cohort: {where} did not answer in 3 s")
    assert "Traceback" not in done.stderr


@pytest.mark.redis
def test_serve_runs_its_processes_restarts_one_that_dies_and_stops_on_sigterm(
        tmp_path: Path, demo_data: Path, started: list[subprocess.Popen[bytes]]) -> None:
    data = copy_of(demo_data, tmp_path)
    stale = data / "metrics" / "counter_1234.db"
    stale.parent.mkdir()
    stale.write_text("a past run's")
    first = free_ports(2)
    env_file = production_file(
        tmp_path, DATABASE_URL=f"sqlite:///{data / 'cohort.sqlite3'}",
        REDIS_URL=os.environ["REDIS_URL"], COHORT_REDIS_PREFIX=f"cli-{first}",
        COHORT_PROCESSES="2", COHORT_PORT=str(first), COHORT_TRUSTED_PROXIES="127.0.0.1",
        EMAIL_URL="smtp://cohort:pw@127.0.0.1:9/")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "cohort.py"), "serve", "--env-file", str(env_file)],
            cwd=ROOT, env=command_env(data), stdout=out, stderr=subprocess.STDOUT)
    started.append(process)
    ports = [first, first + 1]
    proxied = {"Host": "cohort.example", "X-Forwarded-Proto": "https"}
    for port in ports:
        wait_for(lambda p=port: status_of(f"http://127.0.0.1:{p}/accounts/login/",
                                          **proxied) == 200, process, log)
        # Production: plain http is sent to https.
        assert status_of(f"http://127.0.0.1:{port}/accounts/login/",
                         Host="cohort.example") == 301
    assert not stale.exists() and (data / "metrics").is_dir()

    # One server process dies: it is started again and answers.
    victim = next(pid for pid in children_of(process.pid)
                  if f"--port {first + 1} " in Path(f"/proc/{pid}/cmdline").read_text()
                  .replace("\0", " "))
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: "restarting it in 1 s" in log.read_text(), process, log)
    wait_for(lambda: status_of(f"http://127.0.0.1:{first + 1}/accounts/login/",
                               **proxied) == 200, process, log)
    assert gone(victim)

    stop_and_check(process, ports, log)


# --- start ----------------------------------------------------------------------------------

@pytest.mark.pure
def test_start_shows_cohorts_pages_links_mail_to_its_address_and_stops_on_sigterm(
        tmp_path: Path, demo_data: Path, started: list[subprocess.Popen[bytes]]) -> None:
    data = copy_of(demo_data, tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "start.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "cohort.py"), "start"],
                                   cwd=ROOT, env=command_env(data, COHORT_PORT=str(port)),
                                   stdout=out, stderr=subprocess.STDOUT)
    started.append(process)
    wait_for(lambda: status_of(f"{base}/accounts/login/") == 200, process, log)

    # An unknown address: Cohort's own page, not Django's list of every URL.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/no-such-page/", timeout=10)  # noqa: S310
    page = missing.value.read().decode()
    assert missing.value.code == 404
    assert "Page not found · Cohort" in page and "URLconf" not in page

    # A password reset: its e-mail, in data/mail.log, links to this very address.
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(f"{base}/accounts/password/reset/", timeout=10).read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token,
                                   "email": "admin@cohort.example"}).encode()
    browser.open(f"{base}/accounts/password/reset/", data=form, timeout=10).read()
    mail_log = data / "mail.log"
    text = wait_for(lambda: mail_log.exists() and "/password/reset/key/" in mail_log.read_text()
                    and mail_log.read_text(), process, log)
    links = re.findall(r"http\S+/password/reset/key/\S+", text)
    assert len(links) == 1 and links[0].startswith(f"{base}/accounts/password/reset/key/")
    assert re.fullmatch(r"\S+/key/[\w-]+/", links[0]) and "=3D" not in text
    assert "/password/reset/key/" not in log.read_text()  # not in the access log's stream

    stop_and_check(process, [port], log)


@pytest.mark.pure
@pytest.mark.parametrize("values", [
    {"COHORT_BIND": "0.0.0.0", "DEBUG": "true",  # noqa: S104 (refused, never bound)
     "ALLOWED_HOSTS": "myhost.local"},
    {"DEBUG": "true", "ALLOWED_HOSTS": "cohort.example"},
])
def test_start_refuses_debug_off_loopback(tmp_path: Path, values: dict[str, str]) -> None:
    done = run_cohort("start", env=command_env(tmp_path / "data", **values), timeout=30)
    assert done.returncode != 0
    lines = said(done)
    assert len(lines) == 1, lines
    assert "DEBUG" in lines[0] and "ALLOWED_HOSTS" in lines[0] and "cohort.py setup" in lines[0]


@pytest.mark.pure
def test_start_open_to_every_address_needs_allowed_hosts(tmp_path: Path) -> None:
    everywhere = "0.0.0.0"  # noqa: S104 (refused, never bound)
    done = run_cohort("start", env=command_env(tmp_path / "data", COHORT_BIND=everywhere),
                      timeout=30)
    assert done.returncode != 0 and len(said(done)) == 1
    assert "set ALLOWED_HOSTS" in said(done)[0]


@pytest.mark.pure
def test_quick_start_settings_link_to_the_address_it_serves(tmp_path: Path) -> None:
    quick = cohort.quickstart_environment({"COHORT_PORT": "8123",
                                           "COHORT_DATA_DIR": str(tmp_path)})
    assert quick["COHORT_BASE_URL"] == "http://127.0.0.1:8123"
    assert quick["DEBUG"] == "false" and quick["COHORT_HTTPS"] == "false"
    assert len(quick["SECRET_KEY"]) >= 50
    shared = cohort.quickstart_environment({"COHORT_BIND": "192.168.1.20", "COHORT_PORT": "8123",
                                            "COHORT_DATA_DIR": str(tmp_path)})
    assert shared["COHORT_BASE_URL"] == "http://192.168.1.20:8123"
    assert "192.168.1.20" in shared["ALLOWED_HOSTS"].split(",")
    named = cohort.quickstart_environment({"COHORT_BASE_URL": "http://cohort.lan:8000",
                                           "COHORT_DATA_DIR": str(tmp_path)})
    assert named["COHORT_BASE_URL"] == "http://cohort.lan:8000"


# --- settings errors ------------------------------------------------------------------------

@pytest.mark.pure
@pytest.mark.parametrize(("values", "named"), [
    ({"DEBUG": "false", "ALLOWED_HOSTS": "cohort.example"}, "SECRET_KEY"),
    ({"ALLOWED_HOSTS": "https://cohort.example"}, "ALLOWED_HOSTS"),
    ({"DATABASE_URL": "cohort-db:5432"}, "DATABASE_URL needs postgres://"),
    ({"DATABASE_URL": "postgres://cohort@db:port/cohort"}, "DATABASE_URL needs postgres://"),
    ({"DATABASE_URL": "postgres://cohort@db:99999/cohort"}, "DATABASE_URL needs postgres://"),
    ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL needs redis://"),
    ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL needs redis://"),
    ({"EMAIL_URL": "mail.example.org"}, "EMAIL_URL needs smtp://"),
    ({"DATABASE_URL": "postgres://cohort:pw@db:99999/cohort"}, "DATABASE_URL needs postgres://"),
    ({"REDIS_URL": "redis://127.0.0.1:99999/0"}, "REDIS_URL needs redis://"),
    ({"EMAIL_URL": "smtp://cohort:pw@mail.example.org:99999"}, "EMAIL_URL needs smtp://"),
    ({"COHORT_BASE_URL": "cohort.example"}, "COHORT_BASE_URL: 'cohort.example' needs a scheme"),
    ({"CONN_MAX_AGE": "a minute"}, "CONN_MAX_AGE is 'a minute': it needs a whole number"),
    ({"COHORT_PRESENCE_GRACE": "soon"}, "COHORT_PRESENCE_GRACE is 'soon': it needs a number"),
    ({"COHORT_CALLS_RELAY_ONLY": "maybe"}, "COHORT_CALLS_RELAY_ONLY is 'maybe': it needs true"),
])
def test_a_wrong_setting_names_itself(tmp_path: Path, values: dict[str, str],
                                      named: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
        env=command_env(tmp_path, DJANGO_SETTINGS_MODULE="server.settings", **values))
    assert done.returncode != 0
    assert named in said(done)[-1]


@pytest.mark.pure
def test_start_says_a_wrong_setting_in_one_line(tmp_path: Path) -> None:
    done = run_cohort("start", env=command_env(tmp_path / "data",
                                               COHORT_BASE_URL="cohort.example"))
    assert done.returncode != 0
    assert said(done) == ["cohort: COHORT_BASE_URL: 'cohort.example' needs a scheme and a "
                          "host, e.g. https://mentoring.example.org."]


# --- console e-mails ------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_invitation_is_written_once_decoded_with_its_link_whole(
        tmp_path: Path, settings, django_capture_on_commit_callbacks) -> None:
    from django.urls import reverse

    from community import services
    from tests.community.factories import AdminFactory

    mail_log = tmp_path / "mail.log"
    settings.MAILERS = {"default": {"BACKEND": "server.mail.ConsoleEmailBackend",
                                    "OPTIONS": {"path": str(mail_log)}}}
    settings.BASE_URL = "http://mentoring.cohort.example:8765"
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = services.invitation_create(
            admin=AdminFactory(name="Ada Admin"), email="joy@example.org", name="Joy")
    text = mail_log.read_text()
    link = settings.BASE_URL + reverse("invitation_accept", args=[token])
    assert len(link) > 76  # where quoted-printable would have cut it
    assert text.count(link) == 1 and text.count("/invite/") == 1
    assert "To: joy@example.org" in text and "=3D" not in text and "=\n" not in text
    # The link lets whoever reads it join: the file is its owner's alone, whatever umask.
    assert stat.S_IMODE(mail_log.stat().st_mode) == 0o600
