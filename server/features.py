"""Where the room features meet the live core: wired here, since siblings never import
each other and `rooms` knows no feature.

- `rooms.catchup`: each feature that numbers its changes in a room's event log says what a
  socket misses after a rev.
- `rooms.hooks`: per-room state a feature adds to chat's rooms page (a call under way);
  a moderator's mute in a room ends her seat in its call; a socket that hides someone
  (a block) sends `call.changed` without her among its participants.
- `calendar_app.hooks`: event descriptions are rendered with chat's renderer; bookings
  ask mentoring which room a mentor and her mentee meet in (their active mentorship's),
  and tell it a booked session took place (logged in the mentorship's sessions, once);
  event invitations reach the notification centre in the app only, their e-mail (with
  the .ics) is the calendar's own; reminders reach it in the app and by e-mail, as her
  preferences say.
- `documents.rendering`: documents render Markdown (text previews, comments) with chat's
  renderer; `documents.hooks`: a member mentioned in a comment is told (notifications);
  `chat.attachments`: a message shows only its own room's documents.
- `chat.hooks`, `video.hooks`: a message for her (a mention, a reply, a message in a pair
  or direct room) and a call starting in her room reach her notification centre
  (`notifications.room_signals`); reading the room, or joining the call, reads them;
  an edit rewrites their excerpt, a deletion takes them away.
- `community.hooks`: a mentor application reaches every admin's notification centre;
  deciding it reads it for all of them. A block made or taken back reaches both members'
  open sockets, which read again whom they hide; only the blocker's pages are told
  (`blocks.changed`).
- `community.next_steps`: the home page shows mentoring's next steps (find a mentor,
  requests to answer, quiet mentorships) beside community's own.
- `community.hooks` (reports): a message (chat), a document (documents) or a member in a
  room or its call (rooms) is reported, shown to moderators with the least context, and
  hidden through its own app's services; a room's moderators and a moderator's mute come
  from rooms; what moderation tells a member reaches her notification centre.
- `community.my_data`: what each app keeps of a member, for "Download my data" and for
  her account's erasure (her messages and comments as the community's policy says, her
  documents' files); an app added later registers its part here.
- `community.hooks`: her data export ready reaches her notification centre (and e-mail).
- Account changes that must reach open sockets at once (sign-out, a new password,
  deactivation): Django's and allauth's signals ring her sockets, which check again.
"""

from __future__ import annotations

from typing import Any

from calendar_app import hooks as calendar_hooks
from calendar_app import selectors as calendar_selectors
from chat import attachments as chat_attachments
from chat import catchup as chat_catchup
from chat import hooks as chat_hooks
from chat import rendering as chat_rendering
from chat import reports as chat_reports
from chat import services as chat_services
from community import hooks as community_hooks
from community import next_steps, tokens
from documents import hooks as documents_hooks
from documents import rendering as documents_rendering
from documents import reports as documents_reports
from documents import selectors as documents_selectors
from mentoring import next_steps as mentoring_next_steps
from rooms import catchup, hooks, services
from rooms import permissions as room_permissions
from rooms import reports as room_reports
from video import hooks as video_hooks
from video import permissions as video_permissions
from video import selectors as video_selectors


def register() -> None:
    catchup.register("chat", chat_catchup.catch_up_events)
    catchup.register("calls", video_selectors.call_catch_up)
    catchup.register("documents", documents_selectors.catch_up_events)
    catchup.register("calendar", calendar_selectors.catch_up_events)
    calendar_hooks.register_renderer(_render_markdown)
    calendar_hooks.register_notifications(_calendar_tell, _calendar_email_wanted)
    calendar_hooks.register_mentorship_room(_mentorship_room)
    calendar_hooks.register_booking_held(_booking_held)
    documents_rendering.register(chat_rendering.render_message)
    documents_hooks.register_mentioned(_document_mention)
    chat_attachments.register(documents_selectors.ids_in_room)
    hooks.register_room_summary(video_selectors.call_summaries)
    hooks.register_room_page(video_selectors.call_panel)
    hooks.register_room_notice(chat_services.notice_post)
    hooks.register_member_silenced(_member_silenced)
    hooks.register_event_view("call.changed", video_permissions.call_event_without)
    chat_hooks.register_message_sent(_message_sent)
    chat_hooks.register_room_read(_room_read)
    chat_hooks.register_message_changed(_message_changed)
    video_hooks.register(_call_started, _call_joined)
    community_hooks.register_application(_application_submitted, _application_decided)
    community_hooks.register_block_changed(_block_changed)
    next_steps.register(mentoring_next_steps.home_next_steps)
    _register_moderation()
    _register_my_data()
    community_hooks.register_export_ready(_export_ready)
    _connect_account_signals()


def _register_moderation() -> None:
    from community import moderation
    from community.models import Report

    community_hooks.register_reportable(
        Report.Kind.PROFILE, moderation.profile_reported, moderation.profile_context)
    community_hooks.register_reportable(
        Report.Kind.MESSAGE, chat_reports.message_reported, chat_reports.message_context,
        hide=_hide_message)
    community_hooks.register_reportable(
        Report.Kind.DOCUMENT, documents_reports.document_reported,
        documents_reports.document_context, hide=_hide_document,
        preview=documents_reports.document_preview_file)
    community_hooks.register_reportable(
        Report.Kind.MEMBER, room_reports.member_reported, room_reports.member_context)
    community_hooks.register_room_moderation(community_hooks.RoomModeration(
        moderated_room_ids=room_permissions.rooms_moderated_by,
        room_moderator_ids=room_permissions.room_moderator_ids,
        silence=_silence))
    community_hooks.register_moderation_notice(_moderation_notice)


def _hide_message(moderator: Any, message_id: int) -> bool:
    from chat import services as chat_services

    return chat_services.message_hide(moderator=moderator, message_id=message_id) is not None


def _hide_document(moderator: Any, document_id: int) -> bool:
    from documents import services as documents_services

    return documents_services.document_hide(document_id=document_id) is not None


def _member_silenced(room_id: int, user_id: int) -> None:
    from video import services as video_services

    video_services.member_silenced(room_id=room_id, user_id=user_id)


def _silence(room_id: int, user_id: int, until: Any) -> bool:
    return services.member_silence(room_id=room_id, user_id=user_id, until=until)


def _moderation_notice(member: Any, kind: str, params: dict[str, Any], url: str,
                       email: bool) -> None:
    from notifications import services as notifications

    notifications.notify(user=member, kind=kind, params=params, url=url, email=email)


def _render_markdown(text: str) -> str:
    return chat_rendering.render_message(text).html


def _active_mentorship(mentor: Any, mentee: Any) -> Any:
    from mentoring.models import Mentorship

    return (Mentorship.objects.select_related("room", "mentor", "mentee")
            .filter(mentor_id=mentor.pk, mentee_id=mentee.pk,
                    status=Mentorship.Status.ACTIVE, room__isnull=False).first())


def _mentorship_room(mentor: Any, mentee: Any) -> Any:
    """The room of their active mentorship, or None."""
    mentorship = _active_mentorship(mentor, mentee)
    return mentorship.room if mentorship is not None else None


def _booking_held(booking: Any) -> None:
    """A booked session took place: logged in their active mentorship's sessions, once
    (a first conversation, with no mentorship, has no log)."""
    from django.utils import timezone

    from calendar_app import zones
    from mentoring.services import relationship

    mentorship = _active_mentorship(booking.mentor, booking.booker)
    if mentorship is None:
        return
    held_on = min(booking.starts_at.astimezone(zones.zone_of(booking.mentor)).date(),
                  timezone.localdate())
    minutes = max(5, min(600, int((booking.ends_at - booking.starts_at).total_seconds() // 60)))
    title = booking.event.title if booking.event is not None else "Booked session"
    relationship.session_log(user=booking.booker, mentorship=mentorship, held_on=held_on,
                             minutes=minutes, topics=title, booking_id=booking.pk)


def _document_mention(member: Any, author: Any, document_name: str, url: str) -> None:
    from notifications import services as notifications

    notifications.notify(user=member, kind="document_mention",
                         params={"name": author.name, "document": document_name}, url=url,
                         actor=author)


def _calendar_tell(member: Any, kind: str, params: dict[str, Any], url: str, *,
                   email: bool = False, actor: Any = None) -> None:
    from notifications import services as notifications

    notifications.notify(user=member, kind=kind, params=params, url=url, email=email,
                         actor=actor)


def _calendar_email_wanted(member: Any, kind: str) -> bool:
    from notifications import selectors as notification_selectors

    return notification_selectors.preference_for(member, kind)[1]


def _message_sent(**facts: Any) -> None:
    from notifications import room_signals

    room_signals.message_sent(**facts)


def _message_changed(room_id: int, seq: int, excerpt: str | None) -> None:
    from notifications import room_signals

    room_signals.message_changed(room_id=room_id, seq=seq, excerpt=excerpt)


def _room_read(user_id: int, room_id: int, seq: int) -> None:
    from notifications import services as notifications

    notifications.room_read(user_id=user_id, room_id=room_id, seq=seq)


def _call_started(room: Any, caller: Any) -> None:
    from notifications import room_signals

    room_signals.call_started(room=room, caller=caller)


def _call_joined(user_id: int, room_id: int) -> None:
    from notifications import services as notifications

    notifications.call_joined(user_id=user_id, room_id=room_id)


def _application_submitted(application: Any) -> None:
    """Every admin is told a member applies to mentor."""
    from django.db.models import Q
    from django.urls import reverse

    from community.models import Role, User
    from notifications import services as notifications

    admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    for admin in admins.exclude(pk=application.applicant_id)[:50]:
        notifications.notify(user=admin, kind="mentor_application",
                             params={"name": application.applicant.name},
                             url=reverse("applications_queue"),
                             subject=f"application:{application.pk}")


def _application_decided(application: Any) -> None:
    """An admin decided: every admin's notice of it is read."""
    from notifications import services as notifications

    notifications.subject_done(subject=f"application:{application.pk}")


def _block_changed(blocker_id: int, blocked_id: int) -> None:
    services.blocks_changed(blocker_id=blocker_id, blocked_id=blocked_id)
def _register_my_data() -> None:
    """Each app's part of "Download my data", in the order the zip's index shows them."""
    from django.utils.translation import gettext_lazy as _

    from calendar_app import my_data as calendar_data
    from chat import my_data as chat_data
    from community import my_data
    from documents import my_data as documents_data
    from mentoring import my_data as mentoring_data
    from notifications import my_data as notifications_data

    for part in (
        my_data.Part("profile", _("Profile"), my_data.profile_rows, my_data.photo_files),
        my_data.Part("messages", _("Messages"), chat_data.message_rows,
                     erase=chat_data.messages_erase),
        my_data.Part("documents", _("Documents"), documents_data.version_rows,
                     documents_data.version_files, erase=documents_data.documents_erase),
        my_data.Part("document_comments", _("Comments on documents"),
                     documents_data.comment_rows),
        my_data.Part("mentorships", _("Mentorship history"), mentoring_data.mentorship_rows,
                     erase=mentoring_data.mentorships_erase),
        my_data.Part("goals", _("Goals"), mentoring_data.goal_rows),
        my_data.Part("mentoring_notes", _("Mentoring notes"), mentoring_data.note_rows),
        my_data.Part("notifications", _("Notifications"), notifications_data.notification_rows),
        my_data.Part("notification_preferences", _("Notification preferences"),
                     notifications_data.preference_rows),
        my_data.Part("calendar_events", _("Calendar events you created"),
                     calendar_data.event_rows),
        my_data.Part("calendar_answers", _("Your answers to events"), calendar_data.answer_rows),
        my_data.Part("reports", _("Reports you sent"), my_data.report_rows,
                     erase=my_data.reports_erase),
        my_data.Part("audit", _("Audit entries about you"), my_data.audit_rows),
    ):
        my_data.register(part)


def _export_ready(export: Any) -> None:
    """Her zip is ready: told in the centre and by e-mail, as her preferences say."""
    from django.urls import reverse

    from notifications import services as notifications

    notifications.notify(user=export.user, kind="data_export_ready",
                         params={"date": export.expires_at.date().isoformat()},
                         url=reverse("my_data"))


def _account_changed(sender: Any, user: Any = None, **kwargs: Any) -> None:
    if user is not None and getattr(user, "pk", None) is not None:
        services.account_changed(user_id=int(user.pk))


def _user_saved(sender: Any, instance: Any, created: bool = False,
                update_fields: Any = None, **kwargs: Any) -> None:
    """A new password or a deactivation saved anywhere (the Django admin included)."""
    if created:
        return
    if update_fields is None or {"password", "is_active"} & set(update_fields):
        services.account_changed(user_id=int(instance.pk))


def _connect_account_signals() -> None:
    from allauth.account import signals as allauth_signals
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import post_save

    user_logged_out.connect(_account_changed, dispatch_uid="cohort.sockets.logout")
    for name in ("password_changed", "password_reset", "password_set"):
        getattr(allauth_signals, name).connect(_account_changed,
                                               dispatch_uid=f"cohort.sockets.{name}")
    post_save.connect(_user_saved, sender=get_user_model(),
                      dispatch_uid="cohort.sockets.user_saved")
    # A token revoked: its sockets close as at a sign-out (rooms.liveness reads the token).
    tokens.token_revoked.connect(_account_changed, dispatch_uid="cohort.sockets.token_revoked")
