from django.apps import AppConfig


class ServerConfig(AppConfig):
    """Holds the site frame (base templates) and the site-wide translations, and wires the
    room features into the live core and the room pages (`server.features`)."""

    name = "server"

    def ready(self) -> None:
        from server import features

        features.register()
