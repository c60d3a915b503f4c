from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.centre, name="notifications"),
    path("notifications/<int:notification_id>/", views.notification_open,
         name="notification_open"),
    path("notifications/preferences/", views.preferences, name="notification_preferences"),
    path("api/notifications", views.api_list, name="api_notifications"),
    path("api/notifications/read", views.api_read, name="api_notifications_read"),
]
