from django.urls import path

from community.webhooks import views

urlpatterns = [
    path("manage/webhooks/", views.webhooks, name="webhooks"),
    path("manage/webhooks/<int:webhook_id>/", views.webhook_detail, name="webhook_detail"),
    path("manage/webhooks/<int:webhook_id>/action", views.webhook_action,
         name="webhook_action"),
    path("manage/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay",
         views.delivery_replay, name="webhook_replay"),
]
