from django.apps import AppConfig


class CalendarAppConfig(AppConfig):
    name = "calendar_app"
    label = "calendar_app"
    default_auto_field = "django.db.models.BigAutoField"
