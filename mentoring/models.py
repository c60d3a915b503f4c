"""Mentorships from request to end, with their agreement, goals, notes and sessions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Mentorship(models.Model):
    """One mentee and one mentor, from her request to its end.

    pending -> active (accepted) -> ended, or pending -> declined / withdrawn / expired.
    Only `mentoring.services` moves a row between states.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        ENDED = "ended", _("Ended")

    class Outcome(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals met")
        NOT_A_FIT = "not_a_fit", _("Not a good fit")

    OPEN = (Status.PENDING, Status.ACTIVE)

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_given")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_received")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(_("note to the mentor"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    question_at = models.DateTimeField(null=True, blank=True)
    question_room = models.ForeignKey(
        "rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_message = models.TextField(_("message to the mentee"), max_length=2000, blank=True)
    room = models.ForeignKey(
        "rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    end_reason = models.TextField(
        _("reason, for the programme team only"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "mentor", "mentee", name="mentorship_one_open_per_pair",
                condition=models.Q(status__in=["pending", "active"])),
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("mentee")), name="mentorship_not_self"),
        ]
        indexes = [models.Index(fields=["mentor", "status"]),
                   models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.mentee} → {self.mentor} ({self.status})"

    @property
    def first_response_at(self) -> object:
        """When the mentor first reacted: a question counts as an answer in time."""
        moments = [m for m in (self.question_at, self.answered_at) if m is not None]
        return min(moments) if moments else None


class Agreement(models.Model):
    """What the pair agree on; any change asks both to confirm again."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        MONTHLY = "monthly", _("Every month")

    mentorship = models.OneToOneField(
        Mentorship, on_delete=models.CASCADE, related_name="agreement")
    goals = models.TextField(_("what we want to achieve"), max_length=4000)
    cadence = models.CharField(_("we meet"), max_length=16, choices=Cadence.choices)
    duration_months = models.PositiveSmallIntegerField(
        _("for (months)"), validators=[MinValueValidator(1), MaxValueValidator(24)])
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentee_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"agreement {self.mentorship_id}"

    @property
    def confirmed(self) -> bool:
        return bool(self.mentor_confirmed_at and self.mentee_confirmed_at)


class Goal(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class PrivateNote(models.Model):
    """One member's own notes on a mentorship: nobody else reads them, not even admins."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    text = models.TextField(_("my private notes"), max_length=20000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        constraints = [models.UniqueConstraint("mentorship", "author", name="note_per_author")]

    def __str__(self) -> str:
        return f"note {self.mentorship_id}/{self.author_id}"


class Session(models.Model):
    """A meeting the pair held, logged by either of them."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(600)])
    topics = models.CharField(_("topics"), max_length=500)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A booked session said to have taken place (calendar_app): logged once.
    booking = models.OneToOneField("calendar_app.Booking", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("a mentoring meeting", "session")
        verbose_name_plural = pgettext_lazy("mentoring meetings", "sessions")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} ({self.minutes} min)"


class MatchWeights(models.Model):
    """How much each thing in common counts in recommendations; admins tune it. One row."""

    topics = models.FloatField(_("topics she wants that the mentor offers"), default=3.0)
    keywords = models.FloatField(_("words in common (want / offer)"), default=2.0)
    industry = models.FloatField(_("same industry"), default=1.0)
    languages = models.FloatField(_("a language in common"), default=1.5)
    time_zone = models.FloatField(_("close time zones"), default=2.0)
    city = models.FloatField(_("same city"), default=0.5)
    experience = models.FloatField(_("a useful experience gap"), default=1.0)
    capacity = models.FloatField(_("places the mentor has left"), default=0.5)
    responsiveness = models.FloatField(_("how quickly the mentor answers"), default=0.5)

    FIELDS = ("topics", "keywords", "industry", "languages", "time_zone", "city", "experience",
              "capacity", "responsiveness")

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="weights_one_row")]

    def __str__(self) -> str:
        return str(_("Matching weights"))

    @classmethod
    def current(cls) -> MatchWeights:
        weights, _created = cls.objects.get_or_create(pk=1)
        return weights


class MatchingRound(models.Model):
    """An admin's proposal of one mentor per mentee, for a cohort or the whole community.

    A draft is solved once (mentoring.services.rounds), then edited pair by pair; sending
    it asks both members of every pair. `total_fit` is the sum of the pairs' scores.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    cohort = models.ForeignKey(
        "rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cohort"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    total_fit = models.FloatField(_("overall fit"), default=0.0)

    class Meta:
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(_("Matching round %(n)s") % {"n": self.pk})


class Proposal(models.Model):
    """One mentee of a round and the mentor proposed to her; no mentor: she waits (waitlist).

    proposed -> dropped (by the admin, in the draft) or sent -> accepted by one side ->
    both accepted (the mentorship is created), or declined / expired.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DROPPED = "dropped", _("Dropped")
        SENT = "sent", _("Waiting for both answers")
        MENTEE_ACCEPTED = "mentee_accepted", _("Accepted by the mentee")
        MENTOR_ACCEPTED = "mentor_accepted", _("Accepted by the mentor")
        ACCEPTED = "accepted", _("Accepted by both")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    WAITING = (Status.SENT, Status.MENTEE_ACCEPTED, Status.MENTOR_ACCEPTED)
    UNMATCHED = (Status.DROPPED, Status.DECLINED, Status.EXPIRED)

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="+")
    score = models.FloatField(_("fit"), default=0.0)
    # Why, as the organiser reads it, in each of the site's languages: {"en": [...], ...}.
    reasons = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    expires_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("proposed pair")
        verbose_name_plural = _("proposed pairs")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint("round", "mentee", name="proposal_one_per_mentee"),
        ]
        indexes = [models.Index(fields=["mentee", "status"]),
                   models.Index(fields=["mentor", "status"])]

    def __str__(self) -> str:
        return f"{self.mentee_id} → {self.mentor_id} ({self.status})"

    def reasons_now(self) -> list[str]:
        """The reasons in the active language (else English, else whatever was kept)."""
        from django.utils.translation import get_language

        if isinstance(self.reasons, list):
            return self.reasons
        code = (get_language() or "en").split("-")[0]
        return self.reasons.get(code) or self.reasons.get("en") or next(
            iter(self.reasons.values()), [])

    @property
    def waitlisted(self) -> bool:
        """She has no mentor from this round: none found, dropped, declined or expired."""
        return self.mentor_id is None or self.status in self.UNMATCHED
