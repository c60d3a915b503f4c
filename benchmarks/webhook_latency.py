"""How long an event takes from its commit to a webhook receiver, with the task worker as
production runs it (`manage.py db_worker`, its default 1 s poll).

Starts a receiver on 127.0.0.1 (a free port), a worker, registers a webhook for
`mentorship.requested`, then makes N requests one after the other (each waits for its
delivery) and prints min / median / max latency. Run by hand, once:

    .venv/bin/python benchmarks/webhook_latency.py [--count 10] [--database-url URL]

It uses its own PostgreSQL database (created if missing, tables migrated); traffic stays on
127.0.0.1. The target: under 5 s.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def receiver() -> tuple[ThreadingHTTPServer, queue.Queue[tuple[float, bytes]]]:
    arrived: queue.Queue[tuple[float, bytes]] = queue.Queue(maxsize=1000)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived.put((time.time(), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrived


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/cohort_webhook_bench")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SQLITE_PATH")}
    env.update({"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "server.settings",
                "COHORT_WEBHOOKS_ALLOW_HTTP": "true", "COHORT_WEBHOOKS_ALLOW_PRIVATE": "true",
                "LOG_LEVEL": "WARNING"})
    name = args.database_url.rsplit("/", 1)[1]
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
                   capture_output=True, check=False)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)

    import django

    django.setup()
    from community.models import Role, User
    from community.webhooks import services
    from mentoring.services.requests import request_send

    server, arrived = receiver()
    stamp = time.time_ns()
    admin = User.objects.create_user(email=f"admin-{stamp}@bench.example", name="Bench Admin",
                                     role=Role.ADMIN, is_staff=True)
    mentor = User.objects.create_user(email=f"mentor-{stamp}@bench.example", name="Bench Mentor",
                                      role=Role.MENTOR)
    mentor.profile.mentor_capacity = args.count + 1
    mentor.profile.save(update_fields=["mentor_capacity"])
    hook, _secret = services.webhook_create(
        admin=admin, url=f"http://127.0.0.1:{server.server_port}/hook", description="bench",
        events=["mentorship.requested"])
    worker = subprocess.Popen([python, "manage.py", "db_worker", "--no-reload"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latencies = []
    try:
        time.sleep(3)  # the worker's start-up is not part of an event's latency
        for number in range(args.count):
            mentee = User.objects.create_user(email=f"mentee-{stamp}-{number}@bench.example",
                                              name=f"Bench Mentee {number}")
            committed = time.time()
            request_send(mentee=mentee, mentor=mentor, note="Benchmark request")
            at, _body = arrived.get(timeout=30)
            latencies.append(at - committed)
    finally:
        worker.terminate()
        worker.wait(10)
        server.shutdown()
        hook.delete()
    print(f"webhook latency over {len(latencies)} events (commit -> receiver): "
          f"min {min(latencies):.3f} s, median {statistics.median(latencies):.3f} s, "
          f"max {max(latencies):.3f} s")


if __name__ == "__main__":
    main()
