"""The production services themselves: PostgreSQL and the Redis channel layer."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from django.db import IntegrityError, connection

from community.models import User


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_two_members_with_the_same_address_in_any_case():
    assert connection.vendor == "postgresql"
    User.objects.create_user(email="dup@example.org", password="x" * 12, name="A")
    with pytest.raises(IntegrityError):
        User.objects.create(email="DUP@example.org", name="B")


@pytest.mark.redis
async def test_redis_channel_layer_delivers_a_group_message():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    channel = await layer.new_channel()
    await layer.group_add("test.cohort", channel)
    try:
        await layer.group_send("test.cohort", {"type": "ping", "n": 1})
        assert await layer.receive(channel) == {"type": "ping", "n": 1}
    finally:
        await layer.group_discard("test.cohort", channel)
