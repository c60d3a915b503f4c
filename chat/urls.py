from django.urls import path

from chat import views

urlpatterns = [
    path("rooms/", views.rooms_page, name="rooms"),
    path("rooms/<int:room_id>/", views.rooms_page, name="room"),
    path("api/rooms/", views.api_rooms, name="api_rooms"),
    path("api/rooms/unread", views.api_rooms_unread, name="api_rooms_unread"),
    path("api/rooms/<int:room_id>/messages", views.api_messages, name="api_room_messages"),
    path("api/rooms/<int:room_id>/members", views.api_members, name="api_room_members"),
]
