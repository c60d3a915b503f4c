"""Schemathesis against a real server process (uvicorn, as production serves), signed in
as a member with her session cookie and CSRF token: every operation of the schema with
generated valid and invalid input. Checks: no 5xx, every answer conforms to the schema,
every status code is documented, and the content type is the documented one.

Bounded (8 examples per operation and phase, deterministic generation: the same cases
every run): about 30 s. PostgreSQL + Redis, the production stack: where a wrong number or a
string where a number goes would hurt first. Reproduce a failure with the command the
assertion prints (the server it names is gone by then: start one with `cohort.py start`).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from chat import services
from documents import services as document_services
from mentoring.services import relationship
from tests.calendar_app.factories import make_event
from tests.community.factories import MentorFactory, UserFactory
from tests.liveclient import session_cookie
from tests.mentoring.factories import active
from tests.rooms.factories import make_room
from tests.servers import ServerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 8
CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,"
          "content_type_conformance")


def test_every_operation_holds_to_the_schema(tmp_path: Path) -> None:
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea, name="Fuzzed")
    for index in range(3):
        services.message_send(author=bea, room_id=room.pk, text=f"m{index}",
                              client_id=f"c{index}")
    # Her mentorship, with a goal: the mentoring operations answer more than 404s.
    mentorship = active(ana, MentorFactory(name="Nadia"))
    relationship.goal_add(user=ana, mentorship=mentorship, title="Negotiate")
    # A document (with a comment) and a repeating event: their operations answer too.
    document = document_services.document_upload(
        user=bea, room_id=room.pk, stream=io.BytesIO(b"Goals\n"), name="goals.md")
    document_services.comment_add(user=bea, document_id=document.pk, text="Ready")
    make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=4")
    server = ServerProcess(tmp_path).start()
    try:
        cookie = session_cookie(ana)
        page = requests.get(f"{server.url}/notifications/preferences/",
                            cookies={"sessionid": cookie}, timeout=10)
        csrf = page.cookies["csrftoken"]
        headers = {"Cookie": f"sessionid={cookie}; csrftoken={csrf}", "X-CSRFToken": csrf}
        # The run is signed in: her own room answers (not only 401s and 404s).
        assert requests.get(f"{server.url}/api/v1/rooms/{room.pk}", headers=headers,
                            timeout=10).json()["title"] == "Fuzzed"
        command = [
            sys.executable, "-m", "schemathesis.cli", "run",
            f"{server.url}/api/v1/schema/", "--checks", CHECKS, "--mode", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--generation-deterministic", "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--no-color", "--request-timeout", "10",
            *(arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")),
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300,
                             check=False, cwd=tmp_path)
    finally:
        server.stop()
    assert run.returncode == 0, (run.stdout[-20000:] + run.stderr[-5000:]
                                 + "\nserver log:\n" + server.log_path.read_text()[-5000:])
