"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket routes sit behind the origin check (ALLOWED_HOSTS) and the session
authentication (server/wsauth.py); `server.routing.websocket_urlpatterns` gathers each app's routes.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from server.routing import websocket_urlpatterns  # noqa: E402
from server.wsauth import SessionUserMiddleware  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": AllowedHostsOriginValidator(
        SessionUserMiddleware(URLRouter(websocket_urlpatterns))),
})
