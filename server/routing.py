"""WebSocket routes, and the table of socket request handlers each app contributes.

`/ws/` is the member's one live connection per tab (rooms.consumers.RoomConsumer).
"""

from django.urls import URLPattern, URLResolver, path

from chat import consumers as chat_consumers
from chat import selectors as chat_selectors
from chat.services import NotFound as ChatNotFound
from rooms.consumers import RoomConsumer
from video import consumers as video_consumers

HANDLERS = {**chat_consumers.HANDLERS}

CONSUMER = {
    "handlers": HANDLERS,
    "room_states": chat_selectors.room_states,
    "not_found": (ChatNotFound,),
    "socket_handlers": video_consumers.SOCKET_HANDLERS,
    "on_leave": video_consumers.ON_LEAVE,
}

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/", RoomConsumer.as_asgi(**CONSUMER)),
    # Pages that only show her notification badge: her personal events, no room.
    path("ws/personal/", RoomConsumer.as_asgi(**CONSUMER, personal_only=True)),
]
