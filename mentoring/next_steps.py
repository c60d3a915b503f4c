"""Mentoring's next steps on the home page (registered in `community.next_steps`).

- A mentee (a member, neither mentor nor admin) with no mentor and no request waiting:
  find a mentor.
- A mentee whose request waits: it waits (with the mentor's name).
- A mentor with requests to answer: how many, and where.
- A mentor or mentee whose active mentorship has an agreement waiting for her
  confirmation: read it and confirm.
- An admin: the active mentorships that went quiet (`dashboard.inactive_pairs`).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Role, User
from community.next_steps import NextStep
from mentoring import dashboard, permissions
from mentoring.models import Mentorship


def home_next_steps(viewer: User) -> list[NextStep]:
    steps: list[NextStep] = []
    mine = permissions.mentorships_visible_to(viewer).filter(status__in=Mentorship.OPEN)
    received = mine.filter(mentor_id=viewer.pk, status=Mentorship.Status.PENDING).count()
    if received:
        steps.append(NextStep(
            key="requests", title=_("Requests to answer"),
            text=ngettext("%(count)d mentee is waiting for your answer.",
                          "%(count)d mentees are waiting for your answer.",
                          received) % {"count": received},
            url=reverse("mentoring") + "#requests-waiting", action=_("Answer the requests"),
            count=received, urgent=True))
    waiting = (mine.filter(status=Mentorship.Status.ACTIVE, agreement__isnull=False)
               .filter(Q(mentor_id=viewer.pk, agreement__mentor_confirmed_at__isnull=True)
                       | Q(mentee_id=viewer.pk, agreement__mentee_confirmed_at__isnull=True))
               .select_related("mentor", "mentee").first())
    if waiting is not None:
        other = waiting.mentee if waiting.mentor_id == viewer.pk else waiting.mentor
        steps.append(NextStep(
            key="agreement", title=_("Your mentoring agreement"),
            text=_("The agreement with %(name)s waits for your confirmation.")
            % {"name": other.name},
            url=reverse("mentorship_detail", args=[waiting.pk]),
            action=_("Read it and confirm"), urgent=True))
    as_mentee = mine.filter(mentee_id=viewer.pk)
    has_mentor = as_mentee.filter(status=Mentorship.Status.ACTIVE).exists()
    if viewer.role == Role.MEMBER and not has_mentor:
        sent = as_mentee.filter(status=Mentorship.Status.PENDING).select_related(
            "mentor").order_by("-created_at").first()
        if sent is not None:
            steps.append(NextStep(
                key="request-sent", title=_("Your request"),
                text=_("%(name)s has your request and will answer soon.")
                % {"name": sent.mentor.name},
                url=reverse("mentorship_detail", args=[sent.pk]), action=_("See your request")))
        else:
            steps.append(NextStep(
                key="find-mentor", title=_("Find a mentor"),
                text=_("You have no mentor yet. See the mentors whose experience matches "
                       "what you want to develop, and ask one."),
                url=reverse("find_mentor"), action=_("Find a mentor"), urgent=True))
    if permissions.can_view_dashboard(viewer):
        quiet = len(dashboard.inactive_pairs())
        if quiet:
            steps.append(NextStep(
                key="inactive", title=_("Quiet mentorships"),
                text=ngettext("%(count)d active mentorship has shown no activity for "
                              "%(days)d days.",
                              "%(count)d active mentorships have shown no activity for "
                              "%(days)d days.", quiet)
                % {"count": quiet, "days": dashboard.inactive_days()},
                url=reverse("programme_dashboard") + "#inactive", action=_("See who"),
                count=quiet, urgent=True))
    return steps
