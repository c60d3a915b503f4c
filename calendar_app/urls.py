from django.urls import path

from calendar_app.views import agenda, feed

urlpatterns = [
    # The agenda, rooms' calendars and events (views/agenda.py).
    path("calendar/events/<int:event_id>/", agenda.event_page, name="calendar_event"),

    # Feeds, invitations and calendar settings (views/feed.py).
    path("calendar/feed/<str:token>.ics", feed.feed, name="calendar_feed"),
    path("calendar/events/<int:event_id>.ics", feed.event_ics, name="calendar_event_ics"),
    path("calendar/settings/", feed.settings_page, name="calendar_settings"),
    path("calendar/settings/feed/", feed.feed_token, name="calendar_feed_token"),
    path("calendar/settings/reminders/", feed.reminders, name="calendar_reminders"),

    # A mentor's hours and booking them (views/booking.py).
]
