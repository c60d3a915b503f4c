"""The home page's next steps: what each member should do next, by her role.

Community knows its own (complete the profile, mentor applications to decide); apps above
it (mentoring) offer theirs as a function `(viewer) -> [NextStep]` that `server/` registers
here at start-up, since community imports none of them. Each function answers for the
viewer as she is now, and asks its own permission layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import permissions, selectors
from community.models import User


@dataclass(frozen=True)
class NextStep:
    key: str  # stable, for the page's ids (`next-<key>`)
    title: str
    text: str
    url: str
    action: str  # the link's words
    count: int | None = None  # how many things wait, when the step counts them
    urgent: bool = False  # shown first, as the page's primary action


NextStepSource = Callable[[User], Sequence[NextStep]]

SOURCES: list[NextStepSource] = []


def register(source: NextStepSource) -> NextStepSource:
    """Add a source of next steps (once, however often registered)."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def _own(viewer: User) -> list[NextStep]:
    steps = []
    if permissions.can_review_applications(viewer):
        waiting = selectors.application_queue(viewer).count()
        if waiting:
            steps.append(NextStep(
                key="applications", title=_("Mentor applications"),
                text=ngettext("%(count)d mentor application waits for a decision.",
                              "%(count)d mentor applications wait for a decision.",
                              waiting) % {"count": waiting},
                url=reverse("applications_queue"), action=_("Review applications"),
                count=waiting, urgent=True))
    return steps


def next_steps_for(viewer: User) -> list[NextStep]:
    """Every source's steps for `viewer`, the urgent ones first, in registration order."""
    steps = _own(viewer)
    for source in SOURCES:
        steps.extend(source(viewer))
    return sorted(steps, key=lambda step: not step.urgent)
