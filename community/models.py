"""The private community: members, profiles, invitations, mentor applications, blocks, audit."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import languages, time_zones
from community.names import skeleton


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    MENTOR = "mentor", _("Mentor")
    ADMIN = "admin", _("Admin")


class UserManager(BaseUserManager["User"]):
    """Members are known by their e-mail address; there is no username."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        Profile.objects.create(user=user)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """The operator types this address on the server: it counts as verified."""
        from allauth.account.models import EmailAddress

        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        user = self._create(email, password, **extra)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class User(AbstractUser):
    """A member of the community. `role` is her highest role; admins are also staff."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # What the name looks like (community.names.skeleton); a new name may not take another's.
    name_key = models.CharField(max_length=600, default="", editable=False, db_index=True)
    # A bot (rooms.bots): no password, no e-mail sign-in, reached only through its access
    # tokens; badged "Bot" wherever names show, and left out of people's lists.
    is_bot = models.BooleanField(_("bot"), default=False, editable=False)

    # Not a column: False on the account a request or socket signed in with a token
    # without the `admin` scope (community.tokens), which uses no admin power
    # (community.permissions.acts_as_admin); her session's account keeps it.
    admin_powers: bool = True

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]
    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """`name_key` follows the name, whichever form or script saved it."""
        self.name_key = skeleton(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields and "name_key" not in fields:
            kwargs["update_fields"] = [*fields, "name_key"]
        super().save(*args, **kwargs)

    @property
    def role_badge(self) -> str:
        """The role shown next to her name, from her role, never from the name she typed:
        "bot", "admin", "mentor" or ""."""
        if self.is_bot:
            return "bot"
        if self.is_admin:
            return "admin"
        return "mentor" if self.is_mentor else ""

    @property
    def is_admin(self) -> bool:
        return self.is_active and not self.is_bot and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_mentor(self) -> bool:
        return self.role == Role.MENTOR and self.is_active and not self.is_bot

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


def validate_synonyms(value: object) -> None:
    if not isinstance(value, list) or any(
        not isinstance(word, str) or not word.strip() or len(word) > 80 for word in value
    ):
        raise ValidationError(_("Each entry is a word or phrase of at most 80 characters."))
    if len(value) > 30:
        raise ValidationError(_("At most 30 entries."))


class TopicQuerySet(models.QuerySet["Topic"]):
    def choosable(self) -> TopicQuerySet:
        """The topics members may pick: not retired."""
        return self.filter(retired_at__isnull=True)


class Topic(models.Model):
    """An entry of the vocabulary the admins edit: a field of expertise or a skill.

    A retired topic is taken off every profile and out of every list members choose from;
    the row stays so that decided mentor applications and the audit log still name it.
    """

    class Kind(models.TextChoices):
        EXPERTISE = "expertise", _("Field of expertise")
        SKILL = "skill", _("Skill")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    name_fr = models.CharField(_("name in French"), max_length=80, blank=True)
    synonyms = models.JSONField(
        _("other words for it"), default=list, blank=True, validators=[validate_synonyms],
        help_text=_("Words or phrases members may write instead of the name, in English."))
    synonyms_fr = models.JSONField(
        _("other words for it in French"), default=list, blank=True,
        validators=[validate_synonyms])
    retired_at = models.DateTimeField(_("retired on"), null=True, blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint("kind", Lower("name"), name="topic_kind_name_unique"),
        ]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_fr and (get_language() or "").startswith("fr"):
            return self.name_fr
        return self.name


def validate_time_zone(value: str) -> None:
    if value and value not in time_zones.known():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_languages(value: object) -> None:
    if not isinstance(value, list) or any(code not in languages.NAMES for code in value):
        raise ValidationError(_("Choose languages from the list."))


def validate_tags(value: object) -> None:
    if not isinstance(value, list) or any(
        not isinstance(tag, str) or not tag or len(tag) > 40 for tag in value
    ):
        raise ValidationError(_("Each tag is a word or short phrase of at most 40 characters."))
    if len(value) > 20:
        raise ValidationError(_("At most 20 tags."))


class Visibility(models.TextChoices):
    MEMBERS = "members", _("All members")
    MENTORS = "mentors", _("Mentors and admins only")
    NOBODY = "nobody", _("Only me (and admins)")


def photo_path(profile: Profile, filename: str) -> str:
    """A new name each time, nobody else's: a photo whose write fails is removed by it."""
    return f"photos/{profile.user_id}/{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}.jpg"


class Profile(models.Model):
    """What a member tells the community about herself. Contact details have their own audience."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    headline = models.CharField(_("headline"), max_length=140, blank=True)
    bio = models.TextField(_("about me"), max_length=4000, blank=True)
    expertise = models.ManyToManyField(
        Topic, blank=True, related_name="experts", verbose_name=_("fields of expertise"),
        limit_choices_to={"kind": Topic.Kind.EXPERTISE})
    skills = models.ManyToManyField(
        Topic, blank=True, related_name="skilled", verbose_name=_("skills"),
        limit_choices_to={"kind": Topic.Kind.SKILL})
    tags = models.JSONField(_("other tags"), default=list, blank=True, validators=[validate_tags])
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[validate_languages])
    years_experience = models.PositiveSmallIntegerField(
        _("years of experience"), null=True, blank=True, validators=[MaxValueValidator(70)])
    wants_to_develop = models.TextField(_("what I want to develop"), max_length=2000, blank=True)
    wants_topics = models.ManyToManyField(
        Topic, blank=True, related_name="wanted_by", verbose_name=_("topics I want to develop"))
    can_offer = models.TextField(_("what I can offer"), max_length=2000, blank=True)
    any_language = models.BooleanField(
        _("a mentor who does not speak my languages is fine"), default=False,
        help_text=_("Off: only mentors who speak one of your languages are recommended."))
    mentor_capacity = models.PositiveSmallIntegerField(
        _("mentees I can take"), default=0, validators=[MaxValueValidator(50)])
    accepting_mentees = models.BooleanField(
        _("open to new mentees"), default=True,
        help_text=_("Turn off to stop new requests without changing your capacity."))
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    contact_details = models.TextField(
        _("contact details"), max_length=500, blank=True,
        help_text=_("Phone, e-mail, social links: shown only to the audience you choose."))
    contact_visibility = models.CharField(
        _("who sees my contact details"), max_length=16, choices=Visibility.choices,
        default=Visibility.MENTORS)
    relay_only_calls = models.BooleanField(
        _("relay-only calls (hide my address)"), default=False,
        help_text=_("Your calls go through the community’s server, so the people you call "
                    "never learn your internet address. The call may take a little longer "
                    "to connect."))
    updated_at = models.DateTimeField(auto_now=True)

    # Kept up to date by the mentoring app, read by search and profile pages.
    paused_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Set when requests were paused after several went unanswered.")
    reopened_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When she last reopened requests after a pause.")
    active_mentees = models.PositiveSmallIntegerField(default=0, editable=False)
    answer_hours = models.FloatField(
        null=True, blank=True, editable=False,
        help_text="Median hours this mentor took to answer her recent requests.")

    # Kept up to date by community.search.profile_index.
    search_a = models.TextField(default="", editable=False)
    search_b = models.TextField(default="", editable=False)
    search_c = models.TextField(default="", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    city_key = models.CharField(max_length=80, default="", editable=False, db_index=True)
    want_words = models.TextField(default="", editable=False)  # keywords for matching
    offer_words = models.TextField(default="", editable=False)
    # Topics recognised in her free text: {"topic id": [field, "the words as she wrote them"]},
    # and the same as "id:field id:field" for scoring without parsing JSON.
    want_found = models.JSONField(default=dict, editable=False)
    offer_found = models.JSONField(default=dict, editable=False)
    want_found_ids = models.TextField(default="", editable=False)
    offer_found_ids = models.TextField(default="", editable=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def open_to_mentees(self) -> bool:
        """A mentor who can be requested now: accepting, not paused, not full."""
        return (self.user.is_mentor and self.accepting_mentees and self.paused_at is None
                and self.active_mentees < self.mentor_capacity)

    @property
    def places_left(self) -> int:
        return max(0, self.mentor_capacity - self.active_mentees)

    @property
    def display_name(self) -> str:
        return self.user.name

    def language_names(self) -> list[str]:
        return [str(languages.NAMES[code]) for code in self.languages if code in languages.NAMES]


class Invitation(models.Model):
    """A single-use link to join.

    Only a hash of the token is stored, and the random seed the token is derived from with
    the server's secret key (`services.invitation_link`): the database alone gives no link,
    yet an admin can copy the link she sent. Invitations from before the seed have none;
    sending one again gives it a seed and a new link.
    """

    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_seed = models.CharField(max_length=64, blank=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # its last e-mail
    send_count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # At most one open (not accepted, not revoked) invitation per address.
            models.UniqueConstraint(
                Lower("email"), name="invitation_one_open_per_email",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_usable(self) -> bool:
        return self.status == "pending"


class SignupDomain(models.Model):
    """An e-mail domain whose owners may sign up without an invitation."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("sign-up domain")
        verbose_name_plural = _("sign-up domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        if "." not in self.domain or " " in self.domain:
            raise ValidationError({"domain": _("Enter a domain such as example.org.")})


class MentorApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_applications")
    motivation = models.TextField(_("why I want to mentor"), max_length=4000)
    expertise = models.ManyToManyField(
        Topic, verbose_name=_("fields of expertise"),
        limit_choices_to={"kind": Topic.Kind.EXPERTISE})
    capacity = models.PositiveSmallIntegerField(
        _("mentees I can take"), validators=[MinValueValidator(1), MaxValueValidator(50)])
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    decision_note = models.TextField(_("note to the applicant"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("mentor application")
        verbose_name_plural = _("mentor applications")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                "applicant", name="one_pending_application",
                condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} ({self.get_status_display()})"


class Block(models.Model):
    """`blocker` does not want any contact with `blocked`; the rule applies both ways."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint("blocker", "blocked", name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class AuditEntry(models.Model):
    """One admin action: who did what to what, when, and why. Rows are never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_repr = models.CharField(max_length=254)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=254)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"


class Report(models.Model):
    """A member's report of something she saw: a message, a document, a profile, or a
    member in a room or its call. Community knows no room feature, so the item is named
    by its kind and id (`item`: "message:12", "member:3:45" for member 45 in room 3) and
    the room by its id; the features resolve them (community.hooks).

    `excerpt` keeps what was reported as it was then (a few hundred characters): the
    moderator judges what she was shown even if the author edits or hides it since.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        DOCUMENT = "document", _("Document")
        PROFILE = "profile", _("Profile")
        MEMBER = "member", _("Member in a room or call")

    class Reason(models.TextChoices):
        HARASSMENT = "harassment", _("Harassment")
        SPAM = "spam", _("Spam")
        IMPERSONATION = "impersonation", _("Impersonation")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        ACTIONED = "actioned", _("Action taken")
        DISMISSED = "dismissed", _("No action")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
        related_name="reports_received")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    item = models.CharField(max_length=64)
    item_id = models.PositiveBigIntegerField()
    room_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    label = models.CharField(max_length=200, blank=True)  # the item's name when reported
    excerpt = models.TextField(blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    details = models.TextField(_("what happened"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint("reporter", "item", condition=models.Q(status="open"),
                                    name="report_open_once"),
        ]
        indexes = [models.Index(fields=["status", "room_id"], name="report_status_room")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id} ({self.get_reason_display()})"


class ModerationAction(models.Model):
    """What a moderator did about a report. A mute's end is `until`; the room enforces
    it from its own copy (rooms.Membership.silenced_until), written in the same
    transaction by the rooms service."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("Hidden")
        WARN = "warn", _("Warned")
        MUTE = "mute", _("Muted in the room")
        SUSPEND = "suspend", _("Account suspended")
        DISMISS = "dismiss", _("Dismissed")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="moderation_actions")
    room_id = models.PositiveBigIntegerField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note to the member"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.report_id})"
class DataExport(models.Model):
    """A member's "Download my data": a zip the task worker builds (`community.my_data`),
    offered until `expires_at`, then deleted by `manage.py privacy_sweep`."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    stored = models.CharField(max_length=300, blank=True)  # its name in the default storage
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.state})"


class AccountDeletion(models.Model):
    """She asked for her account to be erased: until `erase_after` she is signed out
    everywhere (her account inactive) and may cancel by signing in again, unless an admin
    suspended her meanwhile (`cancellable` false: signing in gives her account back no
    more; the erasure she asked for still comes)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    erase_after = models.DateTimeField(db_index=True)
    cancellable = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self) -> str:
        return f"deletion of {self.user_id} after {self.erase_after:%Y-%m-%d}"


class MessagePolicy(models.TextChoices):
    ERASE = "erase", _("Erase them")
    KEEP = "keep", _("Keep them, signed “A former member”")


class RetentionPolicy(models.Model):
    """The community's one row of what happens to an erased member's words in rooms."""

    messages = models.CharField(_("her messages and comments in rooms"), max_length=8,
                                choices=MessagePolicy.choices, default=MessagePolicy.KEEP)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policy")

    def __str__(self) -> str:
        return str(_("retention policy"))


class ErasureRecord(models.Model):
    """One erased account, for the admins' log: who (her name then, and the pseudonym the
    audit log now uses for her), when, and how many of each kind were erased. No content."""

    name = models.CharField(max_length=150)
    pseudonym = models.CharField(max_length=40)
    requested_at = models.DateTimeField()
    erased_at = models.DateTimeField(default=timezone.now, db_index=True)
    messages_policy = models.CharField(max_length=8, choices=MessagePolicy.choices)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-erased_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pseudonym} erased {self.erased_at:%Y-%m-%d}"


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def live(self) -> AccessTokenQuerySet:
        """Not revoked, not expired (her account's state is checked apart)."""
        return self.filter(models.Q(expires_at__isnull=True)
                           | models.Q(expires_at__gt=timezone.now()), revoked_at__isnull=True)


class AccessToken(models.Model):
    """A personal access token (community.tokens): what a script or a bot shows instead of
    a session. Only the SHA-256 digest of the secret is kept; the secret is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")
        ADMIN = "admin", _("Administration")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="access_tokens")
    name = models.CharField(_("name"), max_length=80)
    scopes = models.JSONField(_("scopes"), default=list)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=24, editable=False)  # "cohort_pat_AbCd…": to recognise it
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField(_("expires on"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        """`write` implies `read`; `admin` stands alone."""
        return scope in self.scopes or (scope == "read" and "write" in self.scopes)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now())


# Outbound webhooks (community.webhooks): their tables belong to this app.
from community.webhooks.models import Webhook as Webhook  # noqa: E402
from community.webhooks.models import WebhookDelivery as WebhookDelivery  # noqa: E402
