from django.urls import path

from mentoring import views

urlpatterns = [
    path("mentoring/", views.home, name="mentoring"),
    path("mentoring/find/", views.find_mentor, name="find_mentor"),
    path("mentoring/request/<int:user_id>/", views.request_new, name="mentorship_request"),
    path("mentoring/<int:mentorship_id>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentoring/<int:mentorship_id>/end/confirm/", views.mentorship_end_confirm,
         name="mentorship_end_confirm"),
    path("mentoring/<int:mentorship_id>/<slug:action>", views.mentorship_action,
         name="mentorship_action"),
    path("mentoring/cohorts/new/", views.cohort_new, name="cohort_new"),
    path("manage/programme/", views.dashboard_page, name="programme_dashboard"),
    path("manage/programme.csv", views.dashboard_csv, name="programme_csv"),
    path("manage/programme-fit.csv", views.dashboard_fit_csv, name="programme_fit_csv"),
    path("manage/matching/", views.matching_weights, name="matching_weights"),
    path("manage/matching/rounds/", views.matching_rounds, name="matching_rounds"),
    path("manage/matching/rounds/<int:round_id>/", views.matching_round, name="matching_round"),
    path("mentoring/proposals/<int:proposal_id>/answer", views.proposal_answer,
         name="proposal_answer"),
]
