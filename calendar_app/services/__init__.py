"""Every write of calendars: events and occurrences (`events`), answers (`answers`),
member settings and feeds (`settings`), mentors' hours and bookings (`booking`)."""
