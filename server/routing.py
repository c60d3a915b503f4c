"""WebSocket routes of every app, gathered in one list for `server.asgi`.

The member's live connection (rooms, chat, calls, notifications) arrives with the
rooms app; until then there is no socket route and every WebSocket is refused.
"""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
