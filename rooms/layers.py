"""The default channel layer (one socket's own events), riding out a Redis restart.

Every socket's consumer waits on its channel of the default layer (call signalling arrives
there). channels-redis' `receive` raises when Redis cannot be reached, Channels lets that
end the consumer, and Daphne closes the socket with 1011: a Redis restart of a few seconds
closed every socket of every process. Here `receive` waits for Redis to come back
instead. Nothing is lost but what the layer itself loses: the list-based layer keeps
messages in Redis, and room events reach sockets through the hub (`rooms.hub`), which
catches them up from the database after a blip.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

FIRST_RETRY = 0.25  # seconds before the first new try; doubled after each failure
LAST_RETRY = 5.0  # at most this long between two tries


class RedisChannelLayer(BaseRedisChannelLayer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A read failed since the last that worked: logged once, not once per socket.
        self.away = False

    async def receive(self, channel: str) -> dict[str, Any]:
        """The channel's next message, however long Redis is away meanwhile."""
        wait = FIRST_RETRY
        while True:
            try:
                message: dict[str, Any] = await super().receive(channel)
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                if not self.away:
                    self.away = True
                    log.warning("sockets' channels cannot be read (%s); trying again", error)
                await asyncio.sleep(wait)
                wait = min(wait * 2, LAST_RETRY)
                continue
            self.away = False
            return message
