"""Mentorship requests and mentorships over the API: only the pair sees them (a stranger
and an admin get the 404 of a missing one), a block stops shared work but not the end,
each change goes through mentoring's services (the other is told, webhooks fire as from
the page), private notes and the reason for ending never show; bad input changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community.models import WebhookDelivery
from community.webhooks import services as webhook_services
from mentoring.models import Agreement, Goal, Mentorship, Milestone, Session
from mentoring.services import relationship
from notifications.models import Notification
from rooms import services as room_services
from tests.api.conftest import errors
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.mentoring.factories import active, pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    lea, nadia = UserFactory(name="Léa"), MentorFactory(name="Nadia")
    return lea, nadia, active(lea, nadia)


def outsiders():
    return [("stranger", UserFactory), ("admin", AdminFactory)]


# --- Requests -------------------------------------------------------------------------------
class TestRequests:
    def test_she_asks_a_mentor_who_sees_it_received(self, api):
        lea, nadia = UserFactory(name="Léa"), MentorFactory(name="Nadia")
        answer = api(lea).post("mentorship-requests", {"mentor_id": nadia.pk,
                                                       "note": "Would you mentor me?"})
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert (body["status"], body["side"], body["mentor"]["id"], body["note"],
                body["can_withdraw"]) == ("pending", "mentee", nadia.pk,
                                          "Would you mentor me?", True)
        assert Notification.objects.filter(user=nadia, kind="request_received").exists()
        received = api(nadia).get("mentorship-requests", {"box": "received"}).json()
        assert [r["id"] for r in received["results"]] == [body["id"]]
        assert api(nadia).get("mentorship-requests", {"box": "sent"}).json()["results"] == []
        assert [r["id"] for r in api(lea).get("mentorship-requests").json()["results"]] == [
            body["id"]]

    def test_the_mentor_accepts_and_the_room_opens(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        request = pending(lea, nadia)
        answer = api(nadia).post(f"mentorship-requests/{request.pk}/accept",
                                 {"message": "Welcome!"})
        assert answer.status_code == 200
        assert answer.json()["status"] == "active" and answer.json()["room_id"]
        assert answer.json()["can_work"] is True
        assert Notification.objects.filter(user=lea, kind="request_accepted").exists()

    def test_declined_with_her_words_or_a_question_first(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        request = pending(lea, nadia)
        asked = api(nadia).post(f"mentorship-requests/{request.pk}/question",
                                {"question": "How often could we meet?"})
        assert asked.status_code == 200 and asked.json()["question_room_id"]
        declined = api(nadia).post(f"mentorship-requests/{request.pk}/decline", {})
        assert declined.json()["status"] == "declined"
        assert declined.json()["answer_message"]  # the kind default
        assert api(lea).get(f"mentorships/{request.pk}").json()["answer_message"] == (
            declined.json()["answer_message"])

    def test_she_withdraws_hers_and_only_hers(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        request = pending(lea, nadia)
        assert api(nadia).post(f"mentorship-requests/{request.pk}/withdraw").status_code == 403
        assert api(lea).post(f"mentorship-requests/{request.pk}/accept", {}).status_code == 403
        answer = api(lea).post(f"mentorship-requests/{request.pk}/withdraw")
        assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"

    @pytest.mark.parametrize(("who", "factory"), outsiders())
    def test_outsiders_get_404_and_change_nothing(self, api, who, factory):
        request = pending(UserFactory(), MentorFactory())
        client = api(factory())
        for action in ("accept", "decline", "withdraw"):
            answer = client.post(f"mentorship-requests/{request.pk}/{action}", {})
            assert answer.status_code == 404 and errors(answer) == [(None, "not_found")]
        assert client.get("mentorship-requests").json()["results"] == []
        assert Mentorship.objects.get(pk=request.pk).status == "pending"

    def test_the_rules_of_the_page_refuse_and_nothing_is_sent(self, api):
        lea, nadia, member = UserFactory(), MentorFactory(), UserFactory()
        client = api(lea)
        nadia.profile.accepting_mentees = False
        nadia.profile.save()
        closed = client.post("mentorship-requests", {"mentor_id": nadia.pk, "note": "Hi"})
        assert closed.status_code == 400 and "not taking new mentees" in (
            closed.json()["errors"][0]["message"])
        not_a_mentor = client.post("mentorship-requests", {"mentor_id": member.pk,
                                                           "note": "Hi"})
        assert errors(not_a_mentor) == [("mentor_id", "not_found")]
        assert not Mentorship.objects.exists()

    def test_a_paused_mentor_takes_no_request(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        nadia.profile.paused_at = timezone.now()
        nadia.profile.save()
        answer = api(lea).post("mentorship-requests", {"mentor_id": nadia.pk, "note": "Hi"})
        assert answer.status_code == 400 and not Mentorship.objects.exists()

    def test_asking_twice_is_refused(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        pending(lea, nadia)
        answer = api(lea).post("mentorship-requests", {"mentor_id": nadia.pk, "note": "Hi"})
        assert answer.status_code == 403 and Mentorship.objects.count() == 1

    def test_a_mentor_across_a_block_reads_as_unknown(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        BlockFactory(blocker=nadia, blocked=lea)
        answer = api(lea).post("mentorship-requests", {"mentor_id": nadia.pk, "note": "Hi"})
        assert errors(answer) == [("mentor_id", "not_found")]
        assert not Mentorship.objects.exists()

    def test_a_block_stops_the_answer(self, api):
        lea, nadia = UserFactory(), MentorFactory()
        request = pending(lea, nadia)
        BlockFactory(blocker=lea, blocked=nadia)
        answer = api(nadia).post(f"mentorship-requests/{request.pk}/accept", {})
        assert answer.status_code == 403
        assert Mentorship.objects.get(pk=request.pk).status == "pending"

    @pytest.mark.parametrize(("body", "problems"), [
        ({"mentor_id": "7", "note": "Hi"}, [("mentor_id", "invalid")]),
        ({"mentor_id": 7}, [("note", "required")]),
        ({"mentor_id": 7, "note": "   "}, [("note", "blank")]),
        ({"mentor_id": 7, "note": "x" * 2001}, [("note", "max_length")]),
        ({"mentor_id": 7, "note": "Hi", "urgent": True}, [("urgent", "unknown")]),
        ({"mentor_id": 2**60, "note": "Hi"}, [("mentor_id", "max_value")]),
    ])
    def test_bad_input_sends_nothing(self, api, body, problems):
        answer = api(UserFactory()).post("mentorship-requests", body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert not Mentorship.objects.exists()

    @pytest.mark.parametrize(("params", "field", "code"), [
        ({"box": "inbox"}, "box", "invalid_choice"),
        ({"page_size": 500}, "page_size", "out_of_range"),
        ({"cursor": "bm90IG91cnM="}, "cursor", "invalid_cursor"),
    ])
    def test_bad_paging_or_box(self, api, params, field, code):
        answer = api(UserFactory()).get("mentorship-requests", params)
        assert answer.status_code == 400 and errors(answer) == [(field, code)]

    def test_signed_out(self, api):
        request = pending(UserFactory(), MentorFactory())
        client = api(None)
        assert client.get("mentorship-requests").status_code == 401
        assert client.post(f"mentorship-requests/{request.pk}/withdraw").status_code == 401


# --- Mentorships ----------------------------------------------------------------------------
class TestMentorships:
    def test_the_pair_sees_it_as_the_page_never_a_private_note_or_the_reason(self, api, pair):
        lea, nadia, m = pair
        relationship.note_save(user=lea, mentorship=m, text="Private thoughts")
        goal = relationship.goal_add(user=lea, mentorship=m, title="Negotiate a raise")
        relationship.milestone_add(user=lea, goal=goal, title="Draft the pitch")
        relationship.session_log(user=nadia, mentorship=m, held_on=date(2026, 1, 5),
                                 minutes=45, topics="The pitch")
        for viewer, side in ((lea, "mentee"), (nadia, "mentor")):
            answer = api(viewer).get(f"mentorships/{m.pk}")
            assert answer.status_code == 200
            body = answer.json()
            assert body["side"] == side and body["can_work"] is True
            assert [g["title"] for g in body["goals"]] == ["Negotiate a raise"]
            assert body["goals"][0]["milestones"][0]["title"] == "Draft the pitch"
            assert body["sessions"] == [{"id": m.sessions.get().pk, "held_on": "2026-01-05",
                                         "minutes": 45, "topics": "The pitch"}]
            assert "Private thoughts" not in answer.content.decode()
        relationship.mentorship_end(user=lea, mentorship=m, outcome="not_a_fit",
                                    reason="She was always late")
        ended = api(nadia).get(f"mentorships/{m.pk}")
        assert ended.json()["outcome"] == "not_a_fit"
        assert "always late" not in ended.content.decode()

    def test_her_list_by_status_and_side(self, api, pair):
        lea, nadia, m = pair
        other = pending(UserFactory(), nadia)
        client = api(nadia)
        assert [x["id"] for x in client.get("mentorships").json()["results"]] == [
            other.pk, m.pk]
        assert [x["id"] for x in client.get("mentorships", {"status": "active"}).json()[
            "results"]] == [m.pk]
        assert client.get("mentorships", {"side": "mentee"}).json()["results"] == []
        assert [x["id"] for x in api(lea).get("mentorships").json()["results"]] == [m.pk]
        bad = client.get("mentorships", {"status": "happy", "side": "both"})
        assert bad.status_code == 400 and errors(bad) == [("status", "invalid_choice"),
                                                          ("side", "invalid_choice")]

    @pytest.mark.parametrize(("who", "factory"), outsiders())
    def test_outsiders_get_the_404_of_a_missing_one_and_change_nothing(self, api, pair, who,
                                                                       factory):
        *_, m = pair
        goal = Goal.objects.create(mentorship=m, title="Hers")
        client = api(factory())
        missing = client.get("mentorships/987654")
        for answer in (
            client.get(f"mentorships/{m.pk}"),
            client.post(f"mentorships/{m.pk}/goals", {"title": "Mine"}),
            client.patch(f"mentorships/{m.pk}/goals/{goal.pk}", {"achieved": True}),
            client.delete(f"mentorships/{m.pk}/goals/{goal.pk}"),
            client.post(f"mentorships/{m.pk}/sessions",
                        {"held_on": "2026-01-05", "minutes": 30, "topics": "x"}),
            client.put(f"mentorships/{m.pk}/agreement",
                       {"goals": "x", "cadence": "weekly", "duration_months": 3}),
            client.post(f"mentorships/{m.pk}/end", {"outcome": "goals_met"}),
        ):
            assert answer.status_code == 404 and answer.json() == missing.json()
        assert client.get("mentorships").json()["results"] == []
        assert list(m.goals.values_list("title", "achieved_at")) == [("Hers", None)]
        assert not Session.objects.exists() and not Agreement.objects.exists()
        assert Mentorship.objects.get(pk=m.pk).status == "active"

    def test_signed_out(self, api, pair):
        *_, m = pair
        client = api(None)
        assert client.get("mentorships").status_code == 401
        assert client.get(f"mentorships/{m.pk}").status_code == 401
        assert client.post(f"mentorships/{m.pk}/goals", {"title": "x"}).status_code == 401


class TestWorkingTogether:
    def test_agreement_proposed_then_confirmed_by_the_other(self, api, pair):
        lea, nadia, m = pair
        saved = api(nadia).put(f"mentorships/{m.pk}/agreement", {
            "goals": "Negotiate", "cadence": "fortnightly", "duration_months": 6})
        assert saved.status_code == 200
        agreement = saved.json()["agreement"]
        assert (agreement["cadence"], agreement["confirmed"],
                agreement["mentee_confirmed_at"]) == ("fortnightly", False, None)
        assert Notification.objects.filter(user=lea, kind="agreement_proposed").exists()
        confirmed = api(lea).post(f"mentorships/{m.pk}/agreement/confirm")
        assert confirmed.json()["agreement"]["confirmed"] is True

    def test_confirming_nothing_is_a_400(self, api, pair):
        lea, _nadia, m = pair
        answer = api(lea).post(f"mentorships/{m.pk}/agreement/confirm")
        assert answer.status_code == 400 and not Agreement.objects.exists()

    def test_goals_and_milestones(self, api, pair):
        lea, nadia, m = pair
        client = api(lea)
        goal = client.post(f"mentorships/{m.pk}/goals", {"title": "Negotiate a raise"})
        assert goal.status_code == 201 and goal.json()["progress"] == 0
        goal_id = goal.json()["id"]
        first = client.post(f"mentorships/{m.pk}/goals/{goal_id}/milestones",
                            {"title": "Draft", "due_on": "2026-12-31"})
        assert first.status_code == 201
        client.post(f"mentorships/{m.pk}/goals/{goal_id}/milestones", {"title": "Practise"})
        milestone_ids = [x["id"] for x in client.get(f"mentorships/{m.pk}").json()["goals"][0][
            "milestones"]]
        half = api(nadia).patch(f"mentorships/{m.pk}/milestones/{milestone_ids[0]}",
                                {"done": True})
        assert half.json()["progress"] == 50 and half.json()["achieved_at"] is None
        done = client.patch(f"mentorships/{m.pk}/milestones/{milestone_ids[1]}",
                            {"done": True})
        assert done.json()["progress"] == 100 and done.json()["achieved_at"]
        undone = client.patch(f"mentorships/{m.pk}/goals/{goal_id}", {"achieved": False})
        assert undone.json()["achieved_at"] is None
        assert client.delete(f"mentorships/{m.pk}/goals/{goal_id}").status_code == 204
        assert not Goal.objects.exists() and not Milestone.objects.exists()

    def test_a_goal_of_another_of_her_mentorships_is_404_here(self, api, pair):
        lea, _nadia, m = pair
        second = active(lea, MentorFactory())
        goal = Goal.objects.create(mentorship=second, title="Elsewhere")
        answer = api(lea).patch(f"mentorships/{m.pk}/goals/{goal.pk}", {"achieved": True})
        assert answer.status_code == 404
        assert Goal.objects.get(pk=goal.pk).achieved_at is None

    def test_sessions_are_logged_once_held(self, api, pair):
        lea, _nadia, m = pair
        client = api(lea)
        logged = client.post(f"mentorships/{m.pk}/sessions",
                             {"held_on": "2026-01-05", "minutes": 45, "topics": "The pitch"})
        assert logged.status_code == 201 and logged.json()["minutes"] == 45
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        future = client.post(f"mentorships/{m.pk}/sessions",
                             {"held_on": tomorrow, "minutes": 45, "topics": "Later"})
        assert future.status_code == 400 and errors(future) == [("held_on", "invalid")]
        assert Session.objects.count() == 1

    def test_a_block_stops_the_work_but_not_the_end(self, api, pair):
        lea, nadia, m = pair
        BlockFactory(blocker=nadia, blocked=lea)
        client = api(lea)
        assert client.get(f"mentorships/{m.pk}").json()["can_work"] is False
        assert client.post(f"mentorships/{m.pk}/goals", {"title": "x"}).status_code == 403
        assert client.post(f"mentorships/{m.pk}/sessions", {
            "held_on": "2026-01-05", "minutes": 30, "topics": "x"}).status_code == 403
        assert not Goal.objects.exists() and not Session.objects.exists()
        ended = client.post(f"mentorships/{m.pk}/end", {"outcome": "not_a_fit"})
        assert ended.status_code == 200 and ended.json()["status"] == "ended"

    def test_the_end_with_its_outcome_and_the_room_archived(self, api, pair):
        lea, nadia, m = pair
        answer = api(nadia).post(f"mentorships/{m.pk}/end", {
            "outcome": "goals_met", "reason": "For the team", "archive_room": True})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert (body["status"], body["outcome"], body["can_end"], body["can_work"]) == (
            "ended", "goals_met", False, False)
        m.refresh_from_db()
        assert m.end_reason == "For the team" and m.room.is_archived
        assert Notification.objects.filter(user=lea, kind="mentorship_ended").exists()
        again = api(lea).post(f"mentorships/{m.pk}/end", {"outcome": "goals_met"})
        assert again.status_code == 403

    def test_archiving_a_room_already_archived_is_refused_and_nothing_ends(self, api, pair):
        lea, _nadia, m = pair
        assert api(lea).get(f"mentorships/{m.pk}").json()["can_archive_room"] is True
        room_services.room_archive(actor=lea, room=m.room)
        answer = api(lea).post(f"mentorships/{m.pk}/end", {"outcome": "goals_met",
                                                           "archive_room": True})
        assert answer.status_code == 400 and errors(answer) == [("archive_room", "not_allowed")]
        assert Mentorship.objects.get(pk=m.pk).status == "active"

    @pytest.mark.parametrize(("path", "method", "body", "problems"), [
        ("goals", "post", {"title": ""}, [("title", "blank")]),
        ("goals", "post", {"title": 5}, [("title", "invalid")]),
        ("goals", "post", {"title": "x" * 201}, [("title", "max_length")]),
        ("goals", "post", {"title": "x", "done": True}, [("done", "unknown")]),
        ("sessions", "post", {"held_on": "yesterday", "minutes": 30, "topics": "x"},
         [("held_on", "invalid")]),
        ("sessions", "post", {"held_on": "2026-01-05", "minutes": "30", "topics": "x"},
         [("minutes", "invalid")]),
        ("sessions", "post", {"held_on": "2026-01-05", "minutes": 4, "topics": "x"},
         [("minutes", "min_value")]),
        ("agreement", "put", {"goals": "x", "cadence": "daily", "duration_months": 3},
         [("cadence", "invalid_choice")]),
        ("agreement", "put", {"goals": "x", "cadence": "weekly", "duration_months": 25},
         [("duration_months", "max_value")]),
        ("end", "post", {"outcome": "great"}, [("outcome", "invalid_choice")]),
        ("end", "post", {"outcome": "goals_met", "archive_room": "yes"},
         [("archive_room", "invalid")]),
        ("end", "post", {}, [("outcome", "required")]),
    ])
    def test_bad_input_changes_nothing(self, api, pair, path, method, body, problems):
        lea, _nadia, m = pair
        client = api(lea)
        answer = getattr(client, method)(f"mentorships/{m.pk}/{path}", body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert not Goal.objects.exists() and not Session.objects.exists()
        assert not Agreement.objects.exists()
        assert Mentorship.objects.get(pk=m.pk).status == "active"

    def test_bad_flags_change_nothing(self, api, pair):
        lea, _nadia, m = pair
        goal = relationship.goal_add(user=lea, mentorship=m, title="A goal")
        answer = api(lea).patch(f"mentorships/{m.pk}/goals/{goal.pk}", {"achieved": 1})
        assert answer.status_code == 400 and errors(answer) == [("achieved", "invalid")]
        assert Goal.objects.get(pk=goal.pk).achieved_at is None


class TestWebhooks:
    def test_a_session_logged_through_the_api_fires_as_from_the_page(self, api, loopback):
        admin = AdminFactory()
        webhook_services.webhook_create(admin=admin, url="http://127.0.0.1:9/hook",
                                        description="HR", events=["session.logged",
                                                                  "mentorship.ended"])
        lea = UserFactory(name="Léa")
        by_page = active(lea, MentorFactory(name="Nadia"))
        by_api = active(lea, MentorFactory(name="Noor"))
        browser = Client()
        browser.force_login(lea)
        page = browser.post(
            f"/mentoring/{by_page.pk}/session",
            {"held_on": "2026-01-05", "minutes": 45, "topics": "The pitch"})
        assert page.status_code == 302
        answer = api(lea).post(f"mentorships/{by_api.pk}/sessions",
                               {"held_on": "2026-01-05", "minutes": 45, "topics": "The pitch"})
        assert answer.status_code == 201
        bodies = [json.loads(body) for body in WebhookDelivery.objects.filter(
            event_type="session.logged").order_by("pk").values_list("body", flat=True)]
        assert len(bodies) == 2
        from_page, from_api = (body["data"] for body in bodies)
        assert from_api["mentorship"] == {"id": by_api.pk}
        assert from_api["session"]["id"] == answer.json()["id"]
        for data in (from_page, from_api):
            del data["mentorship"], data["mentor"], data["session"]["id"], data["logged_at"]
        assert from_page == from_api == {"mentee": {"id": lea.pk, "name": "Léa",
                                                    "role": "member"},
                                         "session": {"held_on": "2026-01-05", "minutes": 45},
                                         "logged_by": "mentee"}
        assert "The pitch" not in json.dumps(bodies)


@pytest.fixture
def loopback(settings):
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = True
    settings.COHORT_WEBHOOKS_ALLOW_HTTP = True
    return settings


# --- Proposals ------------------------------------------------------------------------------
@pytest.fixture
def proposal():
    from mentoring.models import MatchingRound, Proposal

    lea, nadia = UserFactory(name="Léa"), MentorFactory(name="Nadia")
    round_ = MatchingRound.objects.create(status=MatchingRound.Status.SENT,
                                          sent_at=timezone.now())
    return lea, nadia, Proposal.objects.create(
        round=round_, mentee=lea, mentor=nadia, status=Proposal.Status.SENT,
        expires_at=timezone.now() + timedelta(days=7))


class TestProposals:
    def test_both_accept_and_the_mentorship_starts(self, api, proposal):
        lea, nadia, p = proposal
        listed = api(lea).get("proposals").json()["results"]
        assert [(x["id"], x["side"], x["other"]["id"], x["can_answer"]) for x in listed] == [
            (p.pk, "mentee", nadia.pk, True)]
        first = api(lea).post(f"proposals/{p.pk}/answer", {"accept": True})
        assert first.status_code == 200
        assert (first.json()["status"], first.json()["answered"],
                first.json()["can_answer"]) == ("mentee_accepted", True, False)
        again = api(lea).post(f"proposals/{p.pk}/answer", {"accept": False})
        assert again.json()["status"] == "mentee_accepted"  # her answer is in, as on the page
        both = api(nadia).post(f"proposals/{p.pk}/answer", {"accept": True})
        assert both.json()["status"] == "accepted" and both.json()["mentorship_id"]
        assert Mentorship.objects.get(pk=both.json()["mentorship_id"]).status == "active"
        assert api(lea).get("proposals").json()["results"] == []

    def test_declined_by_the_mentor(self, api, proposal):
        lea, nadia, p = proposal
        answer = api(nadia).post(f"proposals/{p.pk}/answer", {"accept": False})
        assert answer.json()["status"] == "declined"
        assert Notification.objects.filter(user=lea, kind="match_declined").exists()

    @pytest.mark.parametrize(("who", "factory"), outsiders())
    def test_outsiders_see_none_and_answer_none(self, api, proposal, who, factory):
        *_, p = proposal
        client = api(factory())
        assert client.get("proposals").json()["results"] == []
        answer = client.post(f"proposals/{p.pk}/answer", {"accept": True})
        assert answer.status_code == 404
        p.refresh_from_db()
        assert p.status == "sent"

    def test_a_block_stops_the_answer(self, api, proposal):
        lea, nadia, p = proposal
        BlockFactory(blocker=nadia, blocked=lea)
        assert api(lea).post(f"proposals/{p.pk}/answer", {"accept": True}).status_code == 403
        p.refresh_from_db()
        assert p.status == "sent"

    @pytest.mark.parametrize(("body", "problems"), [
        ({"accept": "yes"}, [("accept", "invalid")]), ({}, [("accept", "required")]),
        ({"accept": True, "why": "x"}, [("why", "unknown")]),
    ])
    def test_bad_input_changes_nothing(self, api, proposal, body, problems):
        lea, _nadia, p = proposal
        answer = api(lea).post(f"proposals/{p.pk}/answer", body)
        assert answer.status_code == 400 and errors(answer) == problems
        p.refresh_from_db()
        assert p.status == "sent"

    def test_signed_out(self, api, proposal):
        *_, p = proposal
        assert api(None).get("proposals").status_code == 401
        assert api(None).post(f"proposals/{p.pk}/answer", {"accept": True}).status_code == 401
