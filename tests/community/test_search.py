"""Profile search: the same behaviour on PostgreSQL (full text) and SQLite (fallback)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import Topic
from community.search import Filters, keywords, profile_index, profile_search
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _member(name: str, *, mentor: bool = False, topics: tuple[Topic, ...] = (), **fields):
    user = (MentorFactory if mentor else UserFactory)(name=name)
    for key, value in fields.items():
        setattr(user.profile, key, value)
    user.profile.save()
    if topics:
        user.profile.expertise.set(topics)
    profile_index(user.profile)
    return user


def _names(viewer, query="", **filters) -> list[str]:
    return [u.name for u in profile_search(viewer, query=query, filters=Filters(**filters))]


@pytest.fixture
def viewer():
    return UserFactory(name="Viewer Vee")


def test_keywords_are_normalised_and_stemmed():
    assert keywords("Négociations and the Leadership of teams") == [
        "negociat", "leadership", "team"]


def test_keyword_matches_headline_topics_and_offer_ignoring_accents_and_endings(viewer):
    topic = TopicFactory(name="Negotiation", name_fr="Négociation")
    _member("Ada", headline="Engineering manager", topics=(topic,))
    _member("Bea", can_offer="I coach people through salary negotiations")
    _member("Cleo", bio="I love gardening")
    assert set(_names(viewer, "negotiation")) == {"Ada", "Bea"}
    assert _names(viewer, "negociation") == ["Ada"]  # the French name, typed without accent
    assert _names(viewer, "gardening") == ["Cleo"]
    assert _names(viewer, "quantum") == []


def test_every_word_must_match_and_headline_ranks_first(viewer):
    _member("Bio Only", bio="Cloud security for banks")
    _member("Headline", headline="Cloud security lead")
    _member("Half", headline="Cloud architect")
    assert _names(viewer, "cloud security") == ["Headline", "Bio Only"]


def test_filters_combine_with_keywords(viewer):
    data = TopicFactory(name="Data science")
    _member("Ana", city="Montréal", languages=["fr", "en"], topics=(data,), industry="Banking")
    _member("Bo", city="Toronto", languages=["en"], topics=(data,), industry="Banking")
    assert _names(viewer, city="montréal") == ["Ana"]
    assert _names(viewer, language="fr") == ["Ana"]
    assert set(_names(viewer, expertise=data.pk)) == {"Ana", "Bo"}
    assert _names(viewer, "data", industry="banking", language="en") == ["Ana", "Bo"]


def test_city_filter_ignores_accents_case_and_spaces(viewer):
    _member("Ana", city="Montréal")
    _member("Bea", city="  MONTREAL ")
    _member("Cy", city="Québec")
    _member("Di", city="Montréal-Nord")
    assert _names(viewer, city="Montreal") == ["Ana", "Bea"]
    assert _names(viewer, city="montréal") == ["Ana", "Bea"]
    assert _names(viewer, city="QUEBEC") == ["Cy"]
    assert _names(viewer, city="Montr") == []  # the whole city, not a prefix


def test_city_filter_follows_a_changed_city(viewer):
    from community import services

    ana = _member("Ana", city="Toronto")
    services.profile_update(viewer=ana, member=ana, name="Ana", values={"city": "Montréal"})
    assert _names(viewer, city="montreal") == ["Ana"]
    assert _names(viewer, city="toronto") == []


def test_open_to_mentees_leaves_out_full_paused_and_closed_mentors(viewer):
    from django.utils import timezone

    _member("Open", mentor=True)
    _member("Full", mentor=True, active_mentees=2)
    _member("Paused", mentor=True, paused_at=timezone.now())
    _member("Closed", mentor=True, accepting_mentees=False)
    _member("Not a mentor")
    assert _names(viewer, open_to_mentees=True) == ["Open"]


def test_blocked_members_and_contact_details_never_show(viewer):
    blocked = _member("Blocked Bea", headline="Kotlin expert")
    blocker = _member("Blocker Bo", headline="Kotlin lover")
    BlockFactory(blocker=viewer, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=viewer)
    _member("Private Pat", contact_details="kotlin@example.org phone 555")
    assert _names(viewer, "kotlin") == []
    assert _names(AdminFactory(), "kotlin") == ["Blocked Bea", "Blocker Bo"]


def test_renaming_reindexes(viewer, client):
    member = _member("Old Name")
    client.login(email=member.email, password=PASSWORD)
    client.post(reverse("profile_edit"), {
        "name": "Zelda Quartz", "contact_visibility": "mentors", "headline": "Rust"})
    assert _names(viewer, "quartz") == ["Zelda Quartz"]
    assert _names(viewer, "rust") == ["Zelda Quartz"]


class TestPeoplePage:
    def test_filters_and_pages_keep_the_query(self, client, viewer):
        for n in range(30):
            _member(f"Pythonista {n:02}", headline="Python developer")
        client.login(email=viewer.email, password=PASSWORD)
        text = client.get(reverse("people"), {"q": "python"}).content.decode()
        assert "Pythonista 00" in text and "q=python&amp;page=2" in text
        second = client.get(reverse("people"), {"q": "python", "page": 2}).content.decode()
        assert "Pythonista 29" in second or "Pythonista 2" in second

    def test_a_bad_filter_says_so_and_shows_nobody(self, client, viewer):
        _member("Zoe Quill")
        client.login(email=viewer.email, password=PASSWORD)
        text = client.get(reverse("people"), {"expertise": "999999"}).content.decode()
        assert "Select a valid choice" in text and "Zoe Quill" not in text
