"""Recommendations over the API: the same people and the same reasons as the Find a mentor
page, mentees for a mentor, nobody across a block."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from community.models import Topic
from mentoring import matching
from tests.community.factories import (
    AdminFactory,
    BlockFactory,
    MentorFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    topic = Topic.objects.create(kind=Topic.Kind.SKILL, name="Negotiation")
    lea = profile_fill(UserFactory(name="Léa"), wants_topics=[topic], languages=["fr"],
                       city="Montréal")
    nadia = profile_fill(MentorFactory(name="Nadia"), skills=[topic], languages=["fr"],
                         city="Montréal")
    paul = profile_fill(MentorFactory(name="Paul"), languages=["fr"])
    return lea, nadia, paul


def test_her_mentors_with_the_pages_reasons(api, people):
    lea, nadia, paul = people
    answer = api(lea).get("recommendations")
    assert answer.status_code == 200
    body = answer.json()
    assert body["recommending"] == "mentors" and body["profile_incomplete"] is False
    assert [r["member"]["id"] for r in body["results"]] == [nadia.pk, paul.pk]
    first = body["results"][0]
    assert first["reasons"] == matching.mentors_for(lea)[0].reasons and first["reasons"]
    assert first["can_request"] is True
    page = api(lea).client.get("/mentoring/find/").content.decode()
    for reason in first["reasons"]:
        assert escape(reason) in page


def test_a_mentor_is_recommended_mentees(api, people):
    lea, nadia, _paul = people
    body = api(nadia).get("recommendations").json()
    assert body["recommending"] == "mentees"
    assert [r["member"]["id"] for r in body["results"]] == [lea.pk]
    assert body["results"][0]["can_request"] is False


def test_nobody_across_a_block(api, people):
    lea, nadia, paul = people
    BlockFactory(blocker=nadia, blocked=lea)
    ids = [r["member"]["id"] for r in api(lea).get("recommendations").json()["results"]]
    assert ids == [paul.pk]


def test_an_admin_sees_hers_as_on_the_page(api, people):
    answer = api(AdminFactory()).get("recommendations")
    assert answer.status_code == 200 and answer.json()["profile_incomplete"] is True


def test_unknown_parameters_and_signed_out(api, people):
    lea, *_ = people
    answer = api(lea).get("recommendations", {"limit": 50})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "unknown"
    assert api(None).get("recommendations").status_code == 401
