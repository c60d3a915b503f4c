from django.urls import path

from calendar_app.views import agenda

urlpatterns = [
    # The agenda, rooms' calendars and events (views/agenda.py).
    path("calendar/events/<int:event_id>/", agenda.event_page, name="calendar_event"),

    # Feeds, invitations and calendar settings (views/feed.py).

    # A mentor's hours and booking them (views/booking.py).
]
