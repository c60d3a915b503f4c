from django.urls import path

from community import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/", views.profile_detail, name="profile_detail"),
    path("people/<int:user_id>/photo", views.profile_photo, name="profile_photo"),
    path("people/<int:user_id>/block", views.block_toggle, name="block_toggle"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/blocked/", views.blocked_members, name="blocked_members"),
    path("profile/blocked/<int:user_id>/unblock", views.unblock, name="unblock"),
    path("mentor/apply/", views.mentor_apply, name="mentor_apply"),
    path("manage/invitations/", views.invitations, name="invitations"),
    path("manage/invitations/<int:invitation_id>/revoke", views.invitation_revoke,
         name="invitation_revoke"),
    path("manage/invitations/<int:invitation_id>/withdraw", views.invitation_withdraw_confirm,
         name="invitation_withdraw"),
    path("manage/invitations/<int:invitation_id>/resend", views.invitation_resend,
         name="invitation_resend"),
    path("manage/applications/", views.applications_queue, name="applications_queue"),
    path("manage/applications/<int:application_id>/decide", views.application_decide,
         name="application_decide"),
    path("manage/audit/", views.audit_log, name="audit_log"),
    path("manage/topics/", views.topics, name="topics"),
    path("manage/topics/<int:topic_id>/", views.topic_edit, name="topic_edit"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("api/me", views.api_me, name="api_me"),
]
