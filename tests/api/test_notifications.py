"""Her notifications and preferences over the API: only hers, marking read tells her
tabs, preferences change only what she names; bad input changes nothing."""

from __future__ import annotations

import pytest

from notifications import selectors, services
from notifications.models import Notification, Preference
from tests.api.conftest import errors
from tests.community.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def notify(user, mentee="Léa"):
    return services.notify(user=user, kind="request_received", params={"mentee": mentee},
                           url="/mentoring/")


class TestList:
    def test_hers_newest_first_with_the_unread_counts(self, api):
        ana = UserFactory()
        first, second = notify(ana, "Léa"), notify(ana, "Zoé")
        notify(UserFactory(), "Someone else's")
        client = api(ana)
        answer = client.get("notifications")
        assert [n["id"] for n in answer.json()["results"]] == [second.pk, first.pk]
        assert "Zoé" in answer.json()["results"][0]["text"]
        assert client.get("notifications/unread").json() == {
            "unread": 2, "unread_outside_rooms": 2}
        assert [n["id"] for n in client.get("notifications", {"page_size": 1}).json()[
            "results"]] == [second.pk]

    def test_signed_out_and_bad_paging(self, api):
        assert api(None).get("notifications").status_code == 401
        answer = api(UserFactory()).get("notifications", {"page_size": 1000})
        assert answer.status_code == 400 and errors(answer) == [("page_size", "out_of_range")]


class TestRead:
    def test_some_or_all(self, api):
        ana = UserFactory()
        first, _second = notify(ana), notify(ana)
        client = api(ana)
        assert client.post("notifications/read", {"ids": [first.pk]}).json() == {"unread": 1}
        assert client.post("notifications/read", {}).json() == {"unread": 0}

    @pytest.mark.parametrize("who", ["stranger", "admin"])
    def test_nobody_reads_anothers(self, api, who):
        notification = notify(UserFactory())
        client = api(UserFactory() if who == "stranger" else AdminFactory())
        assert client.post("notifications/read", {"ids": [notification.pk]}).json() == {
            "unread": 0}
        notification.refresh_from_db()
        assert notification.read_at is None

    @pytest.mark.parametrize(("body", "problems"), [
        ({"ids": [1, "x"]}, [("ids.1", "invalid")]),
        ({"ids": 5}, [("ids", "not_a_list")]),
        ({"ids": list(range(1, 502))}, [("ids", "max_length")]),
        ({"id": [1]}, [("id", "unknown")]),
    ])
    def test_bad_input_reads_nothing(self, api, body, problems):
        ana = UserFactory()
        notify(ana)
        answer = api(ana).post("notifications/read", body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert Notification.objects.filter(read_at__isnull=True).count() == 1


class TestPreferences:
    def test_she_changes_what_she_names_and_nothing_else(self, api):
        ana = UserFactory()
        client = api(ana)
        before = client.get("notifications/preferences").json()
        assert before["missed_after_minutes"] == 10
        answer = client.patch("notifications/preferences", {
            "kinds": [{"code": "chat_reply", "email": False}], "missed_after_minutes": 30})
        assert answer.status_code == 200
        after = {row["code"]: row for row in answer.json()["kinds"]}
        assert (after["chat_reply"]["in_app"], after["chat_reply"]["email"]) == (True, False)
        assert after["chat_mention"]["email"] is True
        assert selectors.missed_after_minutes(ana) == 30
        assert selectors.preference_for(ana, "chat_reply") == (True, False)

    @pytest.mark.parametrize(("body", "problems"), [
        ({"kinds": [{"code": "nope"}]}, [("kinds.0.code", "invalid_choice")]),
        ({"kinds": [{"code": "mentor_application"}]}, [("kinds.0.code", "invalid_choice")]),
        ({"kinds": [{"code": "call_started", "email": True}]}, [("kinds.0.email", "invalid")]),
        ({"kinds": [{"code": "chat_reply", "mail": True}]}, [("kinds.0.mail", "unknown")]),
        ({"kinds": [{"code": "chat_reply", "email": "no"}]}, [("kinds.0.email", "invalid")]),
        ({"missed_after_minutes": 7}, [("missed_after_minutes", "invalid_choice")]),
        ({"delay": 10}, [("delay", "unknown")]),
    ])
    def test_bad_input_changes_nothing(self, api, body, problems):
        ana = UserFactory()
        answer = api(ana).patch("notifications/preferences",
                                {**body, "missed_after_minutes": body.get(
                                    "missed_after_minutes", 60)}
                                if "kinds" in body else body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert not Preference.objects.exists()
        assert selectors.missed_after_minutes(ana) == 10
