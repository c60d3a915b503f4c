from django.urls import path

from calendar_app.views import agenda, booking, feed

urlpatterns = [
    # The agenda, rooms' calendars and events (views/agenda.py).
    path("calendar/", agenda.calendar_page, name="calendar"),
    path("calendar/events/<int:event_id>/", agenda.event_page, name="calendar_event"),
    path("calendar/events/<int:event_id>/edit/", agenda.event_edit, name="calendar_event_edit"),
    path("calendar/events/<int:event_id>/cancel", agenda.event_cancel,
         name="calendar_event_cancel"),
    path("calendar/events/<int:event_id>/answer", agenda.event_answer,
         name="calendar_event_answer"),
    path("rooms/<int:room_id>/calendar/", agenda.room_calendar, name="room_calendar"),
    path("rooms/<int:room_id>/calendar/new/", agenda.event_new, name="calendar_event_new"),

    # Feeds, invitations and calendar settings (views/feed.py).
    path("calendar/feed/<str:token>.ics", feed.feed, name="calendar_feed"),
    path("calendar/events/<int:event_id>.ics", feed.event_ics, name="calendar_event_ics"),
    path("calendar/settings/", feed.settings_page, name="calendar_settings"),
    path("calendar/settings/feed/", feed.feed_token, name="calendar_feed_token"),
    path("calendar/settings/reminders/", feed.reminders, name="calendar_reminders"),

    # A mentor's hours and booking them (views/booking.py).
    path("calendar/hours/", booking.hours_page, name="calendar_hours"),
    path("mentors/<int:mentor_id>/book/", booking.book_page, name="calendar_book"),
    path("calendar/bookings/<int:booking_id>/cancel/", booking.booking_cancel,
         name="calendar_booking_cancel"),
    path("calendar/bookings/<int:booking_id>/outcome/", booking.booking_outcome,
         name="calendar_booking_outcome"),
]
