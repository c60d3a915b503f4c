#!/usr/bin/env python3
"""Set up and run Cohort on this machine, with nothing but Python installed.

    python3 cohort.py start    # quick start: install, migrate, demo community, serve :8000
    python3 cohort.py test     # the whole test suite (extra arguments go to pytest)
    python3 cohort.py setup    # production: write .env (asks, or takes --domain ... --yes)
    python3 cohort.py serve    # production: run from .env behind a reverse proxy
    python3 cohort.py backup [ARGS]     # manage.py backup (its --help says what it takes)
    python3 cohort.py restore ARCHIVE   # manage.py restore
    python3 cohort.py manage COMMAND    # any manage.py command in the environment

`start` serves with uvicorn (uvloop, httptools, its `websockets` implementation);
`COHORT_SERVER=daphne python3 cohort.py start` serves with Daphne instead
(docs/deployment.md says why uvicorn). `server_command` is the one place that says how
either is started: the tests and the benchmarks start their servers with it too.

`start` is for one machine: DEBUG off (Cohort's own error pages, static files collected),
plain http on loopback (`COHORT_HTTPS=false`), e-mails in `data/mail.log`, links in them
to the address it serves. `COHORT_BIND` and `ALLOWED_HOSTS` open it to colleagues; DEBUG
on is refused unless every address it answers on is loopback. `serve` is production:
DEBUG must be off; it waits for the database and Redis, migrates, collects static files,
then runs `COHORT_PROCESSES` server processes on 127.0.0.1 from `COHORT_PORT` (8001) up,
the task worker and the sweepers, restarts a server process that dies, and stops them
all on SIGTERM or Ctrl-C. Both read `.env` (or `--env-file`, or `COHORT_ENV_FILE`); the
environment wins over the file.

This file runs under any Python 3 (it uses the standard library only). It finds a
Python >= 3.12 on the machine, makes `.venv` with it, installs the locked
requirements (`requirements/*.txt`, exported from `uv.lock`, with hashes) and
reinstalls only when the lock changes.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 12)
SERVERS = ("uvicorn", "daphne")
# The task worker (e-mails, notifications) and the sweepers, as `start` and `serve` run
# them: manage.py arguments, and the name the banner and the log give each.
TASK_WORKER = ("task_worker", "--no-reload")
SWEEPS = (
    (("mentoring_sweep", "--every", "300"), "the request sweeper"),
    (("calendar_sweep", "--every", "60"), "the reminder sweeper"),
    (("notifications_sweep", "--every", "60"), "the missed-message sweeper"),
    (("break_glass_sweep", "--every", "60"), "the break-glass sweeper"),
    (("privacy_sweep", "--every", "300"), "the privacy sweeper"),
    (("webhooks_sweep", "--every", "30"), "the webhook sweeper"),
)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
STOP_SECONDS = 10  # SIGTERM to the children, then this long at most before SIGKILL
WS_MAX_BYTES = 1 << 20  # a client frame past this closes its socket (1009); past 64 KiB,
# the consumer answers `bad_frame` (rooms.protocol.MAX_FRAME_BYTES)


def say(text: str) -> None:
    print(f"cohort: {text}", flush=True)


def python_ok(executable: str) -> bool:
    """True if `executable` runs and is at least MIN_PYTHON with venv support."""
    probe = f"import sys, venv; sys.exit(0 if sys.version_info >= {MIN_PYTHON!r} else 1)"
    try:
        done = subprocess.run(
            [executable, "-c", probe],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def version_key(path: str) -> tuple[int, ...]:
    """(3, 13, 0) for .../versions/3.13.0/bin/python3; newest sorts last."""
    found = re.search(r"/(\d+(?:\.\d+)+)[^/]*/bin/", path)
    return tuple(int(part) for part in found.group(1).split(".")) if found else (0,)


def find_python() -> str:
    """The first Python >= 3.12: COHORT_PYTHON, this one, python3.1x on PATH, then pyenv's."""
    candidates = []
    if os.environ.get("COHORT_PYTHON"):
        candidates.append(os.environ["COHORT_PYTHON"])
    candidates.append(sys.executable)
    for minor in range(20, MIN_PYTHON[1] - 1, -1):
        found = shutil.which(f"python3.{minor}")
        if found:
            candidates.append(found)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    # pyenv's shims refuse versions that are not selected; its installs work directly.
    installed = glob.glob(f"{pyenv_root}/versions/3.*/bin/python3")
    candidates += sorted(installed, key=version_key, reverse=True)
    for candidate in candidates:
        if python_ok(candidate):
            return candidate
    sys.exit(
        "cohort: Cohort needs Python >= 3.12 and none was found. Install one "
        "(for example python3.12 from your distribution) or point COHORT_PYTHON at it."
    )


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(*, dev: bool) -> Path:
    """Create .venv and install the locked requirements if they changed since last time."""
    python = venv_python()
    if not python.exists() or not python_ok(str(python)):
        if VENV.exists():
            shutil.rmtree(VENV)
        chosen = find_python()
        say(f"creating .venv with {chosen}")
        subprocess.run([chosen, "-m", "venv", str(VENV)], check=True)
    lock = ROOT / "requirements" / ("dev.txt" if dev else "base.txt")
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{lock.stem}"
    dev_stamp = VENV / ".installed-dev"
    already = stamp.exists() and stamp.read_text() == digest
    if not dev and dev_stamp.exists():
        # The dev lock is a superset of the base lock: a dev install serves both.
        dev_lock = ROOT / "requirements" / "dev.txt"
        already = already or dev_stamp.read_text() == hashlib.sha256(
            dev_lock.read_bytes()).hexdigest()
    if not already:
        say(f"installing {lock.relative_to(ROOT)} (first run or the lock changed)")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             "--require-hashes", "-r", str(lock)],
            check=True,
        )
        stamp.write_text(digest)
    return python


def server_command(python: str, *, server: str, host: str, port: int | str,
                   quiet: bool = False, proxies: Sequence[str] | None = None) -> list[str]:
    """The command that serves Cohort (`server.asgi`) on host:port with `server`.

    uvicorn: uvloop and httptools, and the sans-I/O `websockets` implementation, whose
    `send` waits while the client's TCP window is full, so each socket's bounded queue
    (rooms.outgoing) is the only place a slow reader's frames wait. No per-message
    compression (the browser offers it; it would cost a deflate per frame per socket),
    no lifespan (Channels' router has none). Daphne: the handshake limit raised to 30 s
    (a reconnect storm queues handshakes). `quiet`: warnings only. uvicorn writes no access
    log of its own: Cohort's (`cohort.request`, server/logs.py) has one line per request
    with its request id, member and duration, in the format LOG_FORMAT chooses.

    `proxies` (production, behind a reverse proxy): the addresses whose X-Forwarded-For
    and X-Forwarded-Proto are believed (none: no header is), no `Server` header, and a
    shutdown that waits at most 5 s for requests under way (then sockets are closed and
    their clients reconnect elsewhere).
    """
    if server == "uvicorn":
        production = [] if proxies is None else [
            *(["--proxy-headers", "--forwarded-allow-ips", ",".join(proxies)] if proxies
              else ["--no-proxy-headers"]),
            "--no-server-header", "--timeout-graceful-shutdown", "5"]
        return [python, "-m", "uvicorn", "server.asgi:application", "--host", host,
                "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
                "--ws-max-size", str(WS_MAX_BYTES), "--lifespan", "off", *production,
                "--no-access-log", *(["--log-level", "warning"] if quiet else [])]
    if server == "daphne":
        production = ["--proxy-headers"] if proxies else []
        return [python, "-m", "daphne", "--websocket_connect_timeout", "30", "-b", host,
                "-p", str(port), *production, *(["-v", "0"] if quiet else []),
                "server.asgi:application"]
    raise ValueError(f"unknown server {server!r}; use one of {', '.join(SERVERS)}")


def fail(text: str) -> int:
    """One line on stderr; the exit status of a refusal."""
    print(f"cohort: {text}", file=sys.stderr, flush=True)
    return 2


# --- Settings: the environment over .env ---------------------------------------------------

def env_file_path(given: str | None = None) -> Path | None:
    """The settings file: `--env-file`, else COHORT_ENV_FILE (empty: none), else .env."""
    if given:
        return Path(given).resolve()
    named = os.environ.get("COHORT_ENV_FILE")
    if named is not None:
        return Path(named).resolve() if named else None
    return ROOT / ".env"


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines as server/settings.py reads them (django-environ's `read_env`):
    `export ` allowed, a value in single quotes taken as is, in double quotes unescaped."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z", line)
        if not found:
            continue
        key, value = found.groups()
        quoted = re.match(r"\A'(.*)'\Z", value)
        if quoted:
            value = quoted.group(1)
        double = re.match(r'\A"(.*)"\Z', value)
        if double:
            value = re.sub(r"\\(.)", lambda m: "\\" + m.group(1) if m.group(1) in "rnt"
                           else m.group(1), double.group(1))
        values[key] = value
    return values


def env_line(key: str, value: str) -> str:
    """A line read_env_file (and django-environ) reads back as `value`."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"{key} cannot hold a line break")
    if "'" not in value:
        return f"{key}='{value}'"
    return f'{key}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def environment(env_file: Path | None) -> dict[str, str]:
    """The children's environment: this one, and what `env_file` sets that it does not."""
    env = dict(os.environ)
    if env_file is not None and env_file.exists():
        for key, value in read_env_file(env_file).items():
            env.setdefault(key, value)
    env["COHORT_ENV_FILE"] = str(env_file) if env_file is not None else ""
    return env


def parse_bool(value: str | None, default: bool) -> bool | None:
    """As settings read it: true/false words, None for anything else."""
    if value is None:
        return default
    word = value.strip().lower()
    if word in ("true", "on", "ok", "y", "yes", "1"):
        return True
    if word in ("false", "off", "no", "n", "0", ""):
        return False
    return None


def whole_number(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, str(default))
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise SystemExit(f"cohort: {name} is {raw!r}: it needs a whole number from {low} "
                         f"to {high}.")
    return int(raw)


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def data_dir(env: dict[str, str]) -> Path:
    return Path(env.get("COHORT_DATA_DIR") or ROOT / "data")


def metrics_dir(env: dict[str, str]) -> Path:
    """$COHORT_DATA_DIR/metrics, emptied: each process's metrics of a past run would
    count again (PROMETHEUS_MULTIPROC_DIR)."""
    folder = data_dir(env) / "metrics"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def port_taken(host: str, port: int) -> bool:
    """True if a server could not listen on host:port (as uvicorn binds: SO_REUSEADDR, so
    the connections of a server just stopped, in TIME_WAIT, do not count)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_settings(python: Path, env: dict[str, str]) -> bool:
    """`manage.py check`; when it fails, its last words, not a traceback: a setting that
    is missing or wrong is one ImproperlyConfigured line naming it."""
    done = subprocess.run([str(python), str(ROOT / "manage.py"), "check"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode == 0:
        return True
    prefix = "django.core.exceptions.ImproperlyConfigured: "
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    refusals = [line[len(prefix):] for line in lines if line.startswith(prefix)]
    if refusals:
        fail(refusals[-1])
    else:
        sys.stderr.write(done.stdout + done.stderr)
    return False


def manage(python: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(python), str(ROOT / "manage.py"), *args], check=True, cwd=ROOT,
                   env=env)


# --- Children: started together, restarted, stopped together ------------------------------

class Stopping(Exception):
    """SIGTERM or SIGINT arrived: stop every child."""


class Child:
    """One process `Supervisor` runs: restarted when it exits if `restart`, after 1, 2,
    4 ... 30 s (back to 1 s once it has run a minute); otherwise its exit stops them all."""

    def __init__(self, name: str, command: list[str], *, restart: bool) -> None:
        self.name = name
        self.command = command
        self.restart = restart
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.failures = 0
        self.due = 0.0


class Supervisor:
    def __init__(self, children: list[Child], env: dict[str, str]) -> None:
        self.children = children
        self.env = env

    def launch(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command, cwd=ROOT, env=self.env)
        child.started = time.monotonic()

    def run(self) -> int:
        """Until SIGTERM or Ctrl-C (exit 0), or a child that is not restarted exits
        (its status). Every child is stopped before it returns."""
        def stop(signum: int, frame: object) -> None:
            raise Stopping

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        status = 0
        try:
            for child in self.children:
                self.launch(child)
            status = self.watch()
        except Stopping:
            status = 0
        finally:
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def watch(self) -> int:
        while True:
            now = time.monotonic()
            for child in self.children:
                if child.process is None:
                    if now >= child.due:
                        say(f"starting {child.name} again")
                        self.launch(child)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                if not child.restart:
                    say(f"{child.name} stopped ({code}); stopping the others")
                    return code or 1
                child.failures = 0 if now - child.started > 60 else child.failures + 1
                delay = min(30, 2 ** max(0, child.failures - 1))
                how = f"was killed by signal {-code}" if code < 0 else f"exited ({code})"
                say(f"{child.name} {how}; restarting it in {delay} s")
                child.process = None
                child.due = now + delay
            time.sleep(0.5)

    def stop_all(self) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def background(python: Path) -> list[Child]:
    """The task worker and every sweeper, restarted if they exit."""
    manage_py = [str(python), str(ROOT / "manage.py")]
    return [Child("the task worker", [*manage_py, *TASK_WORKER], restart=True),
            *(Child(name, [*manage_py, *args], restart=True) for args, name in SWEEPS)]


def chosen_server(env: dict[str, str]) -> str:
    chosen = env.get("COHORT_SERVER", SERVERS[0])
    if chosen not in SERVERS:
        raise SystemExit(f"cohort: COHORT_SERVER is {chosen!r}; use one of "
                         f"{', '.join(SERVERS)}")
    return chosen


# --- start: the quick start ---------------------------------------------------------------

def development_secret_key(env: dict[str, str]) -> str:
    """The key kept in the data folder (as settings make it with DEBUG on): sessions
    survive restarts."""
    folder = data_dir(env)
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def quickstart_environment(env: dict[str, str]) -> dict[str, str]:
    """The quick start's settings, where neither the environment nor .env set them:
    DEBUG off (Cohort's own error pages, never Django's technical ones), plain http
    (COHORT_HTTPS=false: no redirect to https, no secure-only cookies), the loopback
    names (and COHORT_BIND's address) as ALLOWED_HOSTS, the data folder's secret key, and
    COHORT_BASE_URL the address it serves, for the links in e-mails. Refuses DEBUG on
    unless every address it answers on is loopback."""
    env = dict(env)
    bind = env.get("COHORT_BIND", "127.0.0.1").strip() or "127.0.0.1"
    port = whole_number(env, "COHORT_PORT", 8000, 1, 65535)
    debug = parse_bool(env.get("DEBUG"), default=False)
    if debug is None:
        raise SystemExit(f"cohort: DEBUG is {env['DEBUG']!r}: it needs true or false.")
    hosts = [h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    wildcard = bind in ("0.0.0.0", "::")  # noqa: S104 (what we look for, not what we bind)
    if debug and not (is_loopback(bind) and all(is_loopback(h) for h in hosts)):
        raise SystemExit(
            f"cohort: DEBUG is on and COHORT_BIND/ALLOWED_HOSTS reach beyond this machine "
            f"({bind}; {', '.join(hosts) or 'no ALLOWED_HOSTS'}): debug pages show the "
            "site's code and settings, so DEBUG is for loopback only. Leave DEBUG unset to "
            "share the quick start, or run `python3 cohort.py setup` then `serve`.")
    if wildcard and not hosts:
        raise SystemExit(
            f"cohort: COHORT_BIND is {bind}: set ALLOWED_HOSTS to the names colleagues "
            "will type to reach this machine, e.g. ALLOWED_HOSTS=myhost.local,192.168.1.20.")
    bracketed = f"[{bind}]" if ":" in bind else bind
    if not hosts:
        hosts = [*LOOPBACK_NAMES, *([] if is_loopback(bind) else [bracketed])]
    served = hosts[0].lstrip(".") if wildcard else bracketed
    if served == "*":
        served = "127.0.0.1"
    env.setdefault("DEBUG", "false")
    env.setdefault("COHORT_HTTPS", "false")
    env.setdefault("ALLOWED_HOSTS", ",".join(hosts))
    env.setdefault("COHORT_BASE_URL", f"http://{served}:{port}")
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = development_secret_key(env)
    return env


def start() -> int:
    env_file = env_file_path()
    env = environment(env_file)
    if env_file is not None and env_file.exists() and parse_bool(
            read_env_file(env_file).get("DEBUG"), default=True) is False:
        return fail(f"{env_file} sets DEBUG=false: it configures a production install, "
                    "which `python3 cohort.py serve` runs (`start` would load the demo "
                    "community into its database).")
    env = quickstart_environment(env)
    chosen = chosen_server(env)
    bind = env.get("COHORT_BIND", "127.0.0.1").strip() or "127.0.0.1"
    port = int(env.get("COHORT_PORT", "8000"))
    debug = parse_bool(env["DEBUG"], default=False)
    python = ensure_environment(dev=False)
    if not check_settings(python, env):
        return 2
    if port_taken(bind, port):
        return fail(f"port {port} on {bind} is in use (another Cohort?); stop it or set "
                    "COHORT_PORT.")
    manage(python, "migrate", "--noinput", "-v", "0", env=env)
    manage(python, "seed_demo", env=env)
    if not debug:
        manage(python, "collectstatic", "--noinput", "-v", "0", env=env)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(env))
    mail = "" if env.get("EMAIL_URL") or env.get("EMAIL_FILE_PATH") else (
        f"; e-mails are written to {data_dir(env) / 'mail.log'}")
    say(f"serving {env['COHORT_BASE_URL']}/ with {chosen} (Ctrl-C stops the server, the "
        f"task worker and the sweepers{mail})")
    children = [Child(f"the {chosen} server", server_command(
        str(python), server=chosen, host=bind, port=port), restart=False),
        *background(python)]
    return Supervisor(children, env).run()


# --- serve: production --------------------------------------------------------------------

def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cohort.py serve", description=(
        "Run Cohort in production from .env (see `cohort.py setup`) behind a reverse proxy."))
    parser.add_argument("--env-file", help="the settings file (default: .env at the top)")
    args = parser.parse_args(argv)
    env = environment(env_file_path(args.env_file))
    debug = parse_bool(env.get("DEBUG"), default=True)
    if debug is not False:
        return fail("DEBUG is on (it is unless set to false): `serve` runs production; set "
                    "DEBUG=false, e.g. with `python3 cohort.py setup`.")
    chosen = chosen_server(env)
    processes = whole_number(env, "COHORT_PROCESSES", 2, 1, 64)
    first = whole_number(env, "COHORT_PORT", 8001, 1, 65535 - processes + 1)
    wait = whole_number(env, "COHORT_WAIT_SECONDS", 120, 0, 86400)
    if processes > 1 and not env.get("REDIS_URL"):
        return fail(f"COHORT_PROCESSES is {processes} but REDIS_URL is not set: server "
                    "processes share live events through Redis; set REDIS_URL, or "
                    "COHORT_PROCESSES=1.")
    proxies = [p.strip() for p in env.get("COHORT_TRUSTED_PROXIES", "").split(",")
               if p.strip()]
    python = ensure_environment(dev=False)
    if not check_settings(python, env):
        return 2
    if subprocess.run([str(python), "-m", "server.readiness", str(wait)], cwd=ROOT,
                      env=env).returncode != 0:
        return 1
    ports = list(range(first, first + processes))
    taken = [port for port in ports if port_taken("127.0.0.1", port)]
    if taken:
        return fail(f"port {taken[0]} on 127.0.0.1 is in use (another Cohort?); stop it or "
                    "set COHORT_PORT.")
    manage(python, "migrate", "--noinput", env=env)
    manage(python, "collectstatic", "--noinput", "-v", "0", env=env)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(env))
    children = [Child(f"the {chosen} server on port {port}", server_command(
        str(python), server=chosen, host="127.0.0.1", port=port, proxies=proxies),
        restart=True) for port in ports]
    say(f"serving on 127.0.0.1 port{'s' if processes > 1 else ''} "
        f"{', '.join(map(str, ports))} ({processes} {chosen} process"
        f"{'es' if processes > 1 else ''}) for {env.get('COHORT_BASE_URL', 'the proxy')}, "
        "with the task worker and the sweepers; SIGTERM or Ctrl-C stops them all")
    return Supervisor([*children, *background(python)], env).run()


# --- setup: write .env --------------------------------------------------------------------

class Refused(Exception):
    """Input that cannot be used; its text is the one line said."""


def check_domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if "://" in domain:
        raise Refused(f"the domain is the host name alone, without a scheme: "
                      f"{domain.split('://', 1)[1].split('/')[0] or 'mentoring.example.org'}"
                      f", not {value.strip()}.")
    if "/" in domain:
        raise Refused(f"the domain is the host name alone, without a path: "
                      f"{domain.split('/')[0]}, not {value.strip()}.")
    if ":" in domain:
        raise Refused("the domain is the host name alone, without a port (the reverse "
                      "proxy answers on 443).")
    if not re.fullmatch(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*", domain):
        raise Refused(f"{value.strip()!r} is not a domain name such as "
                      "mentoring.example.org.")
    return domain


def url_parts(value: str, what: str, shape: str) -> SplitResult:
    """The URL's parts, or the refusal of a URL Python cannot read (a broken [address],
    a port out of range); the URL itself is not repeated: it may hold a password."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  # a port out of range raises here
    except ValueError as error:
        raise Refused(f"{what} cannot be read ({error}): it needs {shape}.") from None
    return parts


def check_database_url(value: str) -> str:
    parts = url_parts(value, "the database URL", "postgres://user:password@host:5432/name")
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or not parts.hostname \
            or not parts.path.strip("/"):
        raise Refused("the database URL needs postgres://user:password@host:5432/name.")
    return value.strip()


def check_redis_url(value: str) -> str:
    parts = url_parts(value, "the Redis URL", "redis://host:6379/0")
    if not ((parts.scheme in ("redis", "rediss") and parts.hostname
             and re.fullmatch(r"/?\d*", parts.path)) or (parts.scheme == "unix" and parts.path)):
        raise Refused("the Redis URL needs redis://host:6379/0 (or rediss://, unix://).")
    return value.strip()


def check_email_url(value: str) -> str:
    parts = url_parts(value, "the e-mail URL", "smtp://user:password@host:587")
    if parts.scheme not in ("smtp", "smtp+tls", "smtp+ssl", "smtps") or not parts.hostname:
        raise Refused("the e-mail URL needs smtp://user:password@host:587 (or smtp+tls://, "
                      "smtps://).")
    return value.strip()


def check_from_email(value: str) -> str:
    address = value.strip()
    if not re.fullmatch(r"[^<>@\s]+@[^<>@\s]+|[^<>@]*<[^<>@\s]+@[^<>@\s]+>", address):
        raise Refused(f"{address!r} is not a sender such as Cohort <cohort@example.org>.")
    return address


def check_secret(value: str) -> str:
    if len(value.strip()) < 32 or any(c.isspace() for c in value.strip()):
        raise Refused("the TURN secret needs at least 32 characters and no spaces.")
    return value.strip()


def setup(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cohort.py setup", description=(
        "Write .env for production: asks what it needs (or takes it from the options), "
        "checks that the database and Redis answer, then writes the file (mode 0600)."))
    parser.add_argument("--env-file", help="the file to write (default: .env at the top)")
    parser.add_argument("--force", action="store_true",
                        help="rewrite an existing file (its values are the defaults)")
    parser.add_argument("--yes", action="store_true",
                        help="ask nothing: take the defaults for what the options leave out")
    parser.add_argument("--domain", help="where members reach Cohort: mentoring.example.org")
    parser.add_argument("--database-url", help="postgres://user:password@host:5432/name")
    parser.add_argument("--redis-url", help="redis://host:6379/0 (default)")
    parser.add_argument("--email-url", help="smtp://user:password@host:587 (smtp+tls://, "
                        "smtps://)")
    parser.add_argument("--from-email", help="the sender, e.g. 'Cohort <cohort@DOMAIN>'")
    parser.add_argument("--turn-secret", help="coturn's static-auth-secret (default: new)")
    args = parser.parse_args(argv)
    target = env_file_path(args.env_file) or ROOT / ".env"
    if target.exists() and not args.force:
        return fail(f"{target} exists; `setup --force` rewrites it, keeping its values "
                    "as defaults.")
    old = read_env_file(target) if target.exists() else {}
    interactive = sys.stdin.isatty() and not args.yes

    def value(given: str | None, question: str, default: str | None, option: str,
              check: object, secret: bool = False) -> str:
        answer = given
        while True:
            if answer is None and interactive:
                hidden = re.sub(r"(://[^:/@]*:)[^/]*@", r"\1***@", default or "")
                shown = f" [{hidden}]" if default else ""  # a URL's password is not shown
                if secret and default:  # never shown on the screen
                    shown = " [keep it]" if default in old.values() else " [a new random one]"
                try:
                    answer = input(f"{question}{shown}: ").strip() or default
                except EOFError:  # Ctrl-D at a question
                    print()
                    raise Refused("setup stopped at a question (end of input).") from None
            elif answer is None:
                answer = default
            if not answer:
                if interactive:
                    continue
                raise Refused(f"{option} is needed ({question.lower()}).")
            try:
                return check(answer)  # type: ignore[operator, no-any-return]
            except Refused as refusal:
                if not interactive or given is not None:
                    raise
                print(f"cohort: {refusal}")
                answer = None

    try:
        old_hosts = [h for h in old.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
        domain = value(args.domain, "Domain where members reach Cohort (no https://)",
                       old_hosts[0] if old_hosts else None, "--domain", check_domain)
        database = value(args.database_url, "PostgreSQL database URL",
                         old.get("DATABASE_URL"), "--database-url", check_database_url)
        redis = value(args.redis_url, "Redis URL",
                      old.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "--redis-url",
                      check_redis_url)
        email = value(args.email_url, "SMTP server URL (invitations and sign-in links)",
                      old.get("EMAIL_URL"), "--email-url", check_email_url)
        sender = value(args.from_email, "Sender of Cohort's e-mails",
                       old.get("DEFAULT_FROM_EMAIL", f"Cohort <cohort@{domain}>"),
                       "--from-email", check_from_email)
        turn = value(args.turn_secret, "TURN shared secret (coturn's static-auth-secret)",
                     old.get("COHORT_TURN_SECRET") or secrets.token_hex(32),
                     "--turn-secret", check_secret, secret=True)
    except Refused as refusal:
        return fail(f"{refusal} Nothing was written.")
    secret_key = old.get("SECRET_KEY", "")
    if len(secret_key) < 50:
        secret_key = secrets.token_urlsafe(50)
    values = {
        **old,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": domain,
        "CSRF_TRUSTED_ORIGINS": f"https://{domain}",
        "COHORT_BASE_URL": f"https://{domain}",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "EMAIL_URL": email,
        "DEFAULT_FROM_EMAIL": sender,
        "COHORT_TURN_SECRET": turn,
        "COHORT_TRUSTED_PROXIES": old.get("COHORT_TRUSTED_PROXIES", "127.0.0.1"),
    }
    python = ensure_environment(dev=False)
    probe = {**os.environ, **values, "COHORT_ENV_FILE": "",
             "DJANGO_SETTINGS_MODULE": "server.settings"}
    say("checking that the database and Redis answer")
    done = subprocess.run([str(python), "-m", "server.readiness", "0"], cwd=ROOT, env=probe,
                          capture_output=True, text=True)
    if done.returncode != 0:
        why = " ".join(re.sub(r"\Acohort: ", "", line).strip()
                       for line in done.stderr.splitlines() if line.strip())
        return fail(f"{why} Nothing was written to {target}.")
    text = (f"# Cohort's production settings, written by `python3 cohort.py setup` "
            f"({time.strftime('%Y-%m-%d')}).\n# The environment wins over this file; "
            "docs/deployment.md lists every variable.\n"
            + "".join(env_line(key, val) + "\n" for key, val in values.items()))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, target)
    say(f"wrote {target} (readable by you alone). Next: `python3 cohort.py serve`, the "
        "first admin with `python3 cohort.py manage createsuperuser`, and the reverse "
        "proxy (docs/deployment.md).")
    return 0


# --- the rest -----------------------------------------------------------------------------

def run_manage(args: list[str]) -> int:
    python = ensure_environment(dev=False)
    return subprocess.run([str(python), str(ROOT / "manage.py"), *args], cwd=ROOT,
                          env=environment(env_file_path())).returncode


def test(args: list[str]) -> int:
    python = ensure_environment(dev=True)
    return subprocess.run([str(python), "-m", "pytest", *args], cwd=ROOT).returncode


COMMANDS = "start, test, setup, serve, backup, restore or manage"


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    rest = sys.argv[2:]
    if command == "start":
        return start()
    if command == "test":
        return test(rest)
    if command == "setup":
        return setup(rest)
    if command == "serve":
        return serve(rest)
    if command == "backup":
        return run_manage(["backup", *rest])
    if command == "restore":
        if not rest:
            return fail("restore needs the archive: python3 cohort.py restore ARCHIVE")
        return run_manage(["restore", *rest])
    if command == "manage":
        return run_manage(rest)
    if command in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    return fail(f"unknown command {command!r}; use {COMMANDS}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C before the servers run (install, migrate, questions)
        sys.exit(130)
