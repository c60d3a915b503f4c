from django.urls import path

from chat import views

urlpatterns = [
    path("rooms/", views.rooms_page, name="rooms"),
    path("rooms/<int:room_id>/", views.rooms_page, name="room"),
]
