"""The feed read by a real calendar program: Debian's khal imports it and lists the
occurrences at the right local time for a member in another zone."""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404  # khal, a fixed program with fixed arguments
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from calendar_app.services import events as event_services
from calendar_app.services import settings as calendar_settings
from tests.calendar_app.factories import make_event
from tests.community.factories import UserFactory
from tests.conftest import service_missing
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

KHAL = Path(os.environ.get("COHORT_KHAL", "/usr/bin/khal"))

CONFIG = """\
[calendars]
[[cohort]]
path = {root}/calendar
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = America/Toronto
default_timezone = America/Toronto

[sqlite]
path = {root}/khal.db
"""


def khal(root: Path, *arguments: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "XDG_CONFIG_HOME": str(root),
           "XDG_DATA_HOME": str(root), "LANG": "C.UTF-8", "TZ": "America/Toronto"}
    done = subprocess.run([str(KHAL), "-c", str(root / "khal.conf"), *arguments],  # noqa: S603
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_khal_lists_the_feed_at_toronto_time(tmp_path, django_capture_on_commit_callbacks):
    if not KHAL.exists() or shutil.which(str(KHAL)) is None:
        service_missing(f"khal is not installed at {KHAL} (apt-get install khal)")
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea)
    with django_capture_on_commit_callbacks(execute=True):
        series = make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=5")  # 18:00 Paris
        event_services.occurrence_cancel(user=ana, event_id=series.pk,
                                         recurrence_id=datetime(2027, 3, 9, 17, tzinfo=UTC))
        event_services.occurrence_change(user=ana, event_id=series.pk,
                                         recurrence_id=datetime(2027, 3, 16, 17, tzinfo=UTC),
                                         data={"start": "2027-03-17T10:00",
                                               "end": "2027-03-17T11:00"})
    token = calendar_settings.feed_token_make(user=bea)
    response = Client().get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    feed = tmp_path / "feed.ics"
    feed.write_bytes(response.content)
    (tmp_path / "calendar").mkdir()
    (tmp_path / "khal.conf").write_text(CONFIG.format(root=tmp_path))

    khal(tmp_path, "import", "--batch", "-a", "cohort", str(feed))
    listed = khal(tmp_path, "list", "--format", "{start} {title}", "--day-format", "",
                  "2027-03-01", "2027-04-10")
    lines = [line.strip() for line in listed.splitlines() if line.strip()]
    # Paris 18:00 is 12:00 in Toronto, 13:00 between the two spring changes (03-14 and
    # 03-28); the cancelled 03-09 is gone, the 03-16 moved to the 17th at 10:00 Paris.
    assert lines == [
        "2027-03-02 12:00 Mentoring circle",
        "2027-03-17 05:00 Mentoring circle",
        "2027-03-23 13:00 Mentoring circle",
        "2027-03-30 12:00 Mentoring circle",
    ]
