from django.apps import AppConfig


class ServerConfig(AppConfig):
    """Holds the site frame (base templates) and the site-wide translations."""

    name = "server"
