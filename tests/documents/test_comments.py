"""Comments on documents: Markdown through the sanitiser, @mentions that tell the member
(never across a block), counted on the document and heard by the room; who may delete."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from documents import services
from notifications.models import Notification
from rooms import catchup
from rooms import services as room_services
from tests.community.factories import BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    ana, bea, cy = (UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim"),
                    UserFactory(name="Cy Diaz"))
    room = make_room(ana, bea, cy)
    document = services.document_upload(user=bea, room_id=room.pk,
                                        stream=io.BytesIO(b"My CV\n"), name="cv.md")
    return ana, bea, cy, room, document


def test_a_comment_mentions_tells_and_counts(shared):
    ana, bea, cy, room, document = shared
    comment = services.comment_add(user=ana, document_id=document.pk,
                                   text="Great start @**Bea Kim**! <script>x()</script> **Bold**")
    assert "<strong>Bold</strong>" in comment.html and "<script" not in comment.html
    told = Notification.objects.get(user=bea)
    assert (told.kind, told.url) == ("document_mention",
                                     f"/documents/{document.pk}/#comment-{comment.pk}")
    assert not Notification.objects.filter(user=cy).exists()
    events, _, _ = catchup.events_after(cy, room.pk, document.rev)
    assert [(e["document"]["comments"], e["rev"]) for e in events] == [(1, document.rev + 1)]
    page = Client()
    page.force_login(cy)
    html = page.get(f"/documents/{document.pk}/").content.decode()
    assert "Great start" in html and "<strong>Bold</strong>" in html


def test_no_mention_reaches_across_a_block(shared):
    ana, bea, _cy, _room, document = shared
    BlockFactory(blocker=bea, blocked=ana)
    services.comment_add(user=ana, document_id=document.pk, text="@**Bea Kim** ping")
    assert not Notification.objects.filter(user=bea).exists()


@pytest.mark.parametrize("text", ["", "   ", None, 12, "x" * 5001])
def test_a_bad_comment_changes_nothing(shared, text):
    ana, _bea, _cy, room, document = shared
    with pytest.raises(ValidationError):
        services.comment_add(user=ana, document_id=document.pk, text=text)
    room.refresh_from_db()
    assert (document.comments.count(), room.last_rev) == (0, document.rev)


def test_who_may_comment_and_delete(shared):
    ana, bea, cy, room, document = shared  # ana owns the room
    comment = services.comment_add(user=cy, document_id=document.pk, text="Nice")
    with pytest.raises(PermissionDenied):
        services.comment_delete(user=bea, comment_id=comment.pk)
    services.comment_delete(user=ana, comment_id=comment.pk)
    document.refresh_from_db()
    assert document.comment_count == 0
    outsider = UserFactory()
    with pytest.raises(Http404):
        services.comment_add(user=outsider, document_id=document.pk, text="hi")
    room_services.member_remove(actor=ana, room=room, user=cy)
    with pytest.raises(Http404):
        services.comment_add(user=cy, document_id=document.pk, text="still here?")
    room_services.room_archive(actor=ana, room=room)
    with pytest.raises(PermissionDenied):
        services.comment_add(user=bea, document_id=document.pk, text="archived")


def test_commenting_from_the_page(shared):
    _ana, bea, _cy, _room, document = shared
    client = Client()
    client.force_login(bea)
    answer = client.post(f"/documents/{document.pk}/comments", {"text": "Updated the dates"})
    assert answer.status_code == 302 and "#comment-" in answer["Location"]
    empty = client.post(f"/documents/{document.pk}/comments", {"text": " "},
                        HTTP_ACCEPT="application/json")
    assert (empty.status_code, empty.json()["error"]) == (400, "invalid")
    assert document.comments.count() == 1


def test_a_message_shows_only_its_own_rooms_documents(shared):
    from chat import services as chat_services
    from tests.documents import samples

    ana, bea, _cy, room, document = shared
    other = make_room(ana, bea, name="Other")
    image = services.document_upload(user=ana, room_id=other.pk, name="elsewhere.png",
                                     stream=io.BytesIO(samples.png()))
    elsewhere = f"![elsewhere.png](/documents/{image.pk}/versions/1/download)"
    here, _ = chat_services.message_send(
        author=ana, room_id=room.pk, client_id="x1",
        text=f"[cv.md](/documents/{document.pk}/) {elsewhere}")
    assert 'class="attachment-card"' in here.html  # this room's document: a card
    assert "<img" not in here.html  # another room's image: a plain link only
    there, _ = chat_services.message_send(author=ana, room_id=other.pk, client_id="x2",
                                          text=elsewhere)
    assert 'class="attachment-image"' in there.html
