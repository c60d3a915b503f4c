from django.apps import AppConfig


class ServerConfig(AppConfig):
    """Holds the site frame (base templates) and the site-wide translations, and wires the
    room features into the room pages."""

    name = "server"

    def ready(self) -> None:
        """Calls show on chat's rooms page through rooms.hooks: sibling features never
        import each other, and only `server` imports them all."""
        from rooms import hooks
        from video import selectors as video_selectors

        hooks.register_room_summary(video_selectors.call_summaries)
        hooks.register_room_page(video_selectors.call_panel)
