"""The worker's part: one attempt of one delivery."""

from __future__ import annotations

from django.tasks import task


@task()
def delivery_send(*, delivery_id: int) -> str:
    """Send a queued delivery once (`services.delivery_attempt`); its retries are queued
    again by `manage.py webhooks_sweep` when they are due."""
    from community.webhooks.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)
