"""Chat writes: numbering, idempotency, rendering, who may edit or delete, read state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chat import catchup, selectors, services
from chat.models import Mention, Message
from community.ratelimit import RateLimited
from rooms import services as room_services
from rooms.models import Membership
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_of_three():
    ana, bea, cy = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim"), UserFactory()
    room = make_room(ana, bea, cy)
    return ana, bea, cy, room


def send(user, room, text, client_id):
    return services.message_send(author=user, room_id=room.pk, text=text, client_id=client_id)


class TestSend:
    def test_seq_and_rev_count_up_and_events_follow_commit(
            self, room_of_three, django_capture_on_commit_callbacks):
        ana, bea, _cy, room = room_of_three
        with django_capture_on_commit_callbacks() as callbacks:
            first, _ = send(ana, room, "one", "a")
            second, _ = send(bea, room, "two", "b")
        assert (first.seq, second.seq) == (1, 2) and (first.rev, second.rev) == (1, 2)
        room.refresh_from_db()
        assert (room.last_seq, room.last_rev) == (2, 2)
        assert callbacks  # the bells ring only after commit
        # Writing is reading: each author has read up to her own message.
        read = dict(Membership.objects.filter(room=room).values_list("user_id", "last_read_seq"))
        assert (read[ana.pk], read[bea.pk]) == (1, 2)
        stored = Message.objects.get(pk=second.pk)
        assert (stored.author_id, stored.seq, stored.rev, stored.created_rev, stored.client_id,
                stored.text, stored.html, stored.created_at, stored.reply_to_id) == (
            bea.pk, 2, 2, 2, "b", "two", "<p>two</p>", second.created_at, None)

    def test_live_event_of_a_new_message_is_what_history_reads(self, room_of_three,
                                                                monkeypatch):
        ana, bea, cy, room = room_of_three
        published = []
        monkeypatch.setattr(services.protocol, "publish",
                            lambda room_id, event: published.append(event))
        first, _ = send(bea, room, "the original", "o")
        reply, _ = services.message_send(author=ana, room_id=room.pk, client_id="r",
                                         text="@**Bea Kim** @**Ana Ruiz** yes", reply_to=first.pk)
        event = published[-1]
        assert event["type"] == "chat.message.created" and event["rev"] == reply.rev
        assert event["message"]["reply_to"]["author_name"] == "Bea Kim"
        assert event["message"]["mentions"] == [bea.pk]  # never herself
        history = selectors.messages_page(cy, room)
        assert history[-1] == event["message"]

    def test_same_client_id_is_one_message(self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        first, created = send(ana, room, "once", "same")
        again, created_again = send(ana, room, "once", "same")
        assert created and not created_again and first.pk == again.pk
        assert Message.objects.count() == 1

    def test_a_resend_gets_the_stored_message_even_once_the_room_is_archived(
            self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        first, _ = send(ana, room, "just in time", "late-ack")
        room_services.room_archive(actor=ana, room=room)
        again, created = send(ana, room, "just in time", "late-ack")
        assert not created and again.pk == first.pk
        with pytest.raises(PermissionDenied):
            send(ana, room, "too late", "new")
        room.refresh_from_db()
        assert (room.last_seq, room.last_rev) == (1, 1)
        assert Message.objects.count() == 1

    def test_a_refused_send_moves_no_counter(self, room_of_three, settings):
        ana, bea, _cy, room = room_of_three
        settings.COHORT_CHAT_SEND_LIMIT = 1
        send(ana, room, "one", "a")
        send(bea, room, "two", "b")
        with pytest.raises(RateLimited):
            send(ana, room, "three", "c")
        room.refresh_from_db()
        assert (room.last_seq, room.last_rev) == (2, 2)
        assert Membership.objects.get(room=room, user=ana).last_read_seq == 1
        assert list(Message.objects.values_list("client_id", flat=True)) == ["a", "b"]
        assert send(ana, room, "one", "a")[1] is False  # a resend is never rate limited

    @pytest.mark.parametrize(("text", "client_id", "why"), [
        ("", "a", "empty"), ("   ", "a", "empty"), ("x" * 10_001, "a", "at most"),
        ("ok", "", "client_id"), ("ok", "bad id!", "client_id"),
    ])
    def test_bad_input_changes_nothing(self, room_of_three, text, client_id, why):
        ana, _bea, _cy, room = room_of_three
        with pytest.raises(ValidationError, match=why):
            send(ana, room, text, client_id)
        room.refresh_from_db()
        assert room.last_seq == 0 and not Message.objects.exists()

    def test_sanitised_markdown_and_mentions(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        message, _ = send(ana, room, "<script>x</script> [a](javascript:alert(1)) "
                                     "https://ok.example @**Bea Kim** @**Nobody**", "m")
        assert "<script>" not in message.html and 'href="javascript:' not in message.html
        assert 'href="https://ok.example"' in message.html
        assert 'rel="noopener noreferrer nofollow"' in message.html
        assert f'data-user-id="{bea.pk}"' in message.html
        assert list(Mention.objects.values_list("user_id", flat=True)) == [bea.pk]

    def test_only_members_of_the_room_can_be_mentioned(self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        UserFactory(name="Outsider")
        message, _ = send(ana, room, "hi @**Outsider**", "m")
        assert "mention" not in message.html and not Mention.objects.exists()

    def test_reply_must_be_in_the_same_room(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        other_room = make_room(ana, bea, name="Other")
        elsewhere, _ = send(ana, other_room, "there", "t")
        with pytest.raises(ValidationError, match="not in this room"):
            services.message_send(author=ana, room_id=room.pk, text="re", client_id="r",
                                  reply_to=elsewhere.pk)
        parent, _ = send(bea, room, "question?", "q")
        reply, _ = services.message_send(author=ana, room_id=room.pk, text="answer",
                                         client_id="r2", reply_to=parent.pk)
        payload = selectors.message_payload(selectors.message_get(reply.pk))
        assert payload["reply_to"]["id"] == parent.pk
        assert payload["reply_to"]["excerpt"] == "question?"


class TestEditDelete:
    def test_author_edits_and_the_rev_moves(self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        message, _ = send(ana, room, "draft", "d")
        edited = services.message_edit(user=ana, message_id=message.pk, text="final *text*")
        assert edited.html == "<p>final <em>text</em></p>" and edited.rev == 2
        assert edited.seq == 1 and edited.edited_at

    def test_others_cannot_edit(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        message, _ = send(ana, room, "mine", "d")
        with pytest.raises(PermissionDenied):
            services.message_edit(user=bea, message_id=message.pk, text="hacked")

    def test_author_and_moderator_delete_a_member_cannot(self, room_of_three):
        ana, bea, cy, room = room_of_three
        message, _ = send(bea, room, "oops", "o")
        with pytest.raises(PermissionDenied):
            services.message_delete(user=cy, message_id=message.pk)
        Membership.objects.filter(room=room, user=cy).update(role=Membership.Role.MODERATOR)
        deleted = services.message_delete(user=cy, message_id=message.pk)
        assert deleted.deleted_at and deleted.text == "" and deleted.seq == 1
        other, _ = send(bea, room, "again", "o2")
        services.message_delete(user=bea, message_id=other.pk)

    def test_a_non_member_is_told_not_found(self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        message, _ = send(ana, room, "x", "x")
        with pytest.raises(services.NotFound):
            services.message_delete(user=UserFactory(), message_id=message.pk)


class TestReactions:
    def test_toggle_and_idempotent(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        message, _ = send(ana, room, "yay", "y")
        services.reaction_set(user=bea, message_id=message.pk, emoji="👍🏽", on=True)
        again = services.reaction_set(user=bea, message_id=message.pk, emoji="👍🏽", on=True)
        assert again.rev == 2  # the second, identical, changed nothing
        payload = selectors.message_payload(selectors.message_get(message.pk))
        assert payload["reactions"] == [{"emoji": "👍🏽", "count": 1, "user_ids": [bea.pk]}]
        services.reaction_set(user=bea, message_id=message.pk, emoji="👍🏽", on=False)
        assert selectors.message_payload(selectors.message_get(message.pk))["reactions"] == []

    @pytest.mark.parametrize("emoji", ["", "abc", "<b>", "👍 👍", "x" * 40])
    def test_only_emoji(self, room_of_three, emoji):
        ana, _bea, _cy, room = room_of_three
        message, _ = send(ana, room, "yay", "y")
        with pytest.raises(ValidationError):
            services.reaction_set(user=ana, message_id=message.pk, emoji=emoji, on=True)


class TestReadState:
    def test_unread_and_mentions_then_read(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        send(ana, room, "one", "1")
        send(ana, room, "hey @**Bea Kim**", "2")
        send(bea, room, "my own", "3")
        state = selectors.room_states(bea, [room.pk])[0]
        # Her own message moved her read position: nothing before it counts.
        assert (state["last_read_seq"], state["unread"], state["mentions"]) == (3, 0, 0)
        ana_state = selectors.room_states(ana, [room.pk])[0]
        assert ana_state["unread"] == 1
        cy_state = selectors.room_states(room.memberships.get(user__name__startswith="Member")
                                         .user, [room.pk])[0]
        assert cy_state["unread"] == 3

    def test_mention_counts_until_read_and_never_moves_back(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        send(ana, room, "hey @**Bea Kim**", "1")
        send(ana, room, "more", "2")
        state = selectors.room_states(bea, [room.pk])[0]
        assert (state["unread"], state["mentions"]) == (2, 1)
        assert services.read_mark(user=bea, room_id=room.pk, seq=1) == 1
        assert selectors.room_states(bea, [room.pk])[0]["mentions"] == 0
        assert services.read_mark(user=bea, room_id=room.pk, seq=0) == 1
        assert services.read_mark(user=bea, room_id=room.pk, seq=99) == 2

    def test_deleted_messages_do_not_count_and_a_gone_author_is_someone_else(
            self, room_of_three):
        ana, bea, cy, room = room_of_three
        gone = send(ana, room, "@**Bea Kim** first", "1")[0]
        send(cy, room, "from a member who leaves", "2")
        send(ana, room, "@**Bea Kim** third", "3")
        services.message_delete(user=ana, message_id=gone.pk)
        cy.delete()  # her messages stay, with no author
        other = make_room(ana, bea, name="Other")
        send(ana, other, "elsewhere", "4")
        states = {s["room_id"]: s for s in selectors.room_states(bea)}
        assert (states[room.pk]["unread"], states[room.pk]["mentions"]) == (2, 1)
        assert (states[room.pk]["last_seq"], states[room.pk]["last_rev"]) == (3, 4)
        assert (states[other.pk]["unread"], states[other.pk]["mentions"]) == (1, 0)
        assert [s["room_id"] for s in selectors.room_states(bea, [other.pk])] == [other.pk]
        assert selectors.room_states(bea, []) == []


class TestCatchUp:
    def test_each_changed_message_once_in_rev_order(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        first, _ = send(ana, room, "one", "1")
        send(bea, room, "two", "2")
        services.message_edit(user=ana, message_id=first.pk, text="one, edited")
        events, reset = selectors.catch_up_events(ana, room.pk, 1)
        assert not reset
        assert [(e["type"], e["message"]["seq"], e["rev"]) for e in events] == [
            ("chat.message.created", 2, 2), ("chat.message.updated", 1, 3)]

    def test_sockets_that_read_the_same_room_rev_share_one_read(
            self, room_of_three, django_assert_num_queries):
        ana, bea, _cy, room = room_of_three
        first, _ = send(ana, room, "one", "1")
        send(bea, room, "two", "2")
        rev = selectors.room_states(ana, [room.pk])[0]["last_rev"]
        answer = catchup.catch_up_events(ana, room.pk, 1, rev)
        with django_assert_num_queries(0):
            assert catchup.catch_up_events(ana, room.pk, 1, rev) == answer
        # A socket that reads the room after an edit asks for its own range and sees it.
        services.message_edit(user=ana, message_id=first.pk, text="one, edited")
        newer = selectors.room_states(bea, [room.pk])[0]["last_rev"]
        events, _ = catchup.catch_up_events(ana, room.pk, 1, newer)
        assert events[-1]["message"]["text"] == "one, edited"
        # The socket that read the room before the edit keeps its answer: the edit
        # reaches it live, after it.
        assert catchup.catch_up_events(ana, room.pk, 1, rev) == answer

    def test_a_socket_up_to_date_reads_nothing(self, room_of_three,
                                               django_assert_num_queries):
        """Most reconnects are to quiet rooms: she holds the rev her `sync` read."""
        ana, _bea, _cy, room = room_of_three
        send(ana, room, "one", "1")
        rev = selectors.room_states(ana, [room.pk])[0]["last_rev"]
        with django_assert_num_queries(0):
            assert catchup.catch_up_events(ana, room.pk, rev, rev) == ([], False)

    def test_an_answer_read_after_later_changes_is_not_kept(
            self, room_of_three, django_assert_num_queries):
        ana, _bea, _cy, room = room_of_three
        send(ana, room, "one", "1")
        rev = selectors.room_states(ana, [room.pk])[0]["last_rev"]
        send(ana, room, "two", "2")  # committed between her `sync` read and the catch-up
        events, _ = catchup.catch_up_events(ana, room.pk, 0, rev)
        assert [e["message"]["text"] for e in events] == ["one", "two"]
        with django_assert_num_queries(5):  # read again, not taken from what was kept
            catchup.catch_up_events(ana, room.pk, 0, rev)

    def test_kept_answers_are_bounded_by_their_events(
            self, room_of_three, monkeypatch, django_assert_num_queries):
        ana, _bea, _cy, room = room_of_three
        monkeypatch.setattr(catchup, "KEEP_EVENTS", 2)
        send(ana, room, "one", "1")
        send(ana, room, "two", "2")
        catchup.catch_up_events(ana, room.pk, 0, 2)  # two events: kept
        catchup.catch_up_events(ana, room.pk, 1, 2)  # one more: the older answer goes
        with django_assert_num_queries(0):
            catchup.catch_up_events(ana, room.pk, 1, 2)
        with django_assert_num_queries(5):
            catchup.catch_up_events(ana, room.pk, 0, 2)

    def test_too_much_to_replay_resets(self, room_of_three, monkeypatch):
        ana, _bea, _cy, room = room_of_three
        monkeypatch.setattr(selectors, "CATCH_UP_MAX", 2)
        for i in range(3):
            send(ana, room, f"m{i}", f"c{i}")
        assert selectors.catch_up_events(ana, room.pk, 0) == ([], True)

    def test_a_viewer_who_is_not_in_the_room_reads_nothing(self, room_of_three):
        """Removed (here by a plain delete, as a database admin would) or never in it:
        catch-up from rev 0 returns none of the room's history."""
        ana, bea, _cy, room = room_of_three
        send(ana, room, "private", "1")
        stranger = UserFactory()
        assert selectors.catch_up_events(stranger, room.pk, 0) == ([], False)
        Membership.objects.filter(room=room, user=bea).delete()
        assert selectors.catch_up_events(bea, room.pk, 0) == ([], False)
        assert catchup.catch_up_events(bea, room.pk, 0, 1) == ([], False)


class TestAuthorBadge:
    """The role badge beside an author's name comes from her role, never from her name."""

    def test_a_mentor_and_the_programme_team_carry_theirs(self):
        from tests.community.factories import AdminFactory, MentorFactory

        mentor, admin = MentorFactory(name="Grace"), AdminFactory(name="Ada")
        member = UserFactory(name="Mentor Nadia (Programme team)")
        room = make_room(mentor, admin, member)
        payloads = [selectors.message_payload(send(user, room, "hi", f"c-{user.pk}")[0])
                    for user in (mentor, admin, member)]
        assert [p["author"].get("badge") for p in payloads] == ["mentor", "admin", None]
        assert payloads[2]["author"] == {"id": member.pk, "name": "Mentor Nadia (Programme team)"}
