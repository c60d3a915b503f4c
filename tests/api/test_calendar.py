"""Calendars over the API: her occurrences in a range (UTC and her clock), a room's, one
event, proposing, changing (the whole event, one occurrence, the following ones),
cancelling and answering, each for whoever the pages let do it; bad input changes
nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from calendar_app.models import Event, Occurrence, Rsvp
from rooms.models import Room
from tests.api.conftest import ApiClient, errors, heard, shape
from tests.calendar_app.factories import event_data, make_event
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

MARCH = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z"}


@pytest.fixture
def circle():
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    bea.profile.time_zone = "America/New_York"
    bea.profile.save()
    room = make_room(ana, bea, name="Autumn cohort")
    weekly = make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=4")  # Tuesdays 18:00 Paris
    return ana, bea, room, weekly


def reads(client, room: Room, event: Event) -> list[int]:
    return [client.get("calendar", MARCH).status_code,
            client.get(f"rooms/{room.pk}/events", MARCH).status_code,
            client.get(f"events/{event.pk}").status_code]


class TestReading:
    def test_her_agenda_has_each_occurrence_in_utc_and_on_her_clock(self, api, circle):
        _ana, bea, room, weekly = circle
        other = UserFactory()
        make_event(other, make_room(other, name="Not hers"))
        answer = api(bea).get("calendar", MARCH).json()
        assert answer["time_zone"] == "America/New_York" and answer["truncated"] is False
        rows = answer["occurrences"]
        assert [r["starts_at"] for r in rows] == [
            "2027-03-02T17:00:00Z", "2027-03-09T17:00:00Z", "2027-03-16T17:00:00Z",
            "2027-03-23T17:00:00Z"]
        # New York changes its clocks on 14 March, Paris on 28 March: her clock shows it.
        assert [r["local_start"] for r in rows] == [
            "2027-03-02T12:00:00-05:00", "2027-03-09T12:00:00-05:00",
            "2027-03-16T13:00:00-04:00", "2027-03-23T13:00:00-04:00"]
        assert {(r["event_id"], r["room_id"], r["start"][11:]) for r in rows} == {
            (weekly.pk, room.pk, "18:00")}

    def test_a_room_calendar_and_one_event(self, api, circle):
        ana, bea, room, weekly = circle
        make_event(ana, make_room(ana, name="Other"), title="Elsewhere")
        rows = api(bea).get(f"rooms/{room.pk}/events", MARCH).json()["occurrences"]
        assert len(rows) == 4 and {r["event_id"] for r in rows} == {weekly.pk}
        detail = api(bea).get(f"events/{weekly.pk}").json()
        assert (detail["title"], detail["rrule"], detail["answer"], detail["can_edit"],
                detail["can_answer"], detail["rsvp"]["going"]) == (
            "Mentoring circle", "FREQ=WEEKLY;COUNT=4", None, False, True, 1)

    def test_anyone_else_finds_nothing(self, api, circle):
        _ana, _bea, room, weekly = circle
        for stranger in (UserFactory(), AdminFactory()):
            client = api(stranger)
            assert reads(client, room, weekly)[1:] == [404, 404]
            assert client.get("calendar", MARCH).json()["occurrences"] == []

    def test_signed_out_is_401(self, api, circle):
        _ana, _bea, room, weekly = circle
        assert reads(api(None), room, weekly) == [401, 401, 401]

    @pytest.mark.parametrize(("params", "field", "code"), [
        ({}, "start", "required"),
        ({"start": "2027-03-01", "end": "2027-03-02T00:00:00Z"}, "start", "invalid"),
        ({"start": "2027-03-01T00:00:00Z", "end": "2027-09-01T00:00:00Z"}, "end",
         "out_of_range"),
        ({"start": "2027-03-02T00:00:00Z", "end": "2027-03-01T00:00:00Z"}, "end",
         "out_of_range"),
        ({"start": "3027-03-01T00:00:00Z", "end": "3027-03-02T00:00:00Z"}, "start",
         "out_of_range"),
        ({**MARCH, "page_size": 500}, "page_size", "unknown"),
        ({**MARCH, "tz": "UTC"}, "tz", "unknown"),
    ])
    def test_a_bad_range_is_400(self, api, circle, params, field, code):
        _ana, bea, _room, _weekly = circle
        answer = api(bea).get("calendar", params)
        assert answer.status_code == 400 and (field, code) in errors(answer)


class TestProposing:
    def test_a_member_proposes_and_is_going(self, api, circle):
        _ana, bea, room, _weekly = circle
        answer = api(bea).post(f"rooms/{room.pk}/events", {
            **event_data(title="Reading group"), "video_call": True})
        assert answer.status_code == 201, answer.content
        created = answer.json()
        assert (created["title"], created["video_call"], created["answer"],
                created["can_edit"], created["starts_at"]) == (
            "Reading group", True, "going", True, "2027-03-02T17:00:00Z")

    @pytest.mark.parametrize(("body", "field", "code"), [
        ({**event_data(), "video_call": "yes"}, "video_call", "invalid"),
        ({**event_data(), "colour": "red"}, "colour", "unknown"),
        ({**event_data(), "title": 5}, "title", "invalid"),
        ({**event_data(end="2027-03-02T17:00")}, None, "invalid"),
        ({**event_data(time_zone="Mars/Olympus")}, None, "invalid"),
        ({**event_data(rrule="FREQ=SECONDLY")}, None, "invalid"),
        ({"title": "No time"}, "time_zone", "required"),
    ])
    def test_bad_input_stores_nothing(self, api, circle, body, field, code):
        _ana, bea, room, _weekly = circle
        answer = api(bea).post(f"rooms/{room.pk}/events", body)
        assert answer.status_code == 400 and (field, code) in errors(answer), answer.json()
        assert Event.objects.count() == 1

    def test_strangers_and_a_blocked_pair_propose_nothing(self, api, circle):
        ana, bea, room, _weekly = circle
        for stranger in (UserFactory(), AdminFactory()):
            assert api(stranger).post(f"rooms/{room.pk}/events",
                                      event_data()).status_code == 404
        pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
        BlockFactory(blocker=bea, blocked=ana)
        assert api(ana).post(f"rooms/{pair.pk}/events", event_data()).status_code == 403
        assert api(None).post(f"rooms/{room.pk}/events", event_data()).status_code == 401
        assert Event.objects.count() == 1


class TestChanging:
    def test_the_author_changes_the_fields_she_names(self, api, circle):
        ana, _bea, _room, weekly = circle
        answer = api(ana).patch(f"events/{weekly.pk}", {"title": "Circle", "location": "Lab"})
        assert answer.status_code == 200, answer.content
        weekly.refresh_from_db()
        assert (weekly.title, weekly.location, weekly.rrule, weekly.sequence) == (
            "Circle", "Lab", "FREQ=WEEKLY;COUNT=4", 1)

    def test_one_occurrence_moves(self, api, circle):
        ana, bea, _room, weekly = circle
        answer = api(ana).patch(f"events/{weekly.pk}", {
            "scope": "this", "recurrence_id": "2027-03-09T17:00:00Z",
            "start": "2027-03-10T18:00", "end": "2027-03-10T19:00"})
        assert answer.status_code == 200, answer.content
        rows = api(bea).get("calendar", MARCH).json()["occurrences"]
        assert [r["starts_at"] for r in rows][:2] == ["2027-03-02T17:00:00Z",
                                                      "2027-03-10T17:00:00Z"]
        assert rows[1]["moved"] is True

    def test_one_occurrence_and_the_following_cancelled(self, api, circle):
        ana, bea, _room, weekly = circle
        client = api(ana)
        assert client.delete(f"events/{weekly.pk}?scope=this&recurrence_id="
                             "2027-03-09T17:00:00Z").status_code == 204
        assert client.delete(f"events/{weekly.pk}?scope=following&recurrence_id="
                             "2027-03-23T17:00:00Z").status_code == 204
        rows = api(bea).get("calendar", MARCH).json()["occurrences"]
        assert [r["starts_at"] for r in rows] == ["2027-03-02T17:00:00Z",
                                                  "2027-03-16T17:00:00Z"]

    def test_cancelled_as_a_whole(self, api, circle):
        ana, bea, _room, weekly = circle
        assert api(ana).delete(f"events/{weekly.pk}").status_code == 204
        assert api(bea).get(f"events/{weekly.pk}").status_code == 404
        assert api(bea).get("calendar", MARCH).json()["occurrences"] == []

    @pytest.mark.parametrize(("body", "field"), [
        ({"scope": "this", "recurrence_id": "2027-03-10T17:00:00Z", "title": "x"},
         "recurrence_id"),
        ({"scope": "this", "recurrence_id": "2027-03-09T17:00:00Z", "location": "x"},
         "location"),
        ({"scope": "sometimes"}, "scope"),
        ({"title": ""}, "title"),
        ({"start": "2027-03-02T20:00"}, None),  # ends before it starts
    ])
    def test_a_bad_change_changes_nothing(self, api, circle, body, field):
        ana, _bea, _room, weekly = circle
        answer = api(ana).patch(f"events/{weekly.pk}", body)
        assert answer.status_code == 400 and field in [f for f, _c in errors(answer)]
        weekly.refresh_from_db()
        assert (weekly.title, weekly.sequence, Occurrence.objects.count()) == (
            "Mentoring circle", 0, 0)

    def test_only_its_author_or_a_moderator_changes_it(self, api, circle):
        _ana, bea, _room, weekly = circle
        assert api(bea).patch(f"events/{weekly.pk}", {"title": "Mine"}).status_code == 403
        assert api(bea).delete(f"events/{weekly.pk}").status_code == 403
        for stranger in (UserFactory(), AdminFactory()):
            assert api(stranger).patch(f"events/{weekly.pk}",
                                       {"title": "Mine"}).status_code == 404
            assert api(stranger).delete(f"events/{weekly.pk}").status_code == 404
        weekly.refresh_from_db()
        assert (weekly.title, weekly.cancelled_at) == ("Mentoring circle", None)


class TestAnswering:
    def test_she_answers_and_changes_her_mind(self, api, circle):
        _ana, bea, _room, weekly = circle
        client = api(bea)
        answer = client.put(f"events/{weekly.pk}/answer", {"answer": "maybe"})
        assert answer.json() == {"event_id": weekly.pk, "answer": "maybe",
                                 "rsvp": {"going": 1, "maybe": 1, "not_going": 0}}
        client.put(f"events/{weekly.pk}/answer", {"answer": "not_going"})
        assert Rsvp.objects.get(user=bea).answer == "not_going"

    @pytest.mark.parametrize("body", [{"answer": "yes"}, {"answer": 1}, {},
                                      {"answer": "going", "note": "x"}])
    def test_a_bad_answer_changes_nothing(self, api, circle, body):
        _ana, bea, _room, weekly = circle
        answer = api(bea).put(f"events/{weekly.pk}/answer", body)
        assert answer.status_code == 400 and errors(answer)
        assert not Rsvp.objects.filter(user=bea).exists()

    def test_strangers_and_a_blocked_pair_answer_nothing(self, api, circle):
        ana, bea, _room, weekly = circle
        for stranger in (UserFactory(), AdminFactory()):
            assert api(stranger).put(f"events/{weekly.pk}/answer",
                                     {"answer": "going"}).status_code == 404
        pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
        session = make_event(ana, pair)
        BlockFactory(blocker=bea, blocked=ana)
        assert api(bea).put(f"events/{session.pk}/answer",
                            {"answer": "going"}).status_code == 403
        assert api(bea).get(f"events/{session.pk}").json()["can_answer"] is False
        assert not Rsvp.objects.filter(user=bea).exists()



@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_event_proposed_through_the_api_reaches_the_room_as_the_pages_does():
    from channels.db import database_sync_to_async as db

    from tests.chat.wsclient import open_socket, receive_until

    ana, bea, room = await db(lambda: (lambda a, b: (a, b, make_room(a, b)))(
        UserFactory(name="Ana"), UserFactory(name="Bea")))()
    socket = await open_socket(bea, sync={})
    await receive_until(socket, "sync.done")

    def page_propose() -> int:
        client = Client()
        client.force_login(ana)
        return client.post(f"/rooms/{room.pk}/calendar/new/",
                           {**event_data(title="From the page"), "repeat": "none"}
                           ).status_code

    assert await db(page_propose)() == 302
    [by_page] = await heard(socket, "calendar.changed")
    client = await db(ApiClient)(ana)
    answer = await db(client.post)(f"rooms/{room.pk}/events",
                                   event_data(title="From the API"))
    assert answer.status_code == 201
    [by_api] = await heard(socket, "calendar.changed")
    assert by_api["rev"] == by_page["rev"] + 1 and by_api["event"]["title"] == "From the API"
    assert shape(by_api) == shape(by_page)
    assert by_api["event"]["id"] == answer.json()["id"]

    # A change refused (it would end before it starts) is heard by no one.
    refused = await db(client.patch)(f"events/{answer.json()['id']}",
                                     {"start": "2027-03-02T20:00"})
    assert refused.status_code == 400
    assert await heard(socket, "calendar.changed") == []
    changed = await db(client.patch)(f"events/{answer.json()['id']}", {"location": "Lab"})
    assert changed.status_code == 200
    moved = await heard(socket, "calendar.changed")
    assert [frame["event"]["location"] for frame in moved] == ["Lab"]
    await socket.disconnect()
