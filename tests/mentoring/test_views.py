"""Mentoring pages for the mentee, the mentor, an outsider, a blocked member and an admin."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from mentoring.models import Goal, Mentorship, PrivateNote
from mentoring.services import relationship
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)
from tests.mentoring.factories import active, pair_ended, pending

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def mentor():
    return MentorFactory(name="Nadia Mentor")


@pytest.fixture
def mentee():
    return UserFactory(name="Léa Mentee")


def test_find_a_mentor_shows_recommendations_with_reasons(client, mentor, mentee):
    topic = TopicFactory(name="Negotiation")
    profile_fill(mentor, expertise=[topic], languages=["en"])
    profile_fill(mentee, wants_topics=[topic], languages=["en"])
    text = login(client, mentee).get(reverse("find_mentor")).content.decode()
    assert "Nadia Mentor" in text
    assert "She offers Negotiation, which you want to develop" in text
    assert reverse("mentorship_request", args=[mentor.pk]) in text


def test_the_search_button_looks_for_the_other_side(client, mentor, mentee):
    people = reverse("people")
    text = login(client, mentee).get(reverse("find_mentor")).content.decode()
    assert f'href="{people}?role=mentor&amp;open_to_mentees=on">Search all mentors' in text
    client.logout()
    text = login(client, mentor).get(reverse("find_mentor")).content.decode()
    assert "Mentees for you" in text
    assert f'href="{people}?role=member">Search all members' in text
    assert "Search all mentors" not in text


def test_request_page_sends_and_lands_on_the_mentorship(client, mentor, mentee):
    login(client, mentee)
    response = client.post(reverse("mentorship_request", args=[mentor.pk]),
                           {"note": "I want to grow as a tech lead."})
    mentorship = Mentorship.objects.get()
    assert response.url == reverse("mentorship_detail", args=[mentorship.pk])
    assert "I want to grow as a tech lead." in client.get(response.url).content.decode()


def test_request_to_a_blocked_mentor_is_not_found(client, mentor, mentee):
    BlockFactory(blocker=mentor, blocked=mentee)
    response = login(client, mentee).post(reverse("mentorship_request", args=[mentor.pk]),
                                          {"note": "hello"})
    assert response.status_code == 404 and not Mentorship.objects.exists()


def test_mentor_accepts_from_the_page_and_goes_to_the_room(client, mentor, mentee):
    mentorship = pending(mentee, mentor)
    login(client, mentor)
    page = client.get(reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
    assert "Accept" in page and "Decline kindly" in page
    response = client.post(reverse("mentorship_action", args=[mentorship.pk, "answer"]),
                           {"action": "accept", "message": ""})
    mentorship.refresh_from_db()
    assert mentorship.status == "active" and response.url == f"/rooms/{mentorship.room_id}/"


def test_outsiders_and_admins_get_not_found(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    for someone in (UserFactory(), AdminFactory()):
        client.logout()
        login(client, someone)
        assert client.get(reverse("mentorship_detail", args=[mentorship.pk])).status_code == 404
        response = client.post(reverse("mentorship_action", args=[mentorship.pk, "goal"]),
                               {"title": "sneaky"})
        assert response.status_code == 404
    assert not Goal.objects.exists()


def test_goals_and_milestones_through_the_page(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    login(client, mentee)
    url = reverse("mentorship_action", args=[mentorship.pk, "goal"])
    client.post(url, {"title": "Negotiate my salary"})
    goal = Goal.objects.get()
    client.post(reverse("mentorship_action", args=[mentorship.pk, "goal-update"]),
                {"goal": goal.pk, "milestone_title": "Research ranges", "due_on": ""})
    milestone = goal.milestones.get()
    client.post(reverse("mentorship_action", args=[mentorship.pk, "milestone"]),
                {"milestone": milestone.pk, "done": "1"})
    page = client.get(reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
    assert "Negotiate my salary" in page and 'value="100"' in page


def test_agreement_says_whose_confirmation_is_missing(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    url = reverse("mentorship_detail", args=[mentorship.pk])
    relationship.agreement_save(user=mentee, mentorship=mentorship, goals="A raise",
                                cadence="weekly", duration_months=3)
    page = login(client, mentee).get(url).content.decode()
    assert "Waiting for Nadia to confirm" in page and "I confirm this agreement" not in page
    assert "Waiting for both" not in page
    client.logout()
    page = login(client, mentor).get(url).content.decode()
    assert "Waiting for you to confirm" in page and "I confirm this agreement" in page
    client.post(reverse("mentorship_action", args=[mentorship.pk, "agreement"]),
                {"confirm": "1"})
    page = client.get(url).content.decode()
    assert "Confirmed by both" in page and "Waiting for" not in page


def test_agreement_confirmed_by_neither_names_both(client, mentor, mentee):
    from mentoring.models import Agreement

    mentorship = active(mentee, mentor)
    Agreement.objects.create(mentorship=mentorship, goals="A raise", cadence="weekly",
                             duration_months=3)
    page = login(client, mentor).get(
        reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
    assert "Waiting for you and Léa to confirm" in page


class TestEnding:
    def test_ending_asks_for_confirmation_first(self, client, mentor, mentee):
        mentorship = active(mentee, mentor)
        login(client, mentee)
        detail = client.get(reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
        assert "Archive our room" in detail
        page = client.post(reverse("mentorship_end_confirm", args=[mentorship.pk]), {
            "outcome": "goals_met", "reason": "All done", "archive_room": "on"}).content.decode()
        assert "End your mentorship with Nadia Mentor?" in page
        assert "Archived: it stays readable" in page and "Goals met" in page
        assert 'name="confirmed" value="1"' in page and "<script" not in page.split("<main")[1]
        mentorship.refresh_from_db()
        assert mentorship.status == "active"  # nothing changed yet

    def test_the_confirmed_end_ends_and_archives_the_room(self, client, mentor, mentee):
        mentorship = active(mentee, mentor)
        login(client, mentee)
        response = client.post(reverse("mentorship_action", args=[mentorship.pk, "end"]), {
            "confirmed": "1", "outcome": "goals_met", "reason": "", "archive_room": "on"},
            follow=True)
        assert "your room is archived" in response.content.decode()
        mentorship.refresh_from_db()
        mentorship.room.refresh_from_db()
        assert mentorship.status == "ended" and mentorship.room.is_archived

    def test_an_unconfirmed_end_changes_nothing(self, client, mentor, mentee):
        mentorship = active(mentee, mentor)
        login(client, mentee)
        response = client.post(reverse("mentorship_action", args=[mentorship.pk, "end"]), {
            "outcome": "goals_met", "archive_room": "on"}, follow=True)
        assert "Confirm that you want to end the mentorship." in response.content.decode()
        mentorship.refresh_from_db()
        mentorship.room.refresh_from_db()
        assert mentorship.status == "active" and not mentorship.room.is_archived

    def test_without_an_outcome_the_form_comes_back_with_the_error(self, client, mentor,
                                                                   mentee):
        mentorship = active(mentee, mentor)
        response = login(client, mentee).post(
            reverse("mentorship_end_confirm", args=[mentorship.pk]), {"reason": "x"})
        assert response.status_code == 400
        assert "This field is required." in response.content.decode()

    def test_no_archive_offer_to_whom_may_not_archive_the_room(self, client, mentor, mentee):
        from rooms.models import Membership

        mentorship = active(mentee, mentor)
        Membership.objects.filter(room=mentorship.room, user=mentee).update(
            role=Membership.Role.MEMBER)
        login(client, mentee)
        detail = client.get(reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
        assert "End this mentorship" in detail and "Archive our room" not in detail
        client.post(reverse("mentorship_action", args=[mentorship.pk, "end"]), {
            "confirmed": "1", "outcome": "goals_met", "archive_room": "on"})
        mentorship.refresh_from_db()
        mentorship.room.refresh_from_db()
        assert mentorship.status == "ended" and not mentorship.room.is_archived

    def test_outsiders_cannot_reach_the_confirmation(self, client, mentor, mentee):
        mentorship = active(mentee, mentor)
        response = login(client, UserFactory()).post(
            reverse("mentorship_end_confirm", args=[mentorship.pk]), {"outcome": "goals_met"})
        assert response.status_code == 404


def test_bad_input_says_so_and_changes_nothing(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    login(client, mentee)
    response = client.post(reverse("mentorship_action", args=[mentorship.pk, "session"]),
                           {"held_on": "not a date", "minutes": "2", "topics": ""}, follow=True)
    assert "Enter a valid date" in response.content.decode()
    assert not mentorship.sessions.exists()


def test_private_notes_are_seen_by_their_author_only(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    relationship.note_save(user=mentee, mentorship=mentorship, text="He talks too fast")
    page = login(client, mentor).get(
        reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
    assert "He talks too fast" not in page
    client.logout()
    page = login(client, mentee).get(
        reverse("mentorship_detail", args=[mentorship.pk])).content.decode()
    assert "He talks too fast" in page
    assert PrivateNote.objects.count() == 1


def test_my_mentoring_lists_present_and_past_with_goals(client, mentor, mentee):
    mentorship = active(mentee, mentor)
    goal = relationship.goal_add(user=mentee, mentorship=mentorship, title="CV")
    relationship.goal_set_achieved(user=mentee, goal=goal, achieved=True)
    relationship.mentorship_end(user=mentor, mentorship=mentorship, outcome="goals_met")
    page = login(client, mentee).get(reverse("mentoring")).content.decode()
    assert "History" in page and "Goals met" in page and "1 of 1 goal achieved" in page


class TestDashboard:
    def test_admin_sees_counts_and_csv_but_no_content(self, client, mentor, mentee):
        mentorship = active(mentee, mentor)
        relationship.goal_add(user=mentee, mentorship=mentorship, title="Secret goal title")
        relationship.note_save(user=mentee, mentorship=mentorship, text="secret note")
        login(client, AdminFactory())
        page = client.get(reverse("programme_dashboard")).content.decode()
        assert "Programme health" in page
        assert "Secret goal title" not in page and "secret note" not in page
        response = client.get(reverse("programme_csv"))
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(rows) == 24
        assert list(rows[0]) == ["Month", "New members", "Requests sent", "Requests accepted",
                                 "Requests declined", "Requests expired", "Sessions logged",
                                 "Goals achieved"]
        assert sum(int(r["Requests sent"]) for r in rows) == 1
        assert sum(int(r["Requests accepted"]) for r in rows) == 1

    def test_csv_headers_are_in_her_language(self, client):
        from django.utils import translation

        from mentoring import dashboard

        login(client, AdminFactory())
        client.post(reverse("set_language"), {"language": "fr"})
        header = client.get(reverse("programme_csv")).content.decode().splitlines()[0]
        with translation.override("fr"):
            expected = ",".join(str(dashboard.LABELS[n]) for n in ("month", *dashboard.SERIES))
        assert header == expected
        assert header.startswith("Mois,") and "requests_sent" not in header

    @pytest.mark.parametrize("who", ["member", "mentor", "blocked member"])
    def test_others_are_refused(self, client, who):
        user = MentorFactory() if who == "mentor" else UserFactory()
        if who == "blocked member":
            BlockFactory(blocker=AdminFactory(), blocked=user)
        login(client, user)
        assert client.get(reverse("programme_dashboard")).status_code == 403
        assert client.get(reverse("programme_csv")).status_code == 403
        assert client.get(reverse("programme_fit_csv")).status_code == 403

    def test_signed_out_visitor_is_sent_to_sign_in(self, client):
        for name in ("programme_dashboard", "programme_fit_csv"):
            response = client.get(reverse(name))
            assert response.status_code == 302 and "/accounts/login/" in response.url


class TestFitByOutcome:
    """The dashboard compares today's fit of the pairs that continue with those that ended."""

    @staticmethod
    def weights(**values):
        from mentoring.models import MatchWeights

        zero = dict.fromkeys(MatchWeights.FIELDS, 0.0)
        MatchWeights.objects.update_or_create(pk=1, defaults={**zero, **values})

    pair = staticmethod(pair_ended)

    def fit_table(self, client):
        import re

        page = client.get(reverse("programme_dashboard")).content.decode()
        table = page.split('<table class="fit">')[1].split("</table>")[0]
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = [re.sub(r"<[^>]+>", "", c).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            rows[cells[0]] = cells[1:]
        return page, rows

    def test_groups_with_their_fit_and_factors(self, client):
        self.weights(languages=1.0, city=1.0)
        self.pair(city=True)  # continuing, fit 2
        self.pair()  # continuing, fit 1
        self.pair(city=True, left=True)  # continuing, her mentee left: counted, not scored
        self.pair(city=True, outcome="goals_met")  # fit 2
        self.pair(language=False, outcome="not_a_fit")  # fit 0
        self.pair(city=True, language=False, outcome="not_a_fit")  # fit 1
        self.pair(outcome="")  # ended before outcomes were asked: fit 1
        login(client, AdminFactory())
        page, rows = self.fit_table(client)
        assert rows[""] == ["Continuing", "Ended: goals met", "Ended: not a good fit",
                            "Ended: no outcome given"]
        assert rows["Pairs"] == ["3 (2 scored)", "1", "2", "1"]
        assert rows["Median fit"] == ["1.50", "2.00", "0.50", "1.00"]
        assert rows["Average fit"] == ["1.50", "2.00", "0.50", "1.00"]
        assert rows["A language in common"] == ["1.00", "1.00", "0.00", "1.00"]
        assert rows["Same city"] == ["0.50", "1.00", "0.50", "0.00"]
        assert ("Pairs that ended as not a good fit score lower than continuing ones "
                "(median 0.50, against 1.50).") in page
        assert f'href="{reverse("matching_weights")}"' in page
        # The same table as a CSV, unrounded.
        response = client.get(reverse("programme_fit_csv"))
        assert response["Content-Disposition"] == 'attachment; filename="programme-fit.csv"'
        lines = list(csv.reader(io.StringIO(response.content.decode())))
        assert lines[0][:5] == ["Group", "Pairs", "Pairs scored", "Median fit",
                                "Average fit"]
        assert lines[3][:5] == ["Ended: not a good fit", "2", "2", "0.5", "0.5"]

    def test_a_warning_when_misfits_score_as_high_as_continuing_pairs(self, client):
        self.weights(city=1.0)
        self.pair(city=True)  # continuing, fit 1
        self.pair()  # continuing, fit 0
        self.pair(city=True, outcome="not_a_fit")  # fit 1: what they share did not help
        login(client, AdminFactory())
        page, rows = self.fit_table(client)
        assert rows["Pairs"] == ["2", "0", "1"]  # no "no outcome" column when none
        assert rows["Median fit"] == ["0.50", "—", "1.00"]
        assert ("Pairs that ended as not a good fit score as high as continuing ones "
                "(median 1.00, against 0.50): the weights may not reflect what makes pairs "
                "work.") in page

    def test_a_continuing_pair_is_not_marked_down_for_the_place_it_takes(self, client):
        self.weights(capacity=1.0)
        self.pair()  # her mentor has two places, one taken by this very mentee
        login(client, AdminFactory())
        _page, rows = self.fit_table(client)
        assert rows["Median fit"][0] == "1.00" and rows["Places left"][0] == "1.00"

    def test_nothing_to_compare_yet(self, client):
        self.pair(outcome="goals_met")
        login(client, AdminFactory())
        page, rows = self.fit_table(client)
        assert rows["Pairs"] == ["0", "1", "0"]
        assert "Once some pairs have ended as not a good fit while others continue" in page


def test_cohort_page_for_a_mentor(client, mentor):
    mentees = [UserFactory(name="Priya"), UserFactory(name="Fatou")]
    login(client, mentor)
    response = client.post(reverse("cohort_new"), {
        "name": "Data cohort", "topic": "", "mentor": mentor.pk,
        "mentees": [m.pk for m in mentees]})
    assert response.status_code == 302 and response.url.startswith("/rooms/")
    client.logout()
    login(client, UserFactory())
    assert client.get(reverse("cohort_new")).status_code == 403


def test_find_a_mentor_says_when_her_languages_hold_recommendations_back(client, mentee):
    topic = TopicFactory(name="Negotiation")
    profile_fill(MentorFactory(name="Ana Mentor"), expertise=[topic], languages=["pt"])
    profile_fill(mentee, wants_topics=[topic], languages=["fr"])
    login(client, mentee)
    text = client.get(reverse("find_mentor")).content.decode()
    assert "Ana Mentor" not in text
    assert "Only mentors who speak one of your languages are recommended." in text
    profile_fill(mentee, any_language=True)
    text = client.get(reverse("find_mentor")).content.decode()
    assert "Ana Mentor" in text
    assert "Only mentors who speak one of your languages" not in text
