"""People over the API: the search with the page's filters, a profile as she may see it
(contact details for the audience its owner chose, 404 across a block), her own profile
changed with the profile form's rules; bad input changes nothing."""

from __future__ import annotations

import pytest

from community.models import Topic, Visibility
from tests.api.conftest import errors
from tests.community.factories import (
    AdminFactory,
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [p["name"] for p in answer.json()["results"]]


class TestSearch:
    def test_everyone_she_may_see_by_name_without_a_search(self, api):
        ana = UserFactory(name="Ana")
        UserFactory(name="Cleo")
        blocked = UserFactory(name="Bob")
        BlockFactory(blocker=blocked, blocked=ana)
        gone = UserFactory(name="Dora")
        gone.is_active = False
        gone.save()
        assert names(api(ana).get("people")) == ["Ana", "Cleo"]

    def test_keywords_and_the_pages_filters(self, api):
        negotiation = TopicFactory(kind=Topic.Kind.SKILL, name="Negotiation")
        ana = UserFactory(name="Ana")
        nadia = profile_fill(MentorFactory(name="Nadia"), headline="Negotiation coach",
                             city="Montréal", languages=["fr"], skills=[negotiation],
                             time_zone="America/Toronto")
        profile_fill(MentorFactory(name="Paul"), headline="Cloud architect", city="Paris")
        profile_fill(UserFactory(name="Lea"), city="Montreal", languages=["fr"])
        client = api(ana)
        assert names(client.get("people", {"q": "negotiation"})) == ["Nadia"]
        assert names(client.get("people", {"city": "MONTREAL"})) == ["Lea", "Nadia"]
        assert names(client.get("people", {"skill": negotiation.pk})) == ["Nadia"]
        assert names(client.get("people", {"role": "mentor", "open_to_mentees": "true",
                                           "language": "fr"})) == ["Nadia"]
        assert names(client.get("people", {"time_zone": "america/toronto"})) == ["Nadia"]
        assert names(client.get("people", {"open_to_mentees": "false", "role": "mentor"})
                     ) == ["Nadia", "Paul"]
        listed = client.get("people", {"q": "negotiation"}).json()["results"][0]
        assert listed == {"id": nadia.pk, "name": "Nadia", "role": "mentor", "pronouns": "",
                          "headline": "Negotiation coach", "expertise": [],
                          "open_to_mentees": True, "places_left": 2, "photo_url": None}

    def test_pages_follow_their_cursor_to_everyone_once_in_order(self, api):
        ana = UserFactory(name="Ana")
        for index in range(6):
            profile_fill(UserFactory(name=f"Zed {index}"))
        client, seen, url = api(ana), [], "people"
        params: dict = {"page_size": 4, "q": "zed"}
        while url:
            page = client.get(url, params).json()
            seen += [p["name"] for p in page["results"]]
            url, params = (page["next"] or "").removeprefix("http://testserver/api/v1/"), {}
        assert sorted(seen) == [f"Zed {i}" for i in range(6)] and len(seen) == 6
        second = client.get("people", {"page_size": 4, "q": "zed"}).json()["next"]
        back = client.client.get(client.client.get(second).json()["previous"]).json()
        assert [p["name"] for p in back["results"]] == seen[:4]

    @pytest.mark.parametrize(("params", "field", "code"), [
        ({"page_size": 201}, "page_size", "out_of_range"),
        ({"page_size": "ten"}, "page_size", "out_of_range"),
        ({"cursor": "bm90IG91cnM="}, "cursor", "invalid_cursor"),
        ({"cursor": "bz0tMQ=="}, "cursor", "invalid_cursor"),  # o=-1
        ({"skill": "abc"}, "skill", "invalid_choice"),
        ({"skill": 99999999}, "skill", "invalid_choice"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown_zone"),
        ({"role": "king"}, "role", "invalid_choice"),
        ({"language": "xx"}, "language", "invalid_choice"),
        ({"q": "x" * 201}, "q", "max_length"),
        ({"name": "Ana"}, "name", "unknown"),
        ({"open_to_mentees": "yes"}, "open_to_mentees", "invalid"),
    ])
    def test_bad_input_is_a_400_on_its_parameter(self, api, params, field, code):
        answer = api(UserFactory()).get("people", params)
        assert answer.status_code == 400 and errors(answer) == [(field, code)]

    def test_searches_count_against_the_pages_limit(self, api, settings):
        settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "search": (1, 60)}
        client = api(UserFactory())
        assert client.get("people", {"q": "ana"}).status_code == 200
        refused = client.get("people", {"q": "ana"})
        assert refused.status_code == 429 and errors(refused) == [(None, "rate_limited")]

    def test_signed_out(self, api):
        assert api(None).get("people").status_code == 401


class TestProfile:
    @pytest.fixture
    def nadia(self):
        return profile_fill(MentorFactory(name="Nadia"), bio="I **coach**",
                            contact_details="+1 514 555 0100",
                            contact_visibility=Visibility.MENTORS)

    def test_a_member_sees_it_without_the_contact_details_kept_for_mentors(self, api, nadia):
        answer = api(UserFactory()).get(f"people/{nadia.pk}")
        assert answer.status_code == 200
        body = answer.json()
        assert (body["name"], body["bio_html"], body["contact_details"], body["is_self"],
                body["can_message"], body["mentor_capacity"]) == (
            "Nadia", "<p>I <strong>coach</strong></p>", None, False, True, 2)

    @pytest.mark.parametrize("who", ["mentor", "admin", "herself"])
    def test_the_audience_she_chose_sees_them(self, api, nadia, who):
        viewer = {"mentor": MentorFactory, "admin": AdminFactory}.get(who, lambda: nadia)()
        assert api(viewer).get(f"people/{nadia.pk}").json()["contact_details"] == (
            "+1 514 555 0100")

    def test_nobody_but_her_and_admins_when_she_says_so(self, api, nadia):
        nadia.profile.contact_visibility = Visibility.NOBODY
        nadia.profile.save()
        assert api(MentorFactory()).get(f"people/{nadia.pk}").json()["contact_details"] is None

    @pytest.mark.parametrize("direction", ["she_blocked", "blocked_her"])
    def test_across_a_block_it_is_the_404_of_a_missing_member(self, api, nadia, direction):
        ana = UserFactory()
        if direction == "she_blocked":
            BlockFactory(blocker=ana, blocked=nadia)
        else:
            BlockFactory(blocker=nadia, blocked=ana)
        client = api(ana)
        answer = client.get(f"people/{nadia.pk}")
        assert answer.status_code == 404 and errors(answer) == [(None, "not_found")]
        assert client.get("people/987654").json() == answer.json()

    def test_a_deactivated_member_is_404_but_an_admin_reads_her(self, api, nadia):
        nadia.is_active = False
        nadia.save()
        assert api(UserFactory()).get(f"people/{nadia.pk}").status_code == 404
        assert api(AdminFactory()).get(f"people/{nadia.pk}").status_code == 200

    def test_signed_out(self, api, nadia):
        assert api(None).get(f"people/{nadia.pk}").status_code == 401


class TestMyProfile:
    def test_she_reads_and_changes_what_she_names_and_nothing_else(self, api):
        skill = TopicFactory(kind=Topic.Kind.SKILL, name="Negotiation")
        ana = profile_fill(UserFactory(name="Ana"), city="Paris", headline="Engineer")
        client = api(ana)
        before = client.get("me/profile").json()
        assert (before["city"], before["contact_visibility"], before["any_language"],
                before["accepting_mentees"]) == ("Paris", "mentors", False, None)
        answer = client.patch("me/profile", {
            "name": "Ana Lopez", "time_zone": "america/new york", "skills": [skill.pk],
            "tags": ["Public speaking", "Chess"], "languages": ["fr", "en"],
            "years_experience": 4})
        assert answer.status_code == 200, answer.content
        after = answer.json()
        assert (after["name"], after["time_zone"], after["skills"], after["tags"],
                after["years_experience"], after["city"], after["headline"]) == (
            "Ana Lopez", "America/New_York", [{"id": skill.pk, "name": "Negotiation"}],
            ["Public speaking", "Chess"], 4, "Paris", "Engineer")
        ana.refresh_from_db()
        assert ana.name == "Ana Lopez" and ana.profile.languages == ["fr", "en"]
        # The search reads the new profile at once, as after the page's form.
        assert api(UserFactory()).get("people", {"q": "chess"}).json()["results"][0][
            "id"] == ana.pk

    def test_a_mentor_sets_her_capacity_and_reopens_requests(self, api):
        nadia = MentorFactory()
        answer = api(nadia).patch("me/profile", {"mentor_capacity": 5,
                                                 "accepting_mentees": False})
        assert answer.status_code == 200
        assert (answer.json()["mentor_capacity"], answer.json()["accepting_mentees"],
                answer.json()["any_language"]) == (5, False, None)

    @pytest.mark.parametrize(("body", "problems"), [
        ({"name": "Bea"}, [("name", "invalid")]),  # too close to another member's
        ({"name": "Notice from Cohort"}, [("name", "invalid")]),
        ({"name": "A\u202eB"}, [("name", "invalid")]),
        ({"time_zone": "Mars/Olympus"}, [("time_zone", "unknown_zone")]),
        ({"languages": ["xx"]}, [("languages.0", "invalid_choice")]),
        ({"skills": [99999]}, [("skills", "invalid_choice")]),
        ({"years_experience": "4"}, [("years_experience", "invalid")]),
        ({"years_experience": 71}, [("years_experience", "max_value")]),
        ({"tags": ["a, b"]}, [("tags", "invalid")]),
        ({"tags": "chess"}, [("tags", "not_a_list")]),
        ({"headline": 5}, [("headline", "invalid")]),
        ({"relay_only_calls": 1}, [("relay_only_calls", "invalid")]),
        ({"mentor_capacity": 3}, [("mentor_capacity", "not_allowed")]),
        ({"photo": "x"}, [("photo", "unknown")]),
        ({"email": "x@example.org"}, [("email", "unknown")]),
        ({"contact_visibility": "world"}, [("contact_visibility", "invalid_choice")]),
    ])
    def test_bad_input_is_a_400_and_changes_nothing(self, api, body, problems):
        UserFactory(name="Bea")
        ana = profile_fill(UserFactory(name="Ana"), city="Paris", time_zone="Europe/Paris")
        answer = api(ana).patch("me/profile", {"city": "Lyon", **body})
        assert answer.status_code == 400, answer.content
        found = errors(answer)
        assert [(f, c) for f, c in found if f != "name"] == [
            p for p in problems if p[0] != "name"]
        if body.get("name"):
            assert [f for f, _c in found] == ["name"]
        ana.refresh_from_db()
        assert (ana.name, ana.profile.city, ana.profile.time_zone) == (
            "Ana", "Paris", "Europe/Paris")

    def test_a_skill_is_not_a_field_of_expertise(self, api):
        skill = TopicFactory(kind=Topic.Kind.SKILL)
        answer = api(UserFactory()).patch("me/profile", {"expertise": [skill.pk]})
        assert answer.status_code == 400 and errors(answer) == [("expertise", "invalid_choice")]

    def test_without_the_csrf_token_nothing_changes(self, api):
        ana = UserFactory(name="Ana")
        answer = api(ana).patch("me/profile", {"city": "Lyon"}, csrf=False)
        assert answer.status_code == 403
        ana.refresh_from_db()
        assert ana.profile.city == ""

    def test_signed_out(self, api):
        assert api(None).get("me/profile").status_code == 401
        assert api(None).patch("me/profile", {"city": "Lyon"}).status_code == 401


class TestTopics:
    def test_the_topics_a_profile_may_name_not_the_retired(self, api):
        kept = TopicFactory(name="Leadership")
        retired = TopicFactory(name="Fax machines")
        from django.utils import timezone

        Topic.objects.filter(pk=retired.pk).update(retired_at=timezone.now())
        answer = api(UserFactory()).get("topics", {"page_size": 200})
        ids = [t["id"] for t in answer.json()["results"]]
        assert kept.pk in ids and retired.pk not in ids
        assert api(None).get("topics").status_code == 401
