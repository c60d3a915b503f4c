"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket routes sit behind the origin check (scheme, host and port: server/wsorigin.py)
and the session authentication (server/wsauth.py); `server.routing.websocket_urlpatterns`
gathers each app's routes.
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from rooms import outbox  # noqa: E402
from server import logs, uploads  # noqa: E402
from server.routing import websocket_urlpatterns  # noqa: E402
from server.wsauth import SessionUserMiddleware  # noqa: E402
from server.wsorigin import OriginCheckMiddleware  # noqa: E402

router = ProtocolTypeRouter({
    "http": django_application,
    "websocket": logs.SocketRequestId(OriginCheckMiddleware(
        SessionUserMiddleware(logs.SocketUser(URLRouter(websocket_urlpatterns))))),
})


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Each connection's worker threads hand their live events to this loop (rooms.outbox)
    instead of waiting for it to send them. A request body too large to take is refused
    before it is read (server.uploads)."""
    outbox.bind_to_running_loop()
    if scope["type"] == "http":
        await uploads.guarded(router, scope, receive, send)
        return
    await router(scope, receive, send)
