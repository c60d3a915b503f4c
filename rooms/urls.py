from django.urls import path

from rooms import bots, views

urlpatterns = [
    path("manage/bots/", bots.manage_bots, name="manage_bots"),
    path("manage/bots/<int:user_id>/deactivate", bots.manage_bot_deactivate,
         name="manage_bot_deactivate"),
    path("rooms/new/", views.room_new, name="room_new"),
    path("rooms/<int:room_id>/manage/", views.room_manage, name="room_manage"),
    path("rooms/<int:room_id>/members/<int:user_id>/remove", views.member_remove,
         name="room_member_remove"),
    path("rooms/<int:room_id>/leave", views.room_leave, name="room_leave"),
    path("rooms/<int:room_id>/archive", views.room_archive, name="room_archive"),
    path("rooms/<int:room_id>/mute", views.room_mute, name="room_mute"),
    path("people/<int:user_id>/message", views.direct_open, name="direct_open"),
    path("rooms/<int:room_id>/break-glass/", views.break_glass, name="break_glass"),
    path("rooms/break-glass/<int:grant_id>/end", views.break_glass_end, name="break_glass_end"),
    path("people/<int:user_id>/break-glass/", views.break_glass_member,
         name="break_glass_member"),
]
