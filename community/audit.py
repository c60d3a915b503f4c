"""The audit trail of admin actions: one function writes it, one catalogue reads it.

An entry stores its action code, who did it and on what (with their names as they were);
its sentence is written from `ACTIONS` in the reader's language when the log is shown,
with the names the actor and the target have now where their rows still exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.models import AuditEntry, Invitation, MentorApplication, User


def audit_record(
    *, actor: User | None, action: str, target: models.Model, reason: str = "", **details: Any
) -> AuditEntry:
    """Write one entry, inside the caller's transaction so it lands only if the action does.

    `action` must have its sentence in `ACTIONS` (a test reads every call of this function).
    """
    return AuditEntry.objects.create(
        actor=actor,
        actor_repr=(actor.email if actor else "system")[:254],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:254],
        reason=reason,
        details=details,
    )


@dataclass(frozen=True)
class Action:
    code: str
    label: Promise  # what the log's "What" filter calls it
    text: Promise  # the sentence: %(actor)s, %(target)s, and %(member)s or %(kind)s
    prefix: bool = False  # the code is followed by ".<model>" (the Django admin's actions)

    def matches(self, code: str) -> bool:
        return code == self.code or (self.prefix and code.startswith(self.code + "."))


ACTIONS: dict[str, Action] = {action.code: action for action in (
    Action("invitation.create", _("Invitation sent"), _("%(actor)s invited %(target)s")),
    Action("invitation.resend", _("Invitation sent again"),
           _("%(actor)s sent the invitation to %(target)s again")),
    Action("invitation.revoke", _("Invitation withdrawn"),
           _("%(actor)s withdrew the invitation to %(target)s")),
    Action("mentor_application.approve", _("Mentor application approved"),
           _("%(actor)s approved %(target)s as a mentor")),
    Action("mentor_application.decline", _("Mentor application declined"),
           _("%(actor)s declined the mentor application of %(target)s")),
    Action("room.member_add", _("Member added to a room"),
           _("%(actor)s added %(member)s to the room %(target)s")),
    Action("room.member_remove", _("Member removed from a room"),
           _("%(actor)s removed %(member)s from the room %(target)s")),
    Action("room.archive", _("Room archived"), _("%(actor)s archived the room %(target)s")),
    Action("member.block", _("Member blocked"), _("%(actor)s blocked %(target)s")),
    Action("member.unblock", _("Member unblocked"), _("%(actor)s unblocked %(target)s")),
    Action("room.break_glass_open", _("Break-glass access opened"),
           _("%(actor)s opened break-glass access to the room %(target)s")),
    Action("room.break_glass_end", _("Break-glass access ended"),
           _("%(actor)s ended break-glass access to the room %(target)s")),
    Action("cohort.create", _("Cohort created for a mentor"),
           _("%(actor)s created the cohort %(target)s")),
    Action("webhook.create", _("Webhook added"), _("%(actor)s added the webhook %(target)s")),
    Action("webhook.change", _("Webhook changed"),
           _("%(actor)s changed the webhook %(target)s")),
    Action("webhook.secret_rotate", _("Webhook secret replaced"),
           _("%(actor)s replaced the secret of the webhook %(target)s")),
    Action("webhook.delete", _("Webhook deleted"),
           _("%(actor)s deleted the webhook %(target)s")),
    Action("topic.add", _("Topic added"), _("%(actor)s added the topic %(target)s")),
    Action("topic.rename", _("Topic renamed"), _("%(actor)s renamed the topic %(target)s")),
    Action("topic.synonyms", _("Other words for a topic changed"),
           _("%(actor)s changed the other words for the topic %(target)s")),
    Action("topic.merge", _("Topics merged"),
           _("%(actor)s merged another topic into %(target)s")),
    Action("topic.retire", _("Topic retired"), _("%(actor)s retired the topic %(target)s")),
    Action("topic.restore", _("Topic brought back"),
           _("%(actor)s brought back the topic %(target)s")),
    Action("matching.weights", _("Matching weights changed"),
           _("%(actor)s changed the matching weights")),
    Action("matching.round_start", _("Matching round started"),
           _("%(actor)s started %(target)s")),
    Action("matching.proposal_swap", _("Mentor changed in a matching round"),
           _("%(actor)s proposed another mentor in %(target)s")),
    Action("matching.proposal_drop", _("Pair dropped from a matching round"),
           _("%(actor)s dropped a pair from %(target)s")),
    Action("matching.round_send", _("Matching round sent"),
           _("%(actor)s sent the proposals of %(target)s")),
    Action("matching.proposal_answer", _("Answer to a proposed pair"),
           _("%(actor)s answered a proposal of %(target)s")),
    Action("report.create", _("Report sent"), _("%(actor)s reported %(target)s")),
    Action("moderation.hide", _("Reported item hidden"),
           _("%(actor)s hid the item of the report %(target)s")),
    Action("moderation.warn", _("Member warned"),
           _("%(actor)s warned %(member)s after the report %(target)s")),
    Action("moderation.mute", _("Member muted in a room"),
           _("%(actor)s muted %(member)s in a room after the report %(target)s")),
    Action("moderation.suspend", _("Account suspended"),
           _("%(actor)s suspended the account of %(member)s after the report %(target)s")),
    Action("moderation.dismiss", _("Report dismissed"),
           _("%(actor)s dismissed the report %(target)s")),
    Action("token.create", _("Access token made for a bot"),
           _("%(actor)s made the access token %(target)s for %(member)s")),
    Action("token.revoke", _("Access token revoked"),
           _("%(actor)s revoked the access token %(target)s of %(member)s")),
    Action("bot.create", _("Bot created"),
           _("%(actor)s created the bot %(target)s")),
    Action("bot.deactivate", _("Bot deactivated"),
           _("%(actor)s deactivated the bot %(target)s")),
    Action("retention.messages", _("Retention policy changed"),
           _("%(actor)s changed what happens to an erased member’s messages")),
    Action("account.provider_link", _("Organisation sign-in linked"),
           _("%(target)s signed in through her organisation: its sign-in is now linked to "
             "her account")),
    Action("admin.add", _("Added in the administration"),
           _("%(actor)s added %(target)s (%(kind)s) in the administration"), prefix=True),
    Action("admin.change", _("Changed in the administration"),
           _("%(actor)s changed %(target)s (%(kind)s) in the administration"), prefix=True),
    Action("admin.delete", _("Deleted in the administration"),
           _("%(actor)s deleted %(target)s (%(kind)s) in the administration"), prefix=True),
)}


def action_for(code: str) -> Action | None:
    """The catalogue's entry for a stored action code, or None."""
    if code in ACTIONS:
        return ACTIONS[code]
    head = code.rsplit(".", 1)[0]
    entry = ACTIONS.get(head)
    return entry if entry is not None and entry.matches(code) else None


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    sentence: str


def _user_name(user: User) -> str:
    return user.name or user.email


def _current_names(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """The name each target has now, by (target_type, target_id), in one query per type."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        wanted[entry.target_type].add(entry.target_id)
    names: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        queryset = model._default_manager.all()
        if model is MentorApplication:
            queryset = queryset.select_related("applicant")
        try:
            rows = queryset.in_bulk(list(ids))
        except (ValueError, TypeError):
            continue
        for pk, row in rows.items():
            if isinstance(row, MentorApplication):
                name = _user_name(row.applicant)
            elif isinstance(row, User):
                name = _user_name(row)
            elif isinstance(row, Invitation):
                name = f"{row.name} ({row.email})" if row.name else row.email
            else:
                name = str(row)
            names[(label, str(pk))] = name
    return names


def _kind(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def audit_lines(entries: Iterable[AuditEntry]) -> list[AuditLine]:
    """Each entry with its sentence in the active language, in a fixed number of queries."""
    rows = list(entries)
    names = _current_names(rows)
    actors = User.objects.in_bulk({e.actor_id for e in rows if e.actor_id is not None})
    member_emails = {str(e.details.get("member")) for e in rows
                     if isinstance(e.details, dict) and e.details.get("member")}
    members = {u.email: _user_name(u)
               for u in User.objects.filter(email__in=member_emails)} if member_emails else {}
    lines = []
    for entry in rows:
        actor = actors.get(entry.actor_id) if entry.actor_id is not None else None
        if actor is not None:
            actor_name = _user_name(actor)
        elif entry.actor_repr == "system":
            actor_name = gettext("Cohort")
        else:
            actor_name = entry.actor_repr
        member = str(entry.details.get("member", "")) if isinstance(entry.details, dict) else ""
        params = {
            "actor": actor_name,
            "target": names.get((entry.target_type, entry.target_id), entry.target_repr),
            "member": members.get(member, member),
            "kind": _kind(entry.target_type),
        }
        action = action_for(entry.action)
        sentence = str(action.text) % params if action else f"{actor_name}: {entry.action}"
        lines.append(AuditLine(entry=entry, sentence=sentence))
    return lines


def _targets_of(user: User) -> set[tuple[str, str]]:
    """(target_type, target_id) of the rows that are her: her account, her profile, her
    mentor applications and the invitations to her address."""
    from django.db.models import Q

    targets = {("community.user", str(user.pk))}
    targets |= {("community.profile", str(pk)) for pk in
                apps.get_model("community", "Profile").objects.filter(user=user)
                .values_list("pk", flat=True)}
    targets |= {("community.mentorapplication", str(pk)) for pk in
                MentorApplication.objects.filter(applicant=user).values_list("pk", flat=True)}
    targets |= {("community.invitation", str(pk)) for pk in
                Invitation.objects.filter(Q(accepted_by=user) | Q(email__iexact=user.email))
                .values_list("pk", flat=True)}
    return targets


def entries_about(user: User, targets: set[tuple[str, str]] | None = None
                  ) -> models.QuerySet[AuditEntry]:
    """The entries about a member: what she did as an admin, what was done to her account,
    profile, mentor applications or invitation, and room changes naming her."""
    from django.db.models import Q

    about = Q(actor=user) | Q(details__member=user.email)
    for target_type, target_id in targets if targets is not None else _targets_of(user):
        about |= Q(target_type=target_type, target_id=target_id)
    return AuditEntry.objects.filter(about)


def entries_pseudonymise(user: User, pseudonym: str) -> int:
    """Her entries stay (what admins did, and to whom, is the community's record) with her
    name, address and id replaced by `pseudonym`; returns how many were rewritten."""
    targets = _targets_of(user)
    count = 0
    for entry in entries_about(user, targets).select_for_update():
        if entry.actor_id == user.pk or entry.actor_repr in (user.email, user.name):
            entry.actor = None
            entry.actor_repr = pseudonym
        if (entry.target_type, entry.target_id) in targets:
            entry.target_repr = pseudonym
            if entry.target_type == "community.user":
                entry.target_id = pseudonym
        if isinstance(entry.details, dict):
            entry.details = {key: (pseudonym if value in (user.email, user.name) else value)
                             for key, value in entry.details.items()}
        entry.save(update_fields=["actor", "actor_repr", "target_id", "target_repr", "details"])
        count += 1
    return count
