"""Matching weights in the Manage section: checked, saved, audited, previewed unsaved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.models import AuditEntry
from mentoring.models import MatchWeights
from mentoring.services.weights import weights_check, weights_update
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

DEFAULTS = {name: MatchWeights._meta.get_field(name).default for name in MatchWeights.FIELDS}


def typed(**changes: object) -> dict[str, object]:
    return {**DEFAULTS, **changes}


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


# --- Service ---------------------------------------------------------------------------

def test_save_changes_the_weights_and_audits_what_changed():
    admin = AdminFactory()
    weights_update(actor=admin, values=typed(city=4, topics="2.5"))
    saved = MatchWeights.current()
    assert (saved.city, saved.topics, saved.keywords) == (4.0, 2.5, 2.0)
    entry = AuditEntry.objects.get(action="matching.weights")
    assert entry.details["changes"] == {"city": [0.5, 4.0], "topics": [3.0, 2.5]}
    weights_update(actor=admin, values=typed(city=4, topics=2.5))  # no change, no entry
    assert AuditEntry.objects.filter(action="matching.weights").count() == 1


@pytest.mark.parametrize("values,field", [
    (typed(city=-1), "city"), (typed(city=10.5), "city"), (typed(city="lots"), "city"),
    (typed(city=float("nan")), "city"), (typed(topics=float("inf")), "topics"),
    ({k: v for k, v in DEFAULTS.items() if k != "industry"}, "industry")])
def test_bad_input_changes_nothing(values, field):
    with pytest.raises(ValidationError) as error:
        weights_update(actor=AdminFactory(), values=values)
    assert field in error.value.message_dict
    assert MatchWeights.current().city == 0.5 and not AuditEntry.objects.exists()


def test_all_zero_is_refused_with_a_reason():
    with pytest.raises(ValidationError) as error:
        weights_check(dict.fromkeys(MatchWeights.FIELDS, 0))
    assert "At least one weight must be above 0" in error.value.messages[0]


def test_only_admins_save():
    with pytest.raises(PermissionDenied):
        weights_update(actor=MentorFactory(), values=typed(city=4))
    assert MatchWeights.current().city == 0.5


# --- Page ------------------------------------------------------------------------------

@pytest.fixture
def pair():
    """Léa wants negotiation; both offer it, Nadia in Léa's time zone, Olga in her city."""
    negotiation = TopicFactory(name="Negotiation")
    lea = profile_fill(UserFactory(name="Léa Mentee"), wants_topics=[negotiation],
                       city="Montréal", time_zone="America/Toronto", languages=["en"])
    nadia = profile_fill(MentorFactory(name="Nadia Mentor"), expertise=[negotiation],
                         time_zone="America/Toronto", languages=["en"])
    olga = profile_fill(MentorFactory(name="Olga Mentor"), expertise=[negotiation],
                        city="Montréal", languages=["en"])
    return lea, nadia, olga


def test_page_explains_each_weight_and_lists_mentees(client, pair):
    text = login(client, AdminFactory()).get(reverse("matching_weights")).content.decode()
    assert "Both live in the same city; counts only as far as the mentor offers" in text
    assert "Topics the mentee wants to develop, picked or named in her own words" in text
    assert 'value="0.5"' in text and "Léa Mentee" in text
    assert 'aria-describedby="id_city_helptext"' in text


def test_preview_ranks_with_typed_weights_and_saves_nothing(client, pair):
    lea, nadia, olga = pair
    login(client, AdminFactory())
    response = client.post(reverse("matching_weights"), {
        **typed(topics=0, city=9), "mentee": lea.pk, "action": "preview"})
    text = response.content.decode()
    assert text.index("Olga Mentor") < text.index("Nadia Mentor")
    assert "Nothing is saved yet." in text and "was 2" in text
    assert "Both in Montréal" in text
    assert MatchWeights.current().city == 0.5 and not AuditEntry.objects.exists()


def test_preview_without_a_mentee_says_so(client, pair):
    login(client, AdminFactory())
    text = client.post(reverse("matching_weights"), {**typed(), "action": "preview"}
                       ).content.decode()
    assert "Choose a mentee to preview her recommendations." in text


def test_save_then_shows_her_mentors_with_the_saved_weights(client, pair):
    lea, nadia, olga = pair
    login(client, AdminFactory())
    response = client.post(reverse("matching_weights"), {
        **typed(topics=0, city=9), "mentee": lea.pk, "action": "save"}, follow=True)
    text = response.content.decode()
    assert "The matching weights are saved." in text
    assert "Mentors for Léa Mentee, with the saved weights" in text
    assert text.index("Olga Mentor") < text.index("Nadia Mentor")
    assert MatchWeights.current().city == 9


def test_bad_input_shows_the_error_and_keeps_what_was_typed(client, pair):
    login(client, AdminFactory())
    response = client.post(reverse("matching_weights"), {
        **typed(city=12, topics=7), "action": "save"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number from 0 to 10." in text and 'value="7' in text
    assert MatchWeights.current().topics == 3.0 and not AuditEntry.objects.exists()
    text = client.post(reverse("matching_weights"), {
        **dict.fromkeys(MatchWeights.FIELDS, 0), "action": "save"}).content.decode()
    assert "At least one weight must be above 0" in text


@pytest.mark.parametrize("who", ["member", "mentor", "blocked member"])
def test_members_are_refused(client, who):
    user = MentorFactory() if who == "mentor" else UserFactory()
    if who == "blocked member":
        BlockFactory(blocker=UserFactory(), blocked=user)
    login(client, user)
    assert client.get(reverse("matching_weights")).status_code == 403
    assert client.post(reverse("matching_weights"), {**typed(city=9), "action": "save"}
                       ).status_code == 403
    assert MatchWeights.current().city == 0.5


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("matching_weights"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_tab_is_in_the_manage_pages(client):
    text = login(client, AdminFactory()).get(reverse("programme_dashboard")).content.decode()
    assert reverse("matching_weights") in text and reverse("topics") in text


def test_the_time_zone_text_says_where_the_factor_reaches_nothing():
    from mentoring import matching
    from mentoring.forms import WEIGHT_TEXTS

    assert matching._time_zone(2) == 1.0 > matching._time_zone(2.5)
    assert matching._time_zone(6.9) > 0 == matching._time_zone(7)
    assert str(WEIGHT_TEXTS["time_zone"][1]).endswith(
        "about half at three hours apart and not at all from seven.")
    assert 0.45 < matching._time_zone(3) < 0.6
