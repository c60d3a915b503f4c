"""Searching documents and their comments: by name and by the text the task worker read,
only in the rooms she may see now (a canary planted in another room's document and
comment is never found), following deletions and removals at once, whatever she types;
never what a member across a block shared or wrote."""

from __future__ import annotations

import io

import pytest

from documents import search, services
from documents.models import Document
from rooms import services as room_services
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

CANARY = "zanzibarquokka"


@pytest.fixture
def two_rooms(django_capture_on_commit_callbacks):
    ana, bea, outsider = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory()
    ours, theirs = make_room(ana, bea, name="Ours"), make_room(outsider, name="Theirs")
    with django_capture_on_commit_callbacks(execute=True):  # previews: their text read
        plan = services.document_upload(
            user=ana, room_id=ours.pk, name="Negotiation plan.pdf", stream=io.BytesIO(
                samples.pdf_with_text(["Salary negotiation checklist", "Milestones"])))
        secret = services.document_upload(
            user=outsider, room_id=theirs.pk, name=f"{CANARY} notes.md",
            stream=io.BytesIO(f"# {CANARY} in the text too\n".encode()))
    services.comment_add(user=outsider, document_id=secret.pk, text=f"{CANARY} comment")
    return ana, bea, outsider, ours, theirs, plan, secret


def names(hits) -> list[str]:
    return [hit.item.name for hit in hits]


def test_a_document_is_found_by_name_and_by_its_text(two_rooms):
    ana, *_rest, plan, _secret = two_rooms
    by_name, _ = search.document_search(ana, query="negotiation plan")
    assert names(by_name) == ["Negotiation plan.pdf"]
    by_text, _ = search.document_search(ana, query="checklist")
    assert names(by_text) == ["Negotiation plan.pdf"]
    assert "<mark>" in by_text[0].snippet and "checklist" in by_text[0].snippet.lower()


@pytest.mark.parametrize("who", ["member", "admin"])
def test_the_canary_of_another_room_is_never_found(two_rooms, who):
    ana, *_rest = two_rooms
    viewer = ana if who == "member" else AdminFactory()
    assert search.document_search(viewer, query=CANARY) == ([], False)
    assert search.comment_search(viewer, query=CANARY) == ([], False)


def test_the_member_of_that_room_finds_it_and_loses_it_when_removed(two_rooms):
    _ana, bea, outsider, _ours, theirs, _plan, secret = two_rooms
    room_services.member_add(actor=outsider, room=theirs, user=bea)
    assert names(search.document_search(bea, query=CANARY)[0]) == [secret.name]
    assert [h.item.text for h in search.comment_search(bea, query=CANARY)[0]] == [
        f"{CANARY} comment"]
    room_services.member_remove(actor=outsider, room=theirs, user=bea)
    assert search.document_search(bea, query=CANARY) == ([], False)
    assert search.comment_search(bea, query=CANARY) == ([], False)


def test_deleted_documents_and_comments_are_not_found(two_rooms):
    ana, bea, _o, _ours, _theirs, plan, _secret = two_rooms
    comment = services.comment_add(user=bea, document_id=plan.pk, text="Agreed on milestones")
    assert len(search.comment_search(ana, query="milestones")[0]) == 1
    services.comment_delete(user=bea, comment_id=comment.pk)
    assert search.comment_search(ana, query="milestones") == ([], False)
    services.document_delete(user=ana, document_id=plan.pk)
    assert search.document_search(ana, query="checklist") == ([], False)


@pytest.mark.parametrize("query", ['"', "AND OR NOT", "NEAR(", "*", "-", "\x00", "é" * 300,
                                   "<script>alert(1)</script>", ""])
def test_any_query_answers_without_error(two_rooms, query):
    ana, *_rest = two_rooms
    hits, _ = search.document_search(ana, query=query)
    comments, _ = search.comment_search(ana, query=query)
    assert all("<script" not in hit.snippet for hit in hits + comments)


def test_filters_by_room_person_and_date(two_rooms):
    ana, bea, _o, ours, theirs, plan, _secret = two_rooms
    assert names(search.document_search(ana, query="negotiation",
                                        filters=search.Filters(room_id=ours.pk))[0]) == [
        plan.name]
    assert search.document_search(ana, query="negotiation",
                                  filters=search.Filters(room_id=theirs.pk)) == ([], False)
    assert search.document_search(ana, query="negotiation",
                                  filters=search.Filters(person_id=bea.pk)) == ([], False)
    from datetime import timedelta

    later = plan.updated_at + timedelta(days=1)
    assert search.document_search(ana, query="negotiation",
                                  filters=search.Filters(since=later)) == ([], False)


def test_the_search_page_lists_documents_and_comments(two_rooms):
    from django.test import Client

    ana, bea, _o, _ours, _theirs, plan, secret = two_rooms
    services.comment_add(user=bea, document_id=plan.pk, text="The checklist is ready")
    client = Client()
    client.force_login(ana)
    page = client.get("/search/", {"q": "checklist"}).content.decode()
    assert f'href="/documents/{plan.pk}/"' in page
    assert f'href="/documents/{plan.pk}/#comment-' in page
    assert "<mark>checklist</mark>" in page.lower()
    canary = client.get("/search/", {"q": CANARY}).content.decode()
    assert f"/documents/{secret.pk}/" not in canary and "<mark>" not in canary


def test_comments_filter_by_room_person_and_date(two_rooms):
    from datetime import timedelta

    ana, bea, _o, ours, theirs, plan, _secret = two_rooms
    comment = services.comment_add(user=bea, document_id=plan.pk, text="Budget review done")

    def found(**filters) -> list[int]:
        return [hit.item.pk for hit in search.comment_search(
            ana, query="budget", filters=search.Filters(**filters))[0]]

    assert found() == found(room_id=ours.pk) == found(person_id=bea.pk) == [comment.pk]
    assert found(room_id=theirs.pk) == found(person_id=ana.pk) == []
    assert found(since=comment.created_at + timedelta(days=1)) == []
    assert found(until=comment.created_at + timedelta(days=1)) == [comment.pk]


@pytest.fixture
def across_a_block():
    """Ana, Bea, Cleo and Ada (an admin) share a group room; Ana blocked Bea. Ana and Bea
    each shared a document and commented on Cleo's, all of them about quokkas."""
    ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
    ada = AdminFactory(name="Ada")
    room = make_room(ana, bea, cleo, ada, name="Group")
    shared = {user.name: services.document_upload(
        user=user, room_id=room.pk, name=f"Quokka {user.name.lower()}file.md",
        stream=io.BytesIO(b"# notes\n")) for user in (ana, bea, cleo)}
    for user in (ana, bea):
        services.comment_add(user=user, document_id=shared["Cleo"].pk,
                             text=f"quokka {user.name.lower()}note")
    BlockFactory(blocker=ana, blocked=bea)
    return ana, bea, cleo, ada, shared


def found_on_the_page(user, kind: str) -> set[str]:
    """What the search page lists of Ana's and Bea's documents or comments."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get("/search/", {"q": "quokka", "kind": kind})
    assert response.status_code == 200
    body = response.content.decode()
    words = ("anafile", "beafile") if kind == "documents" else ("ananote", "beanote")
    return {word for word in words if word in body}


@pytest.mark.parametrize("who,sees", [
    ("blocker", {"anafile", "ananote"}), ("blocked", {"beafile", "beanote"}),
    ("bystander", {"anafile", "beafile", "ananote", "beanote"}),
    ("admin in the room", {"anafile", "beafile", "ananote", "beanote"}),
    ("admin elsewhere", set())])
def test_search_shows_nothing_of_a_member_across_a_block(across_a_block, who, sees):
    """Either side of a block finds neither the other's documents nor her comments (the
    room's Documents tab still lists them, as history shows messages); everyone else
    finds what the room holds, an admin only in her own rooms."""
    ana, bea, cleo, ada, _shared = across_a_block
    viewer = {"blocker": ana, "blocked": bea, "bystander": cleo, "admin in the room": ada,
              "admin elsewhere": AdminFactory()}[who]
    found = found_on_the_page(viewer, "documents") | found_on_the_page(viewer, "comments")
    assert found == sees


def test_filtering_on_the_other_side_of_a_block_finds_nothing(across_a_block):
    ana, bea, _cleo, _ada, shared = across_a_block
    for viewer, other in ((ana, bea), (bea, ana)):
        by_other = search.Filters(person_id=other.pk)
        assert search.document_search(viewer, query="quokka", filters=by_other) == ([], False)
        assert search.comment_search(viewer, query="quokka", filters=by_other) == ([], False)
    # A former member's document (no one named) is still found by someone with a block.
    Document.objects.filter(pk=shared["Cleo"].pk).update(uploaded_by=None)
    assert shared["Cleo"].name in names(search.document_search(ana, query="quokka")[0])
