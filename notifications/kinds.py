"""The catalogue of what a member can be told about, and how each kind reads.

A notification stores its kind and a few parameters (names, a date); its sentence is
written from this catalogue in the reader's language when it is shown or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Who a kind can reach: every member (a mentee included), mentors, or admins.
Audience = Literal["member", "mentor", "admin"]


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise  # what the preferences page calls it
    text: Promise  # the sentence, with %(name)s parameters
    email_by_default: bool = True
    audience: Audience = "member"
    # Its e-mail is the missed-message e-mail (notifications.missed): sent only if it is
    # still unread after her delay and she has no page open, gathered with the others.
    missed_email: bool = False
    email_possible: bool = True  # False: told in the app only (a ring is over in 30 s)
    # The sentence when it names no room (a pair's or a direct room's call: "is calling you").
    text_without_room: Promise | None = None
    # Always in the app, whatever she chose, and not on the preferences page: what a
    # moderator did about her or her report (community.moderation). E-mail as chosen.
    always: bool = False


KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("chat_mention", _("Someone mentions you in a room"),
         _("%(name)s mentioned you in %(room)s: “%(excerpt)s”"), missed_email=True),
    Kind("chat_direct", _("A message in a mentoring pair or direct conversation"),
         _("%(name)s wrote to you: “%(excerpt)s”"), missed_email=True),
    Kind("chat_reply", _("A reply to your message"),
         _("%(name)s replied to you in %(room)s: “%(excerpt)s”"), missed_email=True),
    Kind("call_started", _("A call starts in one of your rooms"),
         _("%(name)s started a call in %(room)s."), email_by_default=False,
         email_possible=False, text_without_room=_("%(name)s is calling you.")),
    Kind("request_received", _("A mentee asks you to mentor her"),
         _("%(mentee)s asked you to be her mentor."), audience="mentor"),
    Kind("request_reminder", _("Reminder of a request waiting for your answer"),
         _("%(mentee)s is waiting for your answer: her request expires on %(date)s."),
         audience="mentor"),
    Kind("request_accepted", _("Your request is accepted"),
         _("%(mentor)s accepted your request. Your mentoring room is open.")),
    Kind("request_declined", _("Your request is declined"),
         _("%(mentor)s cannot take your request.")),
    Kind("request_question", _("A mentor asks a question before deciding"),
         _("%(mentor)s has a question before deciding on your request.")),
    Kind("request_withdrawn", _("A mentee withdraws her request"),
         _("%(mentee)s withdrew her request."), email_by_default=False, audience="mentor"),
    Kind("request_expired", _("A request expires without an answer"),
         _("The request from %(mentee)s to %(mentor)s expired without an answer.")),
    Kind("match_proposed", _("The programme team proposes a mentoring pair"),
         _("The programme team proposes that you and %(name)s work together: "
           "accept or decline on your mentoring page.")),
    Kind("match_declined", _("A proposed pair is declined"),
         _("%(name)s declined the pair the programme team proposed.")),
    Kind("mentor_paused", _("New requests to you are paused"),
         _("New requests to you are paused because %(count)s went unanswered. "
           "Reopen them from your profile when you are ready."), audience="mentor"),
    Kind("agreement_proposed", _("A mentoring agreement to confirm"),
         _("%(name)s proposed your mentoring agreement: read it and confirm."),
         email_by_default=False),
    Kind("mentorship_ended", _("A mentorship ends"),
         _("%(name)s ended your mentorship.")),
    Kind("document_mention", _("Someone mentions you in a comment on a document"),
         _("%(name)s mentioned you in a comment on “%(document)s”."),
         email_by_default=False),
    Kind("event_invitation", _("An event in one of your rooms is proposed, changed or cancelled"),
         _("%(name)s: “%(title)s”, %(when)s.")),
    Kind("event_reminder", _("Reminders of events you take part in"),
         _("Reminder: “%(title)s” starts %(when)s.")),
    Kind("report_received", _("A report to review in a room you moderate"),
         _("A report waits for your review: %(kind)s, %(reason)s.")),
    Kind("report_actioned", _("The outcome of your report"),
         _("Your report was reviewed: action taken. Thank you for telling us."),
         email_by_default=False, always=True),
    Kind("report_dismissed", _("The outcome of your report"),
         _("Your report was reviewed: no action. Thank you for telling us."),
         email_by_default=False, always=True),
    Kind("moderation_hidden", _("A moderator hid your message"),
         _("A moderator hid your message in %(room)s."), email_by_default=False, always=True),
    Kind("moderation_hidden_document", _("A moderator hid your document"),
         _("A moderator hid your document in %(room)s."), email_by_default=False,
         always=True),
    Kind("moderation_warning", _("A moderator warns you"),
         _("A moderator warns you: “%(note)s”"), always=True),
    Kind("moderation_muted", _("A moderator mutes you in a room"),
         _("A moderator muted you in %(room)s until %(until)s: you can read it, not write "
           "in it."), always=True),
    Kind("account_suspended", _("Your account is suspended"),
         _("Your account is suspended by the community’s admins."), always=True),
    Kind("mentor_application", _("A member applies to mentor"),
         _("%(name)s applied to mentor: her application waits for a decision."),
         audience="admin"),
    Kind("data_export_ready", _("Your data is ready to download"),
         _("Your data is ready: download it from your privacy settings until %(date)s.")),
)}

CHAT_KINDS = frozenset(code for code, kind in KINDS.items() if kind.missed_email)


def reaches(kind: Kind, *, is_mentor: bool, is_admin: bool) -> bool:
    """Whether this kind can reach a member with these roles (the preferences page lists
    only those)."""
    if kind.audience == "mentor":
        return is_mentor
    if kind.audience == "admin":
        return is_admin
    return True


def render(kind: str, params: dict[str, Any]) -> str:
    """The sentence of one notification in the active language."""
    entry = KINDS.get(kind)
    if entry is None:
        return kind
    text = entry.text
    if entry.text_without_room is not None and not params.get("room"):
        text = entry.text_without_room
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(entry.label)
