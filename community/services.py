"""Every write of the community app. Each service checks permission, validates, then writes."""

from __future__ import annotations

import base64
import contextlib
import csv
import errno
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from community import hooks, names, permissions
from community.audit import audit_record
from community.models import (
    Block,
    Invitation,
    MentorApplication,
    Profile,
    Role,
    Topic,
    User,
)
from community.photos import photo_normalise
from community.ratelimit import RateLimited, limit_member, ratelimit_hit
from community.search import profile_index
from community.tasks import email_send
from community.webhooks import events as webhook_events

log = logging.getLogger(__name__)

CSV_MAX_ROWS = 1000


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def _email_later(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Queue an e-mail once the transaction commits, in the sender's language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: email_send.enqueue(
        to=to, template=template, context=context, language=language))


# --- Invitations ------------------------------------------------------------------------

def _invitation_problem(email: str, role: str) -> str | None:
    """Why an invitation to `email` cannot be made, or None."""
    try:
        validate_email(email)
    except ValidationError:
        return _("not a valid e-mail address")
    if role not in Role.values:
        return _("unknown role %(role)s (use member, mentor or admin)") % {"role": role}
    if User.objects.filter(email__iexact=email).exists():
        return _("already a member")
    open_invitations = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now())
    if open_invitations.exists():
        return _("already invited, and the invitation has not expired")
    return None


def invitation_create(
    *, admin: User, email: str, name: str = "", role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """Create a single-use invitation and e-mail its link. Returns it with the raw token.

    An expired invitation to the same address is revoked first, so the new one is the
    only open one (a constraint holds that).
    """
    if not permissions.can_invite(admin):
        raise PermissionDenied
    email = email.strip().lower()
    name = name.strip()[:150]
    role = (role or Role.MEMBER).strip().lower()
    problem = _invitation_problem(email, role)
    if problem:
        raise ValidationError(_("%(email)s cannot be invited: %(problem)s.")
                              % {"email": email, "problem": problem})
    limit_member("invitation.create", admin)  # RateLimited: no one is invited, or e-mailed
    seed = secrets.token_urlsafe(32)
    token = _invitation_token(seed)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            email=email, name=name, role=role, token_hash=_token_hash(token), token_seed=seed,
            invited_by=admin, created_at=now, sent_at=now,
            expires_at=now + timedelta(days=settings.COHORT_INVITATION_DAYS))
        audit_record(actor=admin, action="invitation.create", target=invitation, role=role)
        _invitation_email(admin=admin, invitation=invitation, token=token)
    return invitation, token


def _invitation_token(seed: str) -> str:
    """The link's token, derived from the stored seed with the server's secret key."""
    digest = salted_hmac("community.invitation.link", seed, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _invitation_email(*, admin: User, invitation: Invitation, token: str) -> None:
    _email_later(to=invitation.email, template="invitation", context={
        "name": invitation.name,
        "inviter": admin.name or admin.email,
        "link": _absolute(reverse("invitation_accept", args=[token])),
        "expires": formats.date_format(timezone.localtime(invitation.expires_at)),
    })


def invitation_link(*, admin: User, invitation: Invitation) -> str | None:
    """The address of a pending invitation's link, for the admin to copy; None when there
    is none to give (used, withdrawn, expired, made before links could be copied, or the
    secret key changed since: sending it again makes a new one)."""
    if not permissions.can_invite(admin):
        raise PermissionDenied
    if invitation.status != "pending" or not invitation.token_seed:
        return None
    token = _invitation_token(invitation.token_seed)
    if _token_hash(token) != invitation.token_hash:
        return None
    return _absolute(reverse("invitation_accept", args=[token]))


def invitation_resend_after(invitation: Invitation) -> datetime | None:
    """When the invitation may be e-mailed again, if that is still to come."""
    if invitation.sent_at is None:
        return None
    after = invitation.sent_at + timedelta(minutes=settings.COHORT_INVITATION_RESEND_MINUTES)
    return after if after > timezone.now() else None


def invitation_resend(*, admin: User, invitation: Invitation) -> Invitation:
    """E-mail a pending or expired invitation again, valid for a full period from now.

    The link stays the same where it can (both e-mails work); an invitation from before
    copyable links gets a new one. One invitation goes out at most once every
    COHORT_INVITATION_RESEND_MINUTES, and an admin sends at most
    COHORT_INVITATION_RESEND_LIMIT an hour (RateLimited): a mailbox is not to be flooded.
    """
    if not permissions.can_invite(admin):
        raise PermissionDenied
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at:
            raise ValidationError(_("This invitation has already been accepted."))
        if locked.revoked_at:
            raise ValidationError(_("This invitation was withdrawn: invite the person again."))
        if User.objects.filter(email__iexact=locked.email).exists():
            raise ValidationError(_("%(email)s is already a member.") % {"email": locked.email})
        after = invitation_resend_after(locked)
        if after is not None:
            raise ValidationError(
                _("This invitation was sent a moment ago: you can send it again at %(time)s.")
                % {"time": formats.time_format(timezone.localtime(after))})
        ratelimit_hit(f"invitation.resend:{admin.pk}",
                      limit=settings.COHORT_INVITATION_RESEND_LIMIT, per_seconds=3600)
        now = timezone.now()
        token = _invitation_token(locked.token_seed) if locked.token_seed else ""
        if not token or _token_hash(token) != locked.token_hash:
            locked.token_seed = secrets.token_urlsafe(32)
            token = _invitation_token(locked.token_seed)
            locked.token_hash = _token_hash(token)
        locked.expires_at = max(locked.expires_at,
                                now + timedelta(days=settings.COHORT_INVITATION_DAYS))
        locked.sent_at = now
        locked.send_count += 1
        locked.save(update_fields=["token_seed", "token_hash", "expires_at", "sent_at",
                                   "send_count"])
        audit_record(actor=admin, action="invitation.resend", target=locked,
                     count=locked.send_count)
        _invitation_email(admin=admin, invitation=locked, token=token)
    return locked


@dataclass
class ImportReport:
    invited: list[Invitation] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, email, why)


def invitation_import_csv(*, admin: User, upload: UploadedFile) -> ImportReport:
    """Invite every valid row of a CSV file with the columns name, email, role.

    A file that cannot be read as such a CSV raises ValidationError and invites nobody;
    otherwise each bad row is reported with its line number and reason, and the good
    rows are invited.
    """
    if not permissions.can_invite(admin):
        raise PermissionDenied
    raw = upload.read(2 * 1024 * 1024 + 1)
    if len(raw) > 2 * 1024 * 1024:
        raise ValidationError(_("The file is larger than 2 MB."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV UTF-8.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    if "email" not in columns:
        raise ValidationError(
            _("The first line must name the columns: name, email, role (email is required)."))
    rows = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                 if isinstance(v, str)}
        rows.append((reader.line_num, clean))
    if len(rows) > CSV_MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)d rows: split it.") % {"max": CSV_MAX_ROWS})
    report = ImportReport()
    seen: set[str] = set()
    for line, row in rows:
        email = row.get("email", "").lower()
        if not any(row.values()):
            continue
        if email in seen:
            report.rejected.append((line, email, _("appears twice in the file")))
            continue
        seen.add(email)
        try:
            invitation, _token = invitation_create(
                admin=admin, email=email, name=row.get("name", ""),
                role=row.get("role", "") or Role.MEMBER)
        except ValidationError as error:
            report.rejected.append((line, email, "; ".join(error.messages)))
        except RateLimited as error:  # the rows past the limit are reported, not invited
            report.rejected.append((line, email, str(error)))
        else:
            report.invited.append(invitation)
    return report


def invitation_revoke(*, admin: User, invitation: Invitation, reason: str = "") -> Invitation:
    if not permissions.can_invite(admin):
        raise PermissionDenied
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been accepted."))
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(actor=admin, action="invitation.revoke", target=invitation, reason=reason)
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The usable invitation for `token`; ValidationError says why it is not usable."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    if invitation.status == "accepted":
        raise ValidationError(_("This invitation has already been used. Sign in instead."))
    if invitation.status == "revoked":
        raise ValidationError(_("This invitation has been withdrawn."))
    if invitation.status == "expired":
        raise ValidationError(
            _("This invitation has expired. Ask the programme team for a new one."))
    return invitation


def invitation_accept(*, token: str, name: str, password: str) -> User:
    """Create the member from her invitation. The row lock makes a double submit harmless."""
    name = names.name_clean(name)
    with transaction.atomic():
        invitation = invitation_from_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError(_("This invitation has already been used. Sign in instead."))
        candidate = User(email=invitation.email, name=name)
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        try:
            user = User.objects.create_user(
                email=invitation.email, password=password, name=name, role=invitation.role,
                is_staff=invitation.role == Role.ADMIN)
        except IntegrityError:
            raise ValidationError(_("A member with this e-mail address already exists.")) from None
        # The link reached her mailbox, so the address is proven.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        webhook_events.member_joined(user, via="invitation")
    return user


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def email_key(email: str) -> str:
    """An address as compared with another: only A-Z fold to a-z. Unicode's case rules
    would make a look-alike the same address (the Kelvin sign lower-cases to "k";
    PostgreSQL's UPPER() makes the dotless "ı" an "I"), and a provider's look-alike
    address would then open a member's account or take her invitation."""
    return email.strip().translate(_ASCII_LOWER)


def same_address(first: str, second: str) -> bool:
    return email_key(first) == email_key(second)


def invitation_open_for(email: str, *, lock: bool = False) -> Invitation | None:
    """The pending, unexpired invitation to `email` (the same address, `same_address`), or
    None; `lock`: its row is locked until the caller's transaction ends (sign-in through
    an organisation uses it up)."""
    invitations = Invitation.objects.filter(
        email__iexact=email.strip(), accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now())
    if lock:
        invitations = invitations.select_for_update()
    return next((invitation for invitation in invitations
                 if same_address(invitation.email, email)), None)


def invitation_accept_by(*, invitation: Invitation, user: User) -> None:
    """`user` joined through her organisation's sign-in on this invitation (her role is
    already its role): it is used up, as `invitation_accept` uses up a link. Inside the
    caller's transaction, with the row locked (`invitation_open_for(lock=True)`)."""
    if not invitation.is_usable:
        raise ValidationError(_("This invitation has already been used. Sign in instead."))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def provider_link_record(*, member: User, email: str, provider: str) -> None:
    """Her organisation's sign-in, which verified `email`, was just linked to her account
    (inside the caller's transaction): her address counts as verified from now on, and if
    it was not verified before, the password someone set on it is wiped (whoever created
    the account never proved the address: she alone gets in, and may reset it). Audited."""
    address = next((found for found in EmailAddress.objects.filter(
        user=member, email__iexact=email) if same_address(found.email, email)), None)
    if address is None or not address.verified:
        if member.has_usable_password():
            member.set_unusable_password()
            member.save(update_fields=["password"])
        if address is None:
            EmailAddress.objects.create(user=member, email=email, verified=True,
                                        primary=not EmailAddress.objects.filter(
                                            user=member, primary=True).exists())
        else:
            address.verified = True
            address.save(update_fields=["verified"])
    audit_record(actor=member, action="account.provider_link", target=member,
                 provider=provider[:100])


# --- Profiles ---------------------------------------------------------------------------

PROFILE_FIELDS = (
    "pronouns", "headline", "bio", "tags", "industry", "city", "time_zone", "languages",
    "years_experience", "wants_to_develop", "can_offer", "availability", "contact_details",
    "contact_visibility", "relay_only_calls",
)
MENTOR_FIELDS = ("mentor_capacity", "accepting_mentees")
MENTEE_FIELDS = ("any_language",)  # what she needs of a mentor: members who may ask for one


def profile_update(
    *,
    viewer: User,
    member: User,
    name: str | None = None,
    values: dict[str, Any],
    expertise: list[Topic] | None = None,
    skills: list[Topic] | None = None,
    wants_topics: list[Topic] | None = None,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
) -> Profile:
    """Save what the member changed. Unknown keys are refused; nothing is saved on error."""
    if not permissions.can_edit_profile(viewer, member):
        raise PermissionDenied
    allowed = (PROFILE_FIELDS + (MENTOR_FIELDS if member.is_mentor else ())
               + (MENTEE_FIELDS if permissions.can_seek_mentor(member) else ()))
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s")
                              % {"fields": ", ".join(sorted(unknown))})
    if photo is not None:
        limit_member("photo.upload", viewer)  # RateLimited: nothing is saved
    profile = member.profile
    for key, value in values.items():
        setattr(profile, key, value)
    if values.get("accepting_mentees") and profile.paused_at is not None:
        # Opening up again ends a pause for unanswered requests; older ones stop counting.
        profile.paused_at = None
        profile.reopened_at = timezone.now()
    if isinstance(profile.tags, list):
        profile.tags = list(dict.fromkeys(t.strip() for t in profile.tags if t.strip()))
    profile.full_clean(exclude=["user", "photo"])
    if name is not None:
        member.name = names.name_clean(name, member=member)
    new_photo = photo_normalise(photo) if photo is not None else None
    old_photo = profile.photo.name if (new_photo or remove_photo) and profile.photo else ""
    with transaction.atomic():
        member.save(update_fields=["name"])
        if new_photo is not None:
            profile.photo = _photo_store(profile, new_photo)  # type: ignore[assignment]
        elif remove_photo:
            profile.photo = ""  # type: ignore[assignment]
        profile.save()
        if expertise is not None:
            profile.expertise.set([t for t in expertise if t.kind == Topic.Kind.EXPERTISE])
        if skills is not None:
            profile.skills.set([t for t in skills if t.kind == Topic.Kind.SKILL])
        if wants_topics is not None:
            profile.wants_topics.set(wants_topics)
        profile_index(profile)
        if old_photo:
            storage = profile.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    return profile


def _photo_store(profile: Profile, photo: ContentFile[bytes]) -> str:
    """Write a new photo under a new name; returns that name. A write that fails (a full
    disk) removes what it wrote and raises a ValidationError on the photo field: the
    caller's transaction keeps no row either."""
    photo_field = profile.photo.field
    storage = profile.photo.storage
    name = photo_field.generate_filename(profile, photo.name or "photo.jpg")  # new, random
    try:
        return storage.save(name, photo, max_length=photo_field.max_length)
    except OSError as error:
        with contextlib.suppress(OSError):
            storage.delete(name)
        log.error("a profile photo could not be stored: %s", error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            message = _("The server has no room left to store this photo: nothing was "
                        "saved. Try again later, and tell an admin.")
        else:
            message = _("The server could not store this photo: nothing was saved. Try "
                        "again later, and tell an admin if it goes on.")
        raise ValidationError({"photo_upload": message}) from error


# --- Mentor applications ----------------------------------------------------------------

def application_submit(
    *, user: User, motivation: str, expertise: list[Topic], capacity: int
) -> MentorApplication:
    if not permissions.can_apply_as_mentor(user):
        if user.is_mentor:
            raise ValidationError(_("You are already a mentor."))
        raise ValidationError(_("Your application is already waiting for a decision."))
    motivation = motivation.strip()
    if len(motivation) < 20:
        raise ValidationError(
            {"motivation": _("Tell the programme team a little more (20 characters at least).")})
    if not expertise:
        raise ValidationError({"expertise": _("Choose at least one field of expertise.")})
    application = MentorApplication(applicant=user, motivation=motivation, capacity=capacity)
    application.full_clean(exclude=["applicant"])
    with transaction.atomic():
        try:
            application.save()
        except IntegrityError:
            raise ValidationError(
                _("Your application is already waiting for a decision.")) from None
        application.expertise.set([t for t in expertise if t.kind == Topic.Kind.EXPERTISE])
        hooks.application_submitted(application)
    return application


def _decide(
    *, admin: User, application: MentorApplication, approve: bool, note: str
) -> MentorApplication:
    if not permissions.can_review_applications(admin):
        raise PermissionDenied
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why, kindly: the applicant receives this note.")})
    with transaction.atomic():
        locked = MentorApplication.objects.select_for_update(of=("self",)).select_related(
            "applicant__profile").get(pk=application.pk)
        if locked.status != MentorApplication.Status.PENDING:
            raise ValidationError(_("This application has already been decided."))
        locked.status = (MentorApplication.Status.APPROVED if approve
                         else MentorApplication.Status.DECLINED)
        locked.decided_by = admin
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save()
        applicant = locked.applicant
        if approve:
            if applicant.role == Role.MEMBER:
                applicant.role = Role.MENTOR
                applicant.save(update_fields=["role"])
            profile = applicant.profile
            profile.mentor_capacity = locked.capacity
            profile.save(update_fields=["mentor_capacity"])
            profile.expertise.add(*locked.expertise.all())
        hooks.application_decided(locked)
        audit_record(
            actor=admin, action="mentor_application.approve" if approve
            else "mentor_application.decline", target=locked, reason=note,
            applicant=applicant.email)
        _email_later(
            to=applicant.email,
            template="application_approved" if approve else "application_declined",
            context={"name": applicant.name, "note": note,
                     "link": _absolute(reverse("profile_detail", args=[applicant.pk]))})
    return locked


def application_approve(
    *, admin: User, application: MentorApplication, note: str = ""
) -> MentorApplication:
    """Grant the mentor role, with the capacity and expertise she applied with."""
    return _decide(admin=admin, application=application, approve=True, note=note)


def application_decline(
    *, admin: User, application: MentorApplication, note: str
) -> MentorApplication:
    return _decide(admin=admin, application=application, approve=False, note=note)


# --- Blocks -----------------------------------------------------------------------------

def block_create(*, user: User, other: User) -> Block:
    """Block `other`: recorded in the audit trail, and both members' open sockets are
    told (community.hooks) so that neither carries the other's activity any more."""
    if not permissions.can_block(user, other):
        raise ValidationError(_("You cannot block this member."))
    with transaction.atomic():
        block, created = Block.objects.get_or_create(blocker=user, blocked=other)
        if created:
            audit_record(actor=user, action="member.block", target=other)
            hooks.block_changed(int(user.pk), int(other.pk))
    return block


def block_remove(*, user: User, other: User) -> None:
    """Take back her own block of `other` (audited like the block); a block `other` made
    stays. Refused if she has not blocked `other`."""
    if not permissions.can_unblock(user, other):
        raise ValidationError(_("You have not blocked this member."))
    with transaction.atomic():
        deleted, _rows = Block.objects.filter(blocker=user, blocked=other).delete()
        if deleted:
            audit_record(actor=user, action="member.unblock", target=other)
            hooks.block_changed(int(user.pk), int(other.pk))
