"""The open API's calendars (docs/api.md): her occurrences in a time range across her
rooms, a room's, one event, proposing, changing and cancelling events (the whole event,
one occurrence, or this and the following ones), and her answer. Every rule is asked of
calendar_app.permissions and every change goes through calendar_app.services, as the
pages' do (the same checks of the fields, the same rate), and the room's sockets hear the
same `calendar.changed`.

Occurrences are expanded as the pages show them (calendar_app.recurrence): each has its
instants in UTC (`starts_at`, `ends_at`) and the same instants on her clock (`local_start`,
`local_end`, with their offset, in the zone her answer names as `time_zone`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from calendar_app import event_form, fields, permissions, recurrence, selectors, zones
from calendar_app.models import Event, Rsvp
from calendar_app.services import answers as answer_services
from calendar_app.services import events as event_services
from community.api.framework import (
    Flag,
    MemberAPIView,
    StrictSerializer,
    Text,
    caller,
    validated,
)
from community.models import User

MAX_RANGE = timedelta(days=100)  # a range asked at once (a page's month is 6 weeks)
SCOPES = ("all", "this", "following")

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH,
                           description="One of her rooms (404 for any other).")
EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH,
                            description="An event of one of her rooms, not cancelled "
                                        "(404 otherwise).")
RANGE = [
    OpenApiParameter("start", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, required=True,
                     description="ISO 8601 with an offset (`2027-03-01T00:00:00Z`): the "
                                 "range's start, included."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, required=True,
                     description="ISO 8601 with an offset: the range's end, excluded; at "
                                 f"most {MAX_RANGE.days} days after `start`."),
]
SCOPE = OpenApiParameter("scope", str, OpenApiParameter.QUERY, required=False,
                         enum=list(SCOPES), description="all (default): the whole event; "
                         "this: one occurrence of a series; following: it and the later "
                         "ones. Not all: `recurrence_id` names the occurrence.")
RECURRENCE_ID = OpenApiParameter("recurrence_id", str, OpenApiParameter.QUERY,
                                 required=False, description="An occurrence's "
                                 "`recurrence_id` (as in the occurrences' list).")


# --- Answers ------------------------------------------------------------------------------
class OrganiserSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


class OccurrenceChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    recurrence_id = serializers.DateTimeField()
    cancelled = serializers.BooleanField()
    start = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(allow_blank=True)


class RsvpCountsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    going = serializers.IntegerField()
    maybe = serializers.IntegerField()
    not_going = serializers.IntegerField()


class EventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The socket's EVENT (docs/protocol.md), as its organiser wrote it."""

    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    rev = serializers.IntegerField()
    uid = serializers.CharField(help_text="Its iCalendar UID.")
    sequence = serializers.IntegerField(help_text="Its iCalendar SEQUENCE.")
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True, help_text="Markdown as typed.")
    description_html = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    video_call = serializers.BooleanField()
    all_day = serializers.BooleanField()
    time_zone = serializers.CharField(help_text="The organiser's clock (IANA).")
    start = serializers.CharField(help_text="`2027-03-02T18:00` on the organiser's clock, "
                                            "or `2027-03-02` all day.")
    duration_minutes = serializers.IntegerField()
    rrule = serializers.CharField(allow_blank=True, help_text="RFC 5545; empty: once.")
    starts_at = serializers.DateTimeField()
    series_ends_at = serializers.DateTimeField(allow_null=True)
    occurrences = OccurrenceChangeSerializer(many=True,
                                             help_text="Occurrences moved or cancelled.")
    created_by = OrganiserSerializer(allow_null=True)
    rsvp = RsvpCountsSerializer()
    url = serializers.CharField()
    cancelled = serializers.BooleanField()


class EventDetailSerializer(EventSerializer):
    answer = serializers.ChoiceField(choices=Rsvp.Answer.values, allow_null=True,
                                     help_text="Hers; null: she has not answered.")
    can_edit = serializers.BooleanField()
    can_answer = serializers.BooleanField()


class OccurrenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    event_id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    recurrence_id = serializers.DateTimeField(help_text="Names the occurrence (UTC).")
    title = serializers.CharField()
    all_day = serializers.BooleanField()
    starts_at = serializers.DateTimeField(help_text="UTC.")
    ends_at = serializers.DateTimeField(help_text="UTC.")
    local_start = serializers.CharField(help_text="The start on her clock, with its offset.")
    local_end = serializers.CharField(help_text="The end on her clock, with its offset.")
    start = serializers.CharField(help_text="The start on the organiser's clock.")
    moved = serializers.BooleanField()
    location = serializers.CharField(allow_blank=True)
    video_call = serializers.BooleanField()
    url = serializers.CharField(help_text="Its page on the site.")


class OccurrencesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    time_zone = serializers.CharField(help_text="Her clock (IANA): `local_start`, `local_end`.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    occurrences = OccurrenceSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text=f"true: more than {recurrence.MAX_EXPANDED}; ask a shorter range.")


class AnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    event_id = serializers.IntegerField()
    answer = serializers.ChoiceField(choices=Rsvp.Answer.values)
    rsvp = RsvpCountsSerializer()


# --- Requests -----------------------------------------------------------------------------
def _event_fields(*, required: bool) -> dict[str, Any]:
    optional = {"required": False}
    return {
        "title": Text(max_length=fields.MAX_TITLE, **({} if required else optional)),
        "description": Text(max_length=fields.MAX_DESCRIPTION, allow_blank=True,
                            trim_whitespace=False, required=False,
                            help_text="Markdown."),
        "location": Text(max_length=fields.MAX_LOCATION, allow_blank=True, required=False),
        "video_call": Flag(required=False, help_text="The meeting is the room's video call."),
        "all_day": Flag(required=False),
        "time_zone": Text(max_length=64, help_text="IANA, e.g. `Europe/Paris`: the clock "
                          "`start` and `end` are on.", **({} if required else optional)),
        "start": Text(max_length=40, help_text="`2027-03-02T18:00` (no offset), or a date "
                      "all day.", **({} if required else optional)),
        "end": Text(max_length=40, help_text="The same; all day: the last day.",
                    **({} if required else optional)),
        "rrule": Text(max_length=500, allow_blank=True, required=False,
                      help_text="RFC 5545 RRULE value, e.g. `FREQ=WEEKLY;COUNT=10`."),
    }


EventCreateSerializer = type("EventCreateSerializer", (StrictSerializer,),
                             _event_fields(required=True))
EventChangeSerializer = type("EventChangeSerializer", (StrictSerializer,), {
    **_event_fields(required=False),
    "scope": serializers.ChoiceField(choices=list(SCOPES), required=False,
                                     help_text="all (default), this, following."),
    "recurrence_id": Text(max_length=40, required=False,
                          help_text="With this or following: the occurrence."),
})


class AnswerChangeSerializer(StrictSerializer):
    answer = serializers.ChoiceField(choices=Rsvp.Answer.values)


# --- Helpers ------------------------------------------------------------------------------
def _moment(request: Request, name: str) -> datetime:
    raw = request.query_params.get(name)
    invalid = exceptions.ValidationError({name: [exceptions.ErrorDetail(
        _("Give a time as ISO 8601 with an offset, such as 2027-03-01T00:00:00Z."),
        "invalid" if raw else "required")]})
    if not raw:
        raise invalid
    try:
        moment = datetime.fromisoformat(raw[:40].replace("Z", "+00:00"))
    except ValueError:
        raise invalid from None
    if moment.tzinfo is None:
        raise invalid
    try:
        return fields.check_range(moment.astimezone(UTC))
    except DjangoValidationError as error:
        raise exceptions.ValidationError({name: [exceptions.ErrorDetail(
            " ".join(error.messages), "out_of_range")]}) from None
    except OverflowError:
        raise invalid from None


def _range(request: Request) -> tuple[datetime, datetime]:
    start, end = _moment(request, "start"), _moment(request, "end")
    if not start < end <= start + MAX_RANGE:
        raise exceptions.ValidationError({"end": [exceptions.ErrorDetail(
            _("The end comes after the start, at most %(days)d days later.")
            % {"days": MAX_RANGE.days}, "out_of_range")]})
    return start, end


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def occurrences_answer(viewer: User, instances: list[recurrence.Instance],
                       start: datetime, end: datetime) -> dict[str, Any]:
    where = zones.zone_of(viewer)
    rows = []
    for item in instances:
        event = item.event
        start_text = item.start_date.isoformat() if item.start_time is None \
            else f"{item.start_date.isoformat()}T{item.start_time:%H:%M}"
        rows.append({
            "event_id": event.pk, "room_id": event.room_id,
            "recurrence_id": selectors.iso_utc(item.recurrence_id), "title": item.title,
            "all_day": event.all_day, "starts_at": selectors.iso_utc(item.starts_at),
            "ends_at": selectors.iso_utc(item.ends_at),
            "local_start": _iso(item.starts_at.astimezone(where)),
            "local_end": _iso(item.ends_at.astimezone(where)),
            "start": start_text, "moved": item.moved, "location": event.location,
            "video_call": event.video_call,
            "url": reverse("calendar_event", args=[event.pk])
            + (f"?occurrence={item.key}" if event.rrule else ""),
        })
    return {"time_zone": where.key, "start": _iso(start), "end": _iso(end),
            "occurrences": rows, "truncated": len(rows) >= recurrence.MAX_EXPANDED}


def _event(viewer: User, event_id: int) -> Event:
    event = permissions.access_event(viewer, event_id)
    return selectors.room_events(event.room_id).get(pk=event.pk)  # with its occurrences


def event_detail(viewer: User, event_id: int) -> dict[str, Any]:
    event = _event(viewer, event_id)
    return {**selectors.event_payload(event), "answer": selectors.answer_of(event, viewer) or None,
            "can_edit": permissions.can_edit(viewer, event),
            "can_answer": permissions.can_answer(viewer, event)}


def _occurrence(event: Event, raw: object) -> recurrence.Instance:
    """The occurrence `raw` names (its recurrence_id), or a 400 on `recurrence_id`."""
    try:
        recurrence_id = event_services.parse_recurrence_id(raw)
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"recurrence_id": error.messages}) from None
    instance = recurrence.instance_at(event, recurrence_id)
    if instance is None:
        raise exceptions.ValidationError({"recurrence_id": [
            _("This event has no occurrence at that time.")]})
    return instance


def _scoped(event: Event, scope: str, raw: object) -> recurrence.Instance | None:
    if scope == "all":
        return None
    if not event.is_recurring:
        raise exceptions.ValidationError({"scope": [exceptions.ErrorDetail(
            _("A single event is changed as a whole."), "invalid_choice")]})
    return _occurrence(event, raw)


# --- Views --------------------------------------------------------------------------------
class AgendaView(MemberAPIView):
    query_parameters = tuple(RANGE)

    @extend_schema(operation_id="calendar_agenda", parameters=RANGE,
                   responses=OccurrencesSerializer, tags=["calendar"],
                   summary="Her occurrences in a range, across her rooms, as her calendar "
                           "page shows them")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        start, end = _range(request)
        return Response(occurrences_answer(viewer, selectors.agenda(viewer, start, end),
                                           start, end))


class RoomEventsView(MemberAPIView):
    query_parameters = tuple(RANGE)

    @extend_schema(operation_id="calendar_room", parameters=[ROOM_ID, *RANGE],
                   responses=OccurrencesSerializer, tags=["calendar"],
                   summary="A room's occurrences in a range, as its calendar shows them")
    def get(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = permissions.access_room(viewer, room_id)
        start, end = _range(request)
        return Response(occurrences_answer(
            viewer, selectors.agenda(viewer, start, end, room_id=room.pk), start, end))

    @extend_schema(operation_id="calendar_propose", parameters=[ROOM_ID],
                   request=EventCreateSerializer, responses={201: EventDetailSerializer},
                   tags=["calendar"], summary="Propose an event in the room")
    def post(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = permissions.access_room(viewer, room_id)
        data = validated(EventCreateSerializer, request.data)
        event = event_services.event_create(user=viewer, room_id=room.pk, data=data)
        return Response(event_detail(viewer, event.pk), status=201)


class EventDetailView(MemberAPIView):
    query_parameters = (SCOPE, RECURRENCE_ID)

    def allowed_query(self) -> set[str]:
        return super().allowed_query() if self.request.method == "DELETE" else set()

    @extend_schema(operation_id="calendar_event_get", parameters=[EVENT_ID],
                   responses=EventDetailSerializer, tags=["calendar"],
                   summary="One event, her answer, and what she may do with it")
    def get(self, request: Request, event_id: int) -> Response:
        return Response(event_detail(caller(request), event_id))

    @extend_schema(operation_id="calendar_event_change", parameters=[EVENT_ID],
                   request=EventChangeSerializer, responses=EventDetailSerializer,
                   tags=["calendar"],
                   summary="Change an event: the fields named, the rest as they are")
    def patch(self, request: Request, event_id: int) -> Response:
        viewer = caller(request)
        event = _event(viewer, event_id)
        data = dict(validated(EventChangeSerializer, request.data))
        scope = data.pop("scope", "all")
        raw_occurrence = data.pop("recurrence_id", None)
        if not permissions.can_edit(viewer, event):
            raise exceptions.PermissionDenied(_("You cannot change this event."))
        instance = _scoped(event, scope, raw_occurrence)
        if scope == "this" and instance is not None:
            extra = sorted(set(data) - {"title", "start", "end"})
            if extra:
                raise exceptions.ValidationError({name: [exceptions.ErrorDetail(
                    _("One occurrence changes only its title, start and end."), "invalid")]
                    for name in extra})
            current = event_form.values_of(event, instance)
            key = "_day" if event.all_day else ""
            event_services.occurrence_change(
                user=viewer, event_id=event.pk, recurrence_id=instance.recurrence_id,
                data={"title": data.get("title", current["title"]),
                      "start": data.get("start", current["start" + key]),
                      "end": data.get("end", current["end" + key])})
            return Response(event_detail(viewer, event.pk))
        current = event_form.values_of(event, instance)
        all_day = data.get("all_day", event.all_day)
        key = "_day" if all_day else ""
        merged = {
            "title": event.title, "description": event.description,
            "location": event.location, "video_call": event.video_call,
            "all_day": event.all_day, "time_zone": event.time_zone,
            "start": current["start" + key], "end": current["end" + key],
            "rrule": event.rrule, **data}
        if scope == "following" and instance is not None:
            changed = event_services.series_split(
                user=viewer, event_id=event.pk, recurrence_id=instance.recurrence_id,
                data=merged)
        else:
            changed = event_services.event_update(user=viewer, event_id=event.pk, data=merged)
        return Response(event_detail(viewer, changed.pk))

    @extend_schema(operation_id="calendar_event_cancel", parameters=[EVENT_ID, SCOPE,
                                                                     RECURRENCE_ID],
                   request=None, responses={204: None}, tags=["calendar"],
                   summary="Cancel an event, one occurrence, or it and the following ones")
    def delete(self, request: Request, event_id: int) -> Response:
        viewer = caller(request)
        event = _event(viewer, event_id)
        scope = request.query_params.get("scope", "all")
        if scope not in SCOPES:
            raise exceptions.ValidationError({"scope": [exceptions.ErrorDetail(
                _("Choose all, this or following."), "invalid_choice")]})
        if not permissions.can_edit(viewer, event):
            raise exceptions.PermissionDenied(_("You cannot change this event."))
        instance = _scoped(event, scope, request.query_params.get("recurrence_id"))
        if scope == "this" and instance is not None:
            event_services.occurrence_cancel(user=viewer, event_id=event.pk,
                                             recurrence_id=instance.recurrence_id)
        elif scope == "following" and instance is not None:
            event_services.series_end(user=viewer, event_id=event.pk,
                                      recurrence_id=instance.recurrence_id)
        else:
            event_services.event_cancel(user=viewer, event_id=event.pk)
        return Response(status=204)


class AnswerView(MemberAPIView):
    @extend_schema(operation_id="calendar_event_answer", parameters=[EVENT_ID],
                   request=AnswerChangeSerializer, responses=AnswerSerializer,
                   tags=["calendar"], summary="Her answer: going, maybe or not going")
    def put(self, request: Request, event_id: int) -> Response:
        viewer = caller(request)
        permissions.access_event(viewer, event_id)
        data = validated(AnswerChangeSerializer, request.data)
        rsvp = answer_services.rsvp_set(user=viewer, event_id=event_id, answer=data["answer"])
        event = permissions.access_event(viewer, event_id)
        return Response({"event_id": event.pk, "answer": rsvp.answer,
                         "rsvp": selectors.rsvp_counts(event)})
