"""Message search: only rooms she may read now, deleted and edited messages followed at
once, hostile queries answered, snippets escaped. Runs on SQLite (FTS5) and, in the
PostgreSQL configuration, on its stored tsvector: the same tests exercise both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chat import search, selectors, services
from chat.models import Message
from community import services as community_services
from rooms import services as room_services
from rooms.models import Room
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

CANARY = "zebracanary42"


def send(user, room, text, client_id=None):
    message, _ = services.message_send(author=user, room_id=room.pk, text=text,
                                       client_id=client_id or f"c{Message.objects.count()}")
    return message


def found(viewer, query, **kwargs):
    return [hit.message.pk for hit in search.message_search(viewer, query=query, **kwargs).hits]


@pytest.fixture
def world():
    """Ana and Bea share a room; Cy and Dee have another, with the canary in it."""
    ana, bea, cy, dee = (UserFactory(name=n) for n in ("Ana", "Bea", "Cy", "Dee"))
    ours = make_room(ana, bea, name="Ours")
    theirs = make_room(cy, dee, name="Theirs")
    send(cy, theirs, f"the secret {CANARY} plan for negotiation")
    return ana, bea, cy, dee, ours, theirs


def test_each_database_has_its_index():
    """The suite's two configurations exercise the two engines: PostgreSQL's generated
    column and GIN index, SQLite's FTS5 table and its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT is_generated FROM information_schema.columns WHERE "
                           "table_name = 'chat_message' AND column_name = 'search_vector'")
            assert cursor.fetchone() == ("ALWAYS",)
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                           "'chat_message_search'")
            assert "gin (search_vector)" in cursor.fetchone()[0]
        else:
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'chat_message_fts%'"
                           " ORDER BY name")
            names = {row[0] for row in cursor.fetchall()}
            assert {"chat_message_fts", "chat_message_fts_insert", "chat_message_fts_update",
                    "chat_message_fts_delete"} <= names


def test_a_canary_in_a_room_she_is_not_in_is_never_found(world):
    ana, bea, cy, _dee, ours, theirs = world
    mine = send(bea, ours, "our plan for negotiation")
    assert found(cy, CANARY) != []  # it is findable, by its room's members
    for query in (CANARY, CANARY[:6], "secret", "plan", "negotiation", f'"{CANARY}"'):
        for order in ("best", "newest"):
            hits = found(ana, query, order=order)
            assert all(Message.objects.get(pk=pk).room_id == ours.pk for pk in hits)
    assert found(ana, "negotiation") == [mine.pk]
    # Naming the other room in the filter changes nothing.
    assert found(ana, CANARY, filters=search.MessageFilters(room_id=theirs.pk)) == []


def test_an_admin_who_is_not_a_member_finds_nothing(world):
    admin = AdminFactory()
    assert found(admin, CANARY) == []


def test_a_removed_member_stops_finding_at_once(world):
    _ana, _bea, cy, dee, _ours, theirs = world
    theirs.kind = Room.Kind.GROUP
    theirs.save()
    assert len(found(dee, CANARY)) == 1
    room_services.member_remove(actor=cy, room=theirs, user=dee)
    assert found(dee, CANARY) == []


def test_search_shows_nothing_of_a_member_across_a_block(world):
    """A block stops writing across a pair room, not reading its past: her history still
    shows it; but search, which brings messages to her, shows none by a member she
    blocked or who blocked her (chat.permissions.hidden_authors), in any room kind. Her
    own messages she still finds."""
    ana, bea, cy, dee, ours, _theirs = world
    pair = make_room(cy, dee, kind=Room.Kind.DIRECT, name="")
    before = send(dee, pair, "before the block: pelican")
    mine = send(cy, pair, "my own pelican")
    group = make_room(ana, cy, dee, name="Group")
    in_group = send(dee, group, "a group pelican")
    community_services.block_create(user=cy, other=dee)
    history = [m["id"] for m in selectors.messages_page(cy, pair)]
    assert before.pk in history
    assert found(cy, "pelican") == [mine.pk]  # not Dee's, in the pair or the group room
    assert found(cy, "pelican", filters=search.MessageFilters(author_id=dee.pk)) == []
    assert sorted(found(dee, "pelican")) == sorted([before.pk, in_group.pk])  # hers only
    assert sorted(found(ana, "pelican")) == [in_group.pk]  # a bystander finds everything


def test_a_block_hides_no_notice_and_no_former_members_words(world):
    """Messages without an author (the server's notices) are nobody's across a block: a
    member who blocked someone still finds them."""
    _ana, _bea, cy, dee, _ours, theirs = world
    notice = services.notice_post(theirs.pk, "the heron notice")
    gone = send(dee, theirs, "a heron from someone since erased")
    Message.objects.filter(pk=gone.pk).update(author=None)  # as erasing her account does
    community_services.block_create(user=cy, other=dee)
    assert sorted(found(cy, "heron")) == sorted([notice.pk, gone.pk])
    assert sorted(found(dee, "heron")) == sorted([notice.pk, gone.pk])


def test_deleted_and_edited_messages_follow_at_once(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    message = send(ana, ours, "the walrus meeting")
    assert found(bea, "walrus") == [message.pk]
    services.message_edit(user=ana, message_id=message.pk, text="the narwhal meeting")
    assert found(bea, "walrus") == []
    assert found(bea, "narwhal") == [message.pk]
    services.message_delete(user=ana, message_id=message.pk)
    assert found(bea, "narwhal") == []
    assert found(bea, "meeting") == []


@pytest.mark.parametrize("query", [
    'NEAR(a b)', '"', '"""', "a AND", "OR", "NOT", "*", "-", "-walrus", "^walrus",
    "walrus*", "(walrus", "col:walrus", "text:walrus", "'", "\\", "%", "_", "!!!",
    "&|!()<->:*", "walrus\x00", "\x00", "walrus" * 100, "mot " * 500, "é", "ß", "🙂",
    "<script>alert(1)</script>", "' OR 1=1 --", "a:b:c", "{}", "[]", "\u202e",
])
def test_hostile_queries_give_results_or_nothing_never_an_error(world, query):
    ana, _bea, _cy, _dee, ours, _theirs = world
    send(ana, ours, "the walrus meeting")
    for order in ("best", "newest"):
        page = search.message_search(ana, query=query, order=order)
        assert all(hit.message.room_id == ours.pk for hit in page.hits)
    assert found(ana, "walrus\x00") == found(ana, "walrus") != []


def test_operators_are_words(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    both = send(bea, ours, "walrus and narwhal")
    send(bea, ours, "only a walrus")
    assert found(ana, "walrus narwhal") == [both.pk]  # every word must match
    assert found(ana, "") == [] and found(ana, "   ") == []


def test_snippets_are_escaped_and_marked(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    send(bea, ours, 'look <img src=x onerror=alert(1)> the walrus <b>is</b> here')
    [hit] = search.message_search(ana, query="walrus").hits
    assert "<mark>walrus</mark>" in hit.snippet
    assert "<img" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;img" in hit.snippet
    # What she wrote is shown as she wrote it, tags included, as text.
    assert "&lt;b&gt;is&lt;/b&gt;" in hit.snippet


def test_markers_in_a_message_cannot_make_markup(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    send(bea, ours, f"walrus {search.START}<i>x{search.STOP} end")
    [hit] = search.message_search(ana, query="walrus").hits
    assert "<i>" not in hit.snippet
    assert hit.snippet.count("<mark>") == hit.snippet.count("</mark>")


def test_accents_and_case_are_ignored_in_french(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    message = send(bea, ours, "Préparer la Négociation salariale")
    assert found(ana, "negociation") == [message.pk]
    assert found(ana, "NÉGOCIATION") == [message.pk]


def test_filters_room_author_and_dates(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    other = make_room(ana, bea, name="Other")
    by_ana = send(ana, ours, "walrus from ana")
    by_bea = send(bea, other, "walrus from bea")
    old = send(bea, ours, "walrus long ago")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert set(found(ana, "walrus")) == {by_ana.pk, by_bea.pk, old.pk}
    assert found(ana, "walrus", filters=search.MessageFilters(room_id=other.pk)) == [by_bea.pk]
    assert set(found(ana, "walrus", filters=search.MessageFilters(author_id=bea.pk))) == {
        by_bea.pk, old.pk}
    week_ago = timezone.now() - timedelta(days=7)
    assert found(ana, "walrus", filters=search.MessageFilters(until=week_ago)) == [old.pk]
    assert set(found(ana, "walrus", filters=search.MessageFilters(since=week_ago))) == {
        by_ana.pk, by_bea.pk}
    assert found(ana, "walrus", order="newest") == [by_bea.pk, by_ana.pk, old.pk]


def test_best_first_and_pages_are_bounded(world):
    ana, bea, _cy, _dee, ours, _theirs = world
    strong = send(bea, ours, "walrus walrus walrus, all about the walrus")
    for i in range(4):
        send(bea, ours, f"a long message that mentions a walrus once among many other words {i}")
    assert found(ana, "walrus")[0] == strong.pk
    first = search.message_search(ana, query="walrus", limit=2)
    second = search.message_search(ana, query="walrus", limit=2, offset=2)
    last = search.message_search(ana, query="walrus", limit=2, offset=4)
    ids = [h.message.pk for page in (first, second, last) for h in page.hits]
    assert len(ids) == len(set(ids)) == 5
    assert first.has_more and second.has_more and not last.has_more
    assert search.message_search(ana, query="walrus", offset=search.OFFSET_MAX + 1).hits == []


def test_fts_match_quotes_every_word():
    assert search.fts_match('NEAR(a "b") OR c*') == '"near"* "a"* "b"* "or"* "c"*'
    assert search.fts_match("\"'*^-") == ""


def test_the_sql_finds_what_the_rows_say(world, settings):
    """The search's statements (hand-written on SQLite) against the rows read by the ORM:
    random messages of made-up words in rooms she is in and is not in, by several authors,
    over a month, some deleted, for every word and every filter."""
    import random

    settings.COHORT_CHAT_SEND_LIMIT = 1000
    ana, bea, cy, _dee, ours, theirs = world
    other = make_room(ana, cy, name="Other")
    rng = random.Random(5)
    vocabulary = ["zorbaq", "quixel", "plumbo", "vantor", "krelim"]
    now = timezone.now()
    for n in range(80):
        room = rng.choice([ours, theirs, other])
        author = rng.choice([m.user for m in room.memberships.select_related("user")])
        message = send(author, room, " ".join(rng.choices(vocabulary, k=rng.randint(1, 4))))
        Message.objects.filter(pk=message.pk).update(
            created_at=now - timedelta(days=rng.randint(0, 30), minutes=n))
        if n % 9 == 0:
            services.message_delete(user=author, message_id=message.pk)
    since, until = now - timedelta(days=20), now - timedelta(days=5)
    rows = list(Message.objects.filter(room_id__in=[ours.pk, other.pk],
                                       deleted_at__isnull=True))
    for word in vocabulary:
        for filters in (search.MessageFilters(), search.MessageFilters(room_id=other.pk),
                        search.MessageFilters(author_id=bea.pk),
                        search.MessageFilters(since=since, until=until)):
            expected = {m.pk for m in rows if word in m.text.split()
                        and filters.room_id in (None, m.room_id)
                        and filters.author_id in (None, m.author_id)
                        and (filters.since is None or m.created_at >= filters.since)
                        and (filters.until is None or m.created_at < filters.until)}
            for order in search.ORDERS:
                got = found(ana, word, filters=filters, order=order, limit=search.PAGE_MAX)
                assert set(got) == expected, (word, filters, order)
                if order == "newest":
                    dates = [Message.objects.get(pk=pk).created_at for pk in got]
                    assert dates == sorted(dates, reverse=True)
