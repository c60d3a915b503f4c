"""The agenda across her rooms, a room's calendar, and one event's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calendar_app import permissions, selectors
from community.permissions import member_of


def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = member_of(request)
    event = permissions.access_event(viewer, event_id)
    return render(request, "calendar_app/event.html", {
        "event": event, "answers": selectors.answers(event)})
