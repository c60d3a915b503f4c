"""Background work of calendars, run by the task worker."""

from __future__ import annotations

from django.tasks import task


@task()
def invitations_send(*, event_id: int, method: str, sequence: int) -> int:
    """E-mail the invitation of one event to the members of its room; returns how many."""
    raise NotImplementedError
