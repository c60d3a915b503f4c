"""Uploads: one large file's cost in server memory, many at once, and a PDF's preview.

    .venv/bin/python benchmarks/uploads.py                      # both configurations
    .venv/bin/python benchmarks/uploads.py --config services --large-mb 20 --many 50 --many-mb 5

For each configuration: a fresh database, one server process as `cohort.py start` serves
it (DEBUG off), a member signed in. It uploads one file of --large-mb (plain text, the
worst case for the checks: every byte is read for the UTF-8 test and the digest) and
prints the server's peak memory (VmHWM) before and after, then --many uploads of
--many-mb at once (one thread each), each of which must be answered 201 and stored with
its exact size, then a --pages PDF with the task worker running: the seconds from the
upload until the room's API says its preview is ready. Last, in this process, the
preview alone (drawing the first page, reading every page's text), timed. All traffic goes to
127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import ROOT, config_env, fresh_database, serve

sys.path.insert(0, str(ROOT))

BOUNDARY = "cohortbench" + secrets.token_hex(8)


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def body_for(name: str, data: bytes) -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(port: int, room_id: int, cookie: str, name: str, data: bytes) -> tuple[int, dict, float]:
    token = secrets.token_hex(16)  # an unmasked CSRF secret, sent as cookie and header
    body = body_for(name, data)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", f"/rooms/{room_id}/documents/upload", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Cookie": f"{cookie}; __Host-csrftoken={token}", "X-CSRFToken": token,
            "Accept": "application/json", "Host": "127.0.0.1"})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        return response.status, answer, time.perf_counter() - started
    finally:
        connection.close()


def text_of(megabytes: float) -> bytes:
    line = b"Mentoring notes: goals, milestones, reading, check-ins and what comes next.\n"
    size = int(megabytes * 1_000_000)
    return (line * (size // len(line) + 1))[:size]


def documents_of(port: int, room_id: int, cookie: str) -> list[dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", f"/api/v1/rooms/{room_id}/documents?page_size=200", headers={
            "Cookie": cookie, "Accept": "application/json", "Host": "127.0.0.1"})
        return list(json.loads(connection.getresponse().read())["results"])
    finally:
        connection.close()


def preview_ready(config: str, env: dict[str, str], port: int, room_id: int, cookie: str,
                  pages: int) -> None:
    """A PDF uploaded with the task worker running (`db_worker`, polling each second when
    idle, as `cohort.py start` runs it): seconds until the room's API says its preview is
    ready."""
    from tests.documents import samples

    data = samples.pdf_with_text([f"Page {n}: goals and milestones" for n in range(pages)])
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload",
                               "--no-startup-delay"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The worker is up and has made the previews of the uploads above: idle, as in
        # production, before the timed uploads.
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and any(
                d["preview"] == "pending" for d in documents_of(port, room_id, cookie)):
            time.sleep(0.5)
        time.sleep(2)
        waits = []
        for attempt in range(3):
            name = f"plan-{attempt}.pdf"
            started = time.perf_counter()
            status, answer, _took = upload(port, room_id, cookie, name, data)
            assert status == 201, answer
            state = "pending"
            deadline = started + 30
            while state == "pending" and time.perf_counter() < deadline:
                time.sleep(0.05)
                found = [d for d in documents_of(port, room_id, cookie) if d["name"] == name]
                state = found[0]["preview"] if found else "pending"
            waits.append((state, time.perf_counter() - started))
        print(f"| {config} | a {pages}-page PDF uploaded, its preview ready (task worker) | "
              + ", ".join(f"{state} in {took:.2f} s" for state, took in waits) + " |")
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def run(config: str, large_mb: float, many: int, many_mb: float, pages: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        env = config_env(config, Path(workdir))
        env.update({"DOCUMENTS_WRITE_LIMIT": "100000", "DOCUMENTS_MAX_BYTES":
                    str(int(max(large_mb, many_mb) * 1_000_000) + 1000)})
        (room,) = fresh_database(config, env, [2])
        cookie = room["cookies"][0]
        with serve(env) as (port, process):
            upload(port, room["room_id"], cookie, "warm-up.txt", text_of(0.01))
            before_peak = status_kib(process.pid, "VmHWM")
            before_rss = status_kib(process.pid, "VmRSS")
            data = text_of(large_mb)
            status, answer, took = upload(port, room["room_id"], cookie, "large.txt", data)
            after_peak = status_kib(process.pid, "VmHWM")
            ok = status == 201 and answer["document"]["size"] == len(data)
            print(f"| {config} | one file of {large_mb:g} MB | {'stored' if ok else status} | "
                  f"{took:.2f} s | RSS before {before_rss / 1024:.1f} MiB, peak before "
                  f"{before_peak / 1024:.1f} MiB, peak after {after_peak / 1024:.1f} MiB: "
                  f"peak growth {(after_peak - before_peak) / 1024:.1f} MiB |")
            payload = text_of(many_mb)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=many) as pool:
                results = list(pool.map(
                    lambda n: upload(port, room["room_id"], cookie, f"many-{n}.txt", payload),
                    range(many)))
            wall = time.perf_counter() - started
            stored = sum(1 for status, answer, _ in results
                         if status == 201 and answer["document"]["size"] == len(payload))
            times = sorted(took for _, _, took in results)
            peak = status_kib(process.pid, "VmHWM")
            print(f"| {config} | {many} files of {many_mb:g} MB at once | {stored}/{many} "
                  f"stored | all in {wall:.1f} s (each p50 {statistics.median(times):.1f} s, "
                  f"slowest {times[-1]:.1f} s) | peak {peak / 1024:.1f} MiB |")
            preview_ready(config, env, port, room["room_id"], cookie, pages)


def preview_time(pages: int) -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings_test")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from documents import previews
    from tests.documents import samples

    data = samples.pdf_with_text([f"Page {n}: goals, milestones and check-ins"
                                  for n in range(1, pages + 1)])
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        made = previews.make(data, "application/pdf")
        runs.append(time.perf_counter() - started)
    print(f"| preview of a {pages}-page PDF | {made.state}, {made.pages} pages, "
          f"{len(made.text):,} characters of text | best {min(runs) * 1000:.0f} ms, "
          f"worst {max(runs) * 1000:.0f} ms of 5 |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=["embedded", "services", "both"], default="both")
    parser.add_argument("--large-mb", type=float, default=20)
    parser.add_argument("--many", type=int, default=50)
    parser.add_argument("--many-mb", type=float, default=5)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    for config in (["embedded", "services"] if args.config == "both" else [args.config]):
        run(config, args.large_mb, min(args.many, 200), args.many_mb, min(args.pages, 2000))
    preview_time(min(args.pages, 2000))


if __name__ == "__main__":
    main()
