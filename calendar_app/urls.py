from django.urls import path

from calendar_app.views import agenda, booking

urlpatterns = [
    # The agenda, rooms' calendars and events (views/agenda.py).
    path("calendar/events/<int:event_id>/", agenda.event_page, name="calendar_event"),

    # Feeds, invitations and calendar settings (views/feed.py).

    # A mentor's hours and booking them (views/booking.py).
    path("calendar/hours/", booking.hours_page, name="calendar_hours"),
    path("mentors/<int:mentor_id>/book/", booking.book_page, name="calendar_book"),
    path("calendar/bookings/<int:booking_id>/cancel/", booking.booking_cancel,
         name="calendar_booking_cancel"),
    path("calendar/bookings/<int:booking_id>/outcome/", booking.booking_outcome,
         name="calendar_booking_outcome"),
]
