"""The Topics pages of the Manage section: what an admin sees before each change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import AuditEntry, Topic
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    assert client.login(email=AdminFactory().email, password=PASSWORD)
    return client


def test_list_counts_profiles_and_adds_a_topic(admin_client):
    topic = TopicFactory(name="Negotiation")
    profile_fill(UserFactory(), wants_topics=[topic])
    profile_fill(MentorFactory(), expertise=[topic])
    text = admin_client.get(reverse("topics")).content.decode()
    assert "Negotiation" in text and 'data-label="Profiles">2</td>' in text
    response = admin_client.post(reverse("topics"), {
        "kind": "skill", "name": "Public speaking", "name_fr": "Prise de parole"}, follow=True)
    assert "Public speaking is added." in response.content.decode()
    assert Topic.objects.filter(name="Public speaking", kind="skill").exists()


def test_a_duplicate_is_refused_on_the_form(admin_client):
    TopicFactory(name="Negotiation")
    response = admin_client.post(reverse("topics"), {"kind": "expertise", "name": "negotiation"})
    assert "There is already a topic named Negotiation." in response.content.decode()
    assert Topic.objects.count() == 1


def test_rename(admin_client):
    topic = TopicFactory(name="Negociation")
    response = admin_client.post(reverse("topic_edit", args=[topic.pk]), {
        "action": "rename", "name": "Negotiation", "name_fr": "Négociation"}, follow=True)
    assert "The topic is renamed." in response.content.decode()
    topic.refresh_from_db()
    assert (topic.name, topic.name_fr) == ("Negotiation", "Négociation")


def test_merge_shows_what_it_affects_before_it_happens(admin_client):
    old, new = TopicFactory(name="Leadrship"), TopicFactory(name="Leadership")
    for _ in range(3):
        profile_fill(UserFactory(), expertise=[old])
    url = reverse("topic_edit", args=[old.pk])
    page = admin_client.get(url).content.decode()
    assert "3 profiles list it." in page
    assert f'<a href="{reverse("topics")}" aria-current="true">Topics</a>' in page
    text = admin_client.post(url, {"action": "merge", "into": new.pk}).content.decode()
    assert "Merge Leadrship into Leadership?" in text
    assert "3 profiles will list Leadership instead of Leadrship" in text
    assert Topic.objects.filter(pk=old.pk).exists() and not AuditEntry.objects.exists()
    response = admin_client.post(url, {"action": "merge", "into": new.pk, "confirm": "yes"},
                                 follow=True)
    assert "Leadrship is merged into Leadership." in response.content.decode()
    assert not Topic.objects.filter(pk=old.pk).exists()
    assert new.experts.count() == 3


def test_retire_asks_first_then_brings_back(admin_client):
    topic = TopicFactory(name="Flash")
    member = profile_fill(UserFactory(), expertise=[topic])
    url = reverse("topic_edit", args=[topic.pk])
    text = admin_client.post(url, {"action": "retire"}).content.decode()
    assert "Flash will be taken off 1 profile" in text
    assert member.profile.expertise.exists()
    response = admin_client.post(url, {"action": "retire", "confirm": "yes"}, follow=True)
    assert "Flash is retired." in response.content.decode()
    assert not member.profile.expertise.exists()
    assert "Retired" in admin_client.get(reverse("topics")).content.decode()
    admin_client.post(url, {"action": "restore"})
    topic.refresh_from_db()
    assert topic.retired_at is None


def test_other_words_are_saved_listed_and_a_clash_is_shown(admin_client):
    TopicFactory(name="Data science", synonyms=["analytics"])
    topic = TopicFactory(name="Software engineering", name_fr="Génie logiciel")
    url = reverse("topic_edit", args=[topic.pk])
    response = admin_client.post(url, {
        "action": "synonyms", "synonyms": "coding\n  Coding \nwriting code, code review",
        "synonyms_fr": "programmation\n"}, follow=True)
    page = response.content.decode()
    assert "The other words are saved." in page
    topic.refresh_from_db()
    assert topic.synonyms == ["coding", "writing code", "code review"]
    assert topic.synonyms_fr == ["programmation"]
    assert "coding\nwriting code\ncode review</textarea>" in page
    listed = admin_client.get(reverse("topics")).content.decode()
    assert "coding, writing code, code review" in listed and "programmation" in listed
    assert AuditEntry.objects.filter(action="topic.synonyms").count() == 1
    # A word of another topic: the page says which, and nothing changes.
    page = admin_client.post(url, {"action": "synonyms", "synonyms": "coding\nanalytics",
                                   "synonyms_fr": ""}).content.decode()
    assert "“analytics” already stands for the topic Data science." in page
    topic.refresh_from_db()
    assert topic.synonyms == ["coding", "writing code", "code review"]


def test_a_new_topic_with_other_words_and_a_long_list_is_cut_short(admin_client):
    response = admin_client.post(reverse("topics"), {
        "kind": "skill", "name": "Public speaking", "name_fr": "Prise de parole",
        "synonyms": "presenting\ntalks\nkeynotes\nconference talks\nstorytelling on stage\n"
                    "pitching",
        "synonyms_fr": "parler en public"}, follow=True)
    page = response.content.decode()
    assert "Public speaking is added." in page
    # Whole phrases only: the list stops after five, never inside a phrase.
    assert ">presenting, talks, keynotes, conference talks, storytelling on stage,&nbsp;…<" in page
    assert "pitching" in page  # in the title that shows the whole list
    assert "parler en public" in page
    assert Topic.objects.get(name="Public speaking").synonyms_fr == ["parler en public"]


def test_merge_confirmation_says_the_words_move(admin_client):
    old, new = TopicFactory(name="Coding"), TopicFactory(name="Software engineering")
    text = admin_client.post(reverse("topic_edit", args=[old.pk]),
                             {"action": "merge", "into": new.pk}).content.decode()
    assert ("Coding and its other words become other words for Software engineering" in text)


@pytest.mark.parametrize("who", ["member", "mentor", "blocked member"])
def test_members_are_refused(client, who):
    user = MentorFactory() if who == "mentor" else UserFactory()
    if who == "blocked member":
        BlockFactory(blocker=UserFactory(), blocked=user)
    topic = TopicFactory(name="Flash")
    assert client.login(email=user.email, password=PASSWORD)
    assert client.get(reverse("topics")).status_code == 403
    assert client.post(reverse("topics"), {"kind": "skill", "name": "Go"}).status_code == 403
    assert client.post(reverse("topic_edit", args=[topic.pk]),
                       {"action": "retire", "confirm": "yes"}).status_code == 403
    assert client.post(reverse("topic_edit", args=[topic.pk]),
                       {"action": "synonyms", "synonyms": "swf"}).status_code == 403
    assert client.post(reverse("topics"), {"kind": "skill", "name": "Go",
                                           "synonyms": "golang"}).status_code == 403
    topic.refresh_from_db()
    assert topic.retired_at is None and Topic.objects.count() == 1 and topic.synonyms == []


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("topics"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    topic = TopicFactory(name="Flash")
    response = client.post(reverse("topic_edit", args=[topic.pk]),
                           {"action": "synonyms", "synonyms": "swf"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    topic.refresh_from_db()
    assert topic.synonyms == []


def test_a_null_character_in_other_words_is_refused_on_the_form(admin_client):
    """PostgreSQL cannot store it in JSON: refused with words, never a server error."""
    topic = TopicFactory(name="Software engineering")
    url = reverse("topic_edit", args=[topic.pk])
    for field in ("synonyms", "synonyms_fr"):
        response = admin_client.post(url, {"action": "synonyms", "synonyms": "",
                                           "synonyms_fr": "", field: "cod\x00ing"})
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()
    response = admin_client.post(reverse("topics"), {
        "kind": "skill", "name": "Public speaking", "synonyms": "talk\x00s"})
    assert response.status_code == 200
    topic.refresh_from_db()
    assert topic.synonyms == [] and topic.synonyms_fr == []
    assert not Topic.objects.filter(name="Public speaking").exists()
