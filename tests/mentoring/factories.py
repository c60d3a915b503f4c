"""Builders of mentoring data for tests."""

from __future__ import annotations

from community.models import User
from mentoring.models import Mentorship
from mentoring.services.requests import request_accept, request_send


def pending(mentee: User, mentor: User, note: str = "Hello, would you mentor me?") -> Mentorship:
    return request_send(mentee=mentee, mentor=mentor, note=note)


def active(mentee: User, mentor: User) -> Mentorship:
    mentorship = pending(mentee, mentor)
    return request_accept(mentor=mentor, mentorship_id=mentorship.pk)
