"""Rooms in the Django admin, as an admin uses them: the change form read from the page,
edited and posted back. Her open socket hears of what the admin changed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from community.models import AuditEntry, User
from rooms.models import Membership, Room
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

db = database_sync_to_async


class FormReader(HTMLParser):
    """The fields a browser would post from the page's form `form_id`: enabled inputs,
    checked boxes, selected options, text areas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside or "disabled" in found or not found.get("name"):
            if tag == "option" and self.select is not None and "selected" in found:
                self.fields[self.select] = found.get("value", "")
            return
        name = found["name"]
        if tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            if kind not in ("submit", "button", "file"):
                self.fields[name] = found.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.fields[self.textarea] += data


def change_url(room: Room) -> str:
    return f"/admin/rooms/room/{room.pk}/change/"


def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def change_form(client: Client, room: Room) -> dict[str, str]:
    """The room's change form as the admin's browser would post it unchanged."""
    page = client.get(change_url(room))
    assert page.status_code == 200
    reader = FormReader("room_form")
    reader.feed(page.content.decode())
    return reader.fields


def membership_row(fields: dict[str, str], membership: Membership) -> str:
    """The inline prefix (`memberships-<n>`) of this membership's row."""
    for name, value in fields.items():
        if name.startswith("memberships-") and name.endswith("-id") and value == str(membership.pk):
            return name.removesuffix("-id")
    raise AssertionError(f"no row for {membership}")


def new_row(fields: dict[str, str], user: User, role: str = Membership.Role.MEMBER) -> None:
    """Fill the inline's next empty row, as "Add another membership" does."""
    index = int(fields["memberships-TOTAL_FORMS"])
    fields["memberships-TOTAL_FORMS"] = str(index + 1)
    fields.update({f"memberships-{index}-user": str(user.pk),
                   f"memberships-{index}-role": role, f"memberships-{index}-id": "",
                   f"memberships-{index}-room": ""})


def saved(response) -> bool:  # type: ignore[no-untyped-def]
    """The admin redirects after a save; it shows the form again with its errors."""
    return response.status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
class TestHerSocketIsTold:
    @pytest.fixture
    async def room(self):
        def build():
            ana, bea, cleo = (UserFactory(name="Ana"), UserFactory(name="Bea"),
                              UserFactory(name="Cleo"))
            return make_room(ana, bea), ana, bea, cleo, AdminFactory()
        return await db(build)()

    async def test_a_membership_deleted_in_the_inline_removes_her_live(self, room):
        room, ana, bea, _cleo, admin = room
        other = await db(make_room)(bea, ana, name="Still together")
        b = await open_socket(bea, sync={})
        await receive_until(b, "sync.done")

        def delete_row() -> bool:
            client = admin_client(admin)
            fields = change_form(client, room)
            fields[membership_row(fields, room.memberships.get(user=bea)) + "-DELETE"] = "on"
            return saved(client.post(change_url(room), fields))
        assert await db(delete_row)()

        removed, _ = await receive_until(b, "rooms.removed")
        assert removed["room_id"] == room.pk
        # Nothing more of the room reaches her: the next event she gets is the other room's.
        a = await open_socket(ana, sync={})
        await receive_until(a, "sync.done")
        await request(a, {"type": "chat.send", "room_id": room.pk, "text": "secret",
                          "client_id": "s1"})
        await request(a, {"type": "chat.send", "room_id": other.pk, "text": "sentinel",
                          "client_id": "s2"})
        after, _ = await receive_until(b, "chat.message.created")
        assert after["room_id"] == other.pk
        assert not await db(Membership.objects.filter(room=room, user=bea).exists)()
        entry = await db(AuditEntry.objects.get)(action="room.member_remove")
        assert entry.actor_id == admin.pk
        for socket in (a, b):
            await socket.disconnect()

    async def test_a_member_added_in_the_inline_gets_the_room_live(self, room):
        room, _ana, _bea, cleo, admin = room
        c = await open_socket(cleo, sync={})
        await receive_until(c, "sync.done")

        def add_row() -> bool:
            client = admin_client(admin)
            fields = change_form(client, room)
            new_row(fields, cleo)
            return saved(client.post(change_url(room), fields))
        assert await db(add_row)()

        joined, _ = await receive_until(c, "rooms.joined")
        assert joined["room_id"] == room.pk
        assert await db(Membership.objects.filter(room=room, user=cleo).exists)()
        assert await db(AuditEntry.objects.filter(action="room.member_add").exists)()
        await c.disconnect()

    async def test_archiving_from_the_list_tells_the_members(self, room):
        room, ana, *_rest, admin = room
        a = await open_socket(ana, sync={})
        await receive_until(a, "sync.done")

        def archive() -> int:
            client = admin_client(admin)
            return client.post("/admin/rooms/room/", {
                "action": "archive_rooms", "_selected_action": [str(room.pk)]}).status_code
        assert await db(archive)() == 302

        archived, _ = await receive_until(a, "rooms.archived")
        assert archived["room_id"] == room.pk
        assert (await db(Room.objects.get)(pk=room.pk)).is_archived
        assert await db(AuditEntry.objects.filter(action="room.archive").exists)()
        await a.disconnect()


@pytest.mark.django_db
class TestNothingChangesBehindTheServices:
    def test_archived_at_cannot_be_set_in_the_form(self):
        ana, bea = UserFactory(), UserFactory()
        room = make_room(ana, bea)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        fields.update({"archived_at_0": "2030-01-01", "archived_at_1": "12:00:00"})
        client.post(change_url(room), fields)
        room.refresh_from_db()
        assert not room.is_archived

    def test_a_row_cannot_be_moved_to_someone_else(self):
        """Changing a row's member would remove one and add another, telling neither."""
        ana, bea, cleo = UserFactory(), UserFactory(), UserFactory()
        room = make_room(ana, bea)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        row = membership_row(fields, room.memberships.get(user=bea))
        fields[f"{row}-user"] = str(cleo.pk)
        fields[f"{row}-role"] = Membership.Role.OWNER
        client.post(change_url(room), fields)
        assert dict(room.memberships.values_list("user_id", "role")) == {
            ana.pk: Membership.Role.OWNER, bea.pk: Membership.Role.MEMBER}

    def test_no_third_person_is_added_to_a_direct_room(self):
        ana, bea, cleo = UserFactory(), UserFactory(), UserFactory()
        room = make_room(ana, bea, kind=Room.Kind.DIRECT)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        new_row(fields, cleo)
        response = client.post(change_url(room), fields)
        assert not saved(response)
        assert "Nobody joins or leaves" in response.content.decode()
        assert not room.memberships.filter(user=cleo).exists()

    @pytest.mark.parametrize("kind", [Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE])
    def test_the_admin_cannot_add_herself_to_a_pair_or_direct_room(self, kind):
        """The way an admin used to read a conversation: she is refused, and told of
        break-glass access, which the page links to."""
        ana, bea, admin = UserFactory(), UserFactory(), AdminFactory()
        room = make_room(ana, bea, kind=kind)
        client = admin_client(admin)
        page = client.get(change_url(room)).content.decode()
        assert 'name="memberships-MAX_NUM_FORMS" value="0"' in page  # no row to add
        assert f"/rooms/{room.pk}/break-glass/" in page
        fields = change_form(client, room)
        assert not any(name.endswith("-DELETE") for name in fields)
        new_row(fields, admin, Membership.Role.OWNER)
        response = client.post(change_url(room), fields)
        assert not saved(response)
        assert "break-glass" in response.content.decode()
        assert set(room.memberships.values_list("user_id", flat=True)) == {ana.pk, bea.pk}
        assert not AuditEntry.objects.filter(action="room.member_add").exists()

    def test_a_group_room_still_takes_members_here(self):
        ana, bea, cleo = UserFactory(), UserFactory(), UserFactory()
        room = make_room(ana, bea)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        new_row(fields, cleo)
        assert saved(client.post(change_url(room), fields))
        assert room.memberships.filter(user=cleo).exists()

    def test_an_owner_of_a_direct_room_stays(self):
        ana, bea = UserFactory(), UserFactory()
        room = make_room(ana, bea, kind=Room.Kind.DIRECT)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        fields[membership_row(fields, room.memberships.get(user=bea)) + "-DELETE"] = "on"
        response = client.post(change_url(room), fields)
        assert not saved(response)
        assert "Nobody joins or leaves" in response.content.decode()
        assert room.memberships.filter(user=bea).exists()

    def test_rooms_are_neither_created_nor_deleted_here(self):
        """A room is opened by its service (rooms page, mentoring, a direct message) and
        archived, not deleted: a deletion would take memberships with no event."""
        ana, bea = UserFactory(), UserFactory()
        room = make_room(ana, bea)
        client = admin_client(AdminFactory())
        assert client.get("/admin/rooms/room/add/").status_code == 403
        assert client.post(f"/admin/rooms/room/{room.pk}/delete/", {"post": "yes"}
                           ).status_code == 403
        assert Room.objects.filter(pk=room.pk).exists()

    def test_the_change_form_still_saves_name_and_topic(self):
        ana, bea = UserFactory(), UserFactory()
        room = make_room(ana, bea)
        client = admin_client(AdminFactory())
        fields = change_form(client, room)
        fields["name"], fields["topic"] = "Spring cohort", "Thursdays"
        assert saved(client.post(change_url(room), fields))
        room.refresh_from_db()
        assert (room.name, room.topic) == ("Spring cohort", "Thursdays")
        assert room.memberships.count() == 2
