"""Calendar pages: the agenda and events (`agenda`), feeds and settings (`feed`), a
mentor's hours and booking them (`booking`)."""
