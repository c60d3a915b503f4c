from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.centre, name="notifications"),
    path("notifications/<int:notification_id>/", views.notification_open,
         name="notification_open"),
    path("notifications/preferences/", views.preferences, name="notification_preferences"),
]
