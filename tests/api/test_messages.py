"""Messages over the API: history by cursor, send (idempotent per client_id, as the
socket's chat.send), edit, delete, react; who may, and bad input changing nothing."""

from __future__ import annotations

import pytest

from chat import services
from chat.models import Message, Reaction
from rooms import services as room_services
from tests.api.conftest import errors
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio():
    ana, bea, cleo = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cleo")
    return ana, bea, cleo, make_room(ana, bea, name="Pair talk")


def send(client, room, text="Hello", client_id="c-1", **extra):
    return client.post(f"rooms/{room.pk}/messages",
                       {"text": text, "client_id": client_id, **extra})


class TestHistory:
    def test_newest_first_and_back_by_cursor(self, api, trio):
        ana, bea, _cleo, room = trio
        for index in range(1, 6):
            services.message_send(author=ana, room_id=room.pk, text=f"m{index}",
                                  client_id=f"c{index}")
        client = api(bea)
        first = client.get(f"rooms/{room.pk}/messages", {"page_size": 2}).json()
        assert [m["text"] for m in first["results"]] == ["m5", "m4"]
        second = client.client.get(first["next"]).json()
        assert [m["seq"] for m in second["results"]] == [3, 2]
        assert second["previous"] is not None

    @pytest.mark.parametrize("who", ["stranger", "admin"])
    def test_no_one_else_reads_it(self, api, trio, who):
        *_, room = trio
        client = api(UserFactory() if who == "stranger" else AdminFactory())
        answer = client.get(f"rooms/{room.pk}/messages")
        assert answer.status_code == 404 and errors(answer) == [(None, "not_found")]

    def test_history_is_limited_like_the_sockets(self, api, trio, settings):
        ana, *_rest, room = trio
        settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "chat.history": (1, 60)}
        client = api(ana)
        assert client.get(f"rooms/{room.pk}/messages").status_code == 200
        refused = client.get(f"rooms/{room.pk}/messages")
        assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
        assert errors(refused) == [(None, "rate_limited")]


class TestSend:
    def test_sent_once_whatever_the_retries(self, api, trio):
        ana, bea, _cleo, room = trio
        client = api(ana)
        first = send(client, room, "Hello **Bea**")
        assert first.status_code == 201
        body = first.json()
        assert (body["seq"], body["html"], body["author"]["id"]) == (
            1, "<p>Hello <strong>Bea</strong></p>", ana.pk)
        again = send(client, room, "Hello **Bea**")
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        assert Message.objects.filter(room=room).count() == 1
        assert api(bea).get(f"rooms/{room.pk}/messages").json()["results"] == [body]

    def test_a_stranger_or_an_admin_outside_gets_404_and_nothing_is_stored(self, api, trio):
        *_, room = trio
        for outsider in (UserFactory(), AdminFactory()):
            answer = send(api(outsider), room)
            assert answer.status_code == 404
        assert not Message.objects.exists()

    def test_across_a_block_in_a_direct_room_she_cannot_write(self, api):
        ana, bea = UserFactory(), UserFactory()
        direct = room_services.room_open_direct(user=ana, other=bea)
        BlockFactory(blocker=bea, blocked=ana)
        answer = send(api(ana), direct)
        assert answer.status_code == 403 and errors(answer)[0][1] == "permission_denied"
        assert not Message.objects.exists()

    def test_an_admin_reading_through_break_glass_cannot_write(self, api):
        mentor, mentee, admin = UserFactory(), UserFactory(), AdminFactory()
        pair = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
        room_services.break_glass_open(admin=admin, room=pair, reason="A report", hours=1)
        assert send(api(admin), pair).status_code == 403
        assert not Message.objects.filter(author=admin).exists()

    @pytest.mark.parametrize(("body", "problems"), [
        ({"text": 5, "client_id": "c"}, [("text", "invalid")]),
        ({"text": "  ", "client_id": "c"}, [("text", "blank")]),
        ({"text": "x" * 10_001, "client_id": "c"}, [("text", "max_length")]),
        ({"text": "hi"}, [("client_id", "required")]),
        ({"text": "hi", "client_id": "no spaces"}, [("client_id", "invalid")]),
        ({"text": "hi", "client_id": "c", "room_id": 3}, [("room_id", "unknown")]),
        ({"txt": "hi", "client_id": "c"}, [("txt", "unknown")]),
        ({"text": "hi", "client_id": "c", "reply_to": "one"}, [("reply_to", "invalid")]),
        (["hi"], [(None, "invalid")]),
    ])
    def test_bad_input_is_a_400_per_field_and_nothing_is_stored(self, api, trio, body,
                                                                  problems):
        ana, *_rest, room = trio
        answer = api(ana).post(f"rooms/{room.pk}/messages", body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert not Message.objects.exists()

    def test_a_reply_to_another_rooms_message_is_refused(self, api, trio):
        ana, *_rest, room = trio
        other = make_room(ana, name="Elsewhere")
        elsewhere, _ = services.message_send(author=ana, room_id=other.pk, text="x",
                                             client_id="x")
        answer = send(api(ana), room, reply_to=elsewhere.pk)
        assert answer.status_code == 400 and not Message.objects.filter(room=room).exists()

    def test_without_csrf_or_signed_out_nothing_is_stored(self, api, trio):
        ana, *_rest, room = trio
        assert send(api(None), room).status_code == 401
        assert api(ana).post(f"rooms/{room.pk}/messages",
                             {"text": "hi", "client_id": "c"}, csrf=False).status_code == 403
        assert not Message.objects.exists()

    def test_sending_is_limited_like_the_sockets(self, api, trio, settings):
        ana, *_rest, room = trio
        settings.COHORT_CHAT_SEND_LIMIT = 1
        client = api(ana)
        assert send(client, room, client_id="a").status_code == 201
        refused = send(client, room, client_id="b")
        assert refused.status_code == 429 and refused.has_header("Retry-After")
        assert Message.objects.count() == 1


class TestChanges:
    @pytest.fixture
    def message(self, trio):
        ana, *_rest, room = trio
        return services.message_send(author=ana, room_id=room.pk, text="Hello",
                                     client_id="c")[0]

    def test_the_author_edits(self, api, trio, message):
        ana, bea, *_ = trio
        answer = api(ana).patch(f"messages/{message.pk}", {"text": "Hello *all*"})
        assert answer.status_code == 200 and answer.json()["html"] == "<p>Hello <em>all</em></p>"
        assert answer.json()["edited_at"] is not None
        refused = api(bea).patch(f"messages/{message.pk}", {"text": "mine now"})
        assert refused.status_code == 403
        message.refresh_from_db()
        assert message.text == "Hello *all*"

    @pytest.mark.parametrize("who", ["stranger", "admin"])
    def test_outsiders_get_404_for_every_change(self, api, trio, message, who):
        client = api(UserFactory() if who == "stranger" else AdminFactory())
        assert client.patch(f"messages/{message.pk}", {"text": "x"}).status_code == 404
        assert client.delete(f"messages/{message.pk}").status_code == 404
        assert client.post(f"messages/{message.pk}/reactions",
                           {"emoji": "👍"}).status_code == 404
        assert client.patch("messages/999999", {"text": "x"}).status_code == 404
        message.refresh_from_db()
        assert message.text == "Hello" and message.deleted_at is None

    def test_edit_refuses_unknown_fields(self, api, trio, message):
        ana, *_ = trio
        answer = api(ana).patch(f"messages/{message.pk}", {"text": "x", "pinned": True})
        assert answer.status_code == 400 and errors(answer) == [("pinned", "unknown")]

    def test_delete_keeps_its_place(self, api, trio, message):
        ana, bea, *_ = trio
        assert api(bea).delete(f"messages/{message.pk}").status_code == 403  # not a moderator
        answer = api(ana).delete(f"messages/{message.pk}")
        assert answer.status_code == 200
        assert (answer.json()["deleted"], answer.json()["text"], answer.json()["seq"]) == (
            True, "", 1)

    def test_react_and_take_it_back(self, api, trio, message):
        _ana, bea, *_ = trio
        client = api(bea)
        answer = client.post(f"messages/{message.pk}/reactions", {"emoji": "👍"})
        assert answer.json()["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [bea.pk]}]
        client.post(f"messages/{message.pk}/reactions", {"emoji": "👍", "on": False})
        assert not Reaction.objects.exists()
        bad = client.post(f"messages/{message.pk}/reactions", {"emoji": "ok"})
        assert bad.status_code == 400 and not Reaction.objects.exists()
        wrong = client.post(f"messages/{message.pk}/reactions", {"emoji": "👍", "on": "yes!"})
        assert wrong.status_code == 400 and errors(wrong) == [("on", "invalid")]
