"""The search page: the header's box, results grouped by kind, filters, and nothing from a
room she is not in, whoever asks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chat import services as chat_services
from community import services as community_services
from rooms import services as room_services
from server import search
from tests.community.factories import AdminFactory, UserFactory, profile_fill
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

CANARY = "zebracanary42"


def send(user, room, text, client_id):
    message, _ = chat_services.message_send(author=user, room_id=room.pk, text=text,
                                            client_id=client_id)
    return message


@pytest.fixture
def world():
    ana, bea = UserFactory(name="Ana Walrusson"), UserFactory(name="Bea")
    cy, dee = UserFactory(name="Cy"), UserFactory(name="Dee")
    ours = make_room(ana, bea, name="Ours")
    theirs = make_room(cy, dee, name="Theirs")
    send(cy, theirs, f"the walrus {CANARY}", "x")
    message = send(bea, ours, "the <b>walrus</b> plan", "y")
    return ana, bea, cy, dee, ours, theirs, message


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_has_the_search_box(client, world):
    ana = world[0]
    client.force_login(ana)
    body = client.get(reverse("home")).content.decode()
    assert 'role="search"' in body and f'action="{reverse("search")}"' in body


def test_results_grouped_highlighted_and_linked_to_the_room(client, world):
    ana, _bea, _cy, _dee, ours, _theirs, message = world
    body = page(client, ana, q="walrus")
    assert 'id="results-messages"' in body and 'id="results-people"' in body
    assert body.index('id="results-messages"') < body.index('id="results-people"')
    assert "<mark>walrus</mark>" in body and "&lt;b&gt;" in body and "<b>walrus" not in body
    assert f'href="/rooms/{ours.pk}/#message-{message.seq}"' in body
    assert ">Ours<" in body and "Bea" in body
    assert f'href="{reverse("profile_detail", args=[ana.pk])}"' in body  # found by name


@pytest.mark.parametrize("who", ["outsider", "admin", "removed"])
def test_the_canary_never_shows(client, world, who):
    ana, _bea, cy, dee, _ours, theirs, _message = world
    if who == "admin":
        viewer = AdminFactory()
    elif who == "removed":
        room_services.member_remove(actor=AdminFactory(), room=theirs, user=dee)
        viewer = dee
    else:
        viewer = ana
    for params in ({"q": CANARY}, {"q": CANARY, "kind": "messages"},
                   {"q": CANARY, "room": str(theirs.pk)}):
        assert "search-result" not in page(client, viewer, **params)
    for params in ({"q": "walrus"}, {"q": "walrus", "order": "newest"},
                   {"q": "walrus", "kind": "messages"}):
        assert CANARY not in page(client, viewer, **params)
    # It is there for its members.
    assert f"<mark>{CANARY}</mark>" in page(client, cy, q=CANARY)


def test_a_room_she_is_not_in_is_an_invalid_choice(client, world):
    ana, _bea, _cy, _dee, _ours, theirs, _message = world
    body = page(client, ana, q="walrus", room=str(theirs.pk))
    assert 'role="alert"' in body and "Theirs" not in body


def test_a_blocked_member_is_not_found_among_people(client, world):
    ana, bea, *_ = world
    profile_fill(bea, headline="Walrus keeper")
    link = f'href="{reverse("profile_detail", args=[bea.pk])}"'
    assert "<mark>Walrus</mark> keeper" in page(client, ana, q="walrus")
    community_services.block_create(user=bea, other=ana)
    body = page(client, ana, q="walrus", kind="people")
    assert link not in body and "keeper" not in body


def test_filters_leave_out_kinds_that_cannot_honour_them(client, world):
    ana, bea, _cy, _dee, ours, _theirs, _message = world
    body = page(client, ana, q="walrus", room=str(ours.pk), person=str(bea.pk),
                since="2020-01-01", until="2100-01-01", order="newest")
    assert 'id="results-messages"' in body and 'id="results-people"' not in body
    assert "<mark>walrus</mark>" in body


@pytest.mark.parametrize("params", [
    {"q": "a\x00b"}, {"q": "x" * 5000}, {"q": '"NEAR(*'}, {"q": "walrus", "page": "999"},
    {"q": "walrus", "page": "-1"}, {"q": "walrus", "since": "not a date"},
    {"q": "walrus", "since": "2026-02-01", "until": "2026-01-01"},
    {"q": "walrus", "kind": "nope"}, {"q": "walrus", "person": "abc"}, {"q": "walrus",
                                                                       "order": "worst"},
])
def test_bad_input_gets_a_clear_answer(client, world, params):
    body = page(client, world[0], **params)
    assert 'role="alert"' in body or "Nothing" in body or "<mark>" in body


def test_pages_of_one_kind(client, world):
    ana, bea, _cy, _dee, ours, _theirs, _message = world
    for i in range(search.PAGE_SIZE + 3):
        send(bea, ours, f"walrus number {i}", f"w{i}")
    first = page(client, ana, q="walrus", kind="messages")
    assert first.count('class="card search-result"') == search.PAGE_SIZE
    assert "page=2" in first
    second = page(client, ana, q="walrus", kind="messages", page="2")
    assert second.count('class="card search-result"') == 4


def test_french(client, world, settings):
    ana = world[0]
    client.force_login(ana)
    response = client.get(reverse("search"), {"q": "zzzz"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Rechercher" in response.content.decode()
