"""Matching round pages: the admin's pages, her proposal card, and who may see or use them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentoring import permissions as p
from mentoring.models import MatchingRound, Mentorship, Proposal
from mentoring.services import rounds
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


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def people():
    # Léa wants what Nadia offers, so Nadia's one place is hers whatever the rows' order.
    topic = TopicFactory(name="Negotiation")
    return {"admin": AdminFactory(name="Ada Admin"),
            "mentee": profile_fill(UserFactory(name="Léa Mentee"), wants_topics=[topic]),
            "mentor": profile_fill(MentorFactory(name="Nadia Mentor", capacity=1),
                                   skills=[topic]),
            "outsider": UserFactory(name="Olga Outsider")}


@pytest.mark.parametrize("who,allowed", [
    ("admin", True), ("mentee", False), ("mentor", False), ("outsider", False)])
def test_only_admins_run_rounds(people, client, who, allowed):
    user = people[who]
    assert p.can_run_matching_round(user) is allowed
    login(client, user)
    assert client.get(reverse("matching_rounds")).status_code == (200 if allowed else 403)
    response = client.post(reverse("matching_rounds"), {"cohort": ""})
    assert response.status_code == (302 if allowed else 403)
    assert MatchingRound.objects.exists() is allowed


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("matching_rounds"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_starts_swaps_drops_and_sends(people, client):
    admin = people["admin"]
    people["outsider"].delete()  # two mentees, two places
    negotiation = people["mentor"].profile.skills.get()
    other_mentor = profile_fill(MentorFactory(name="Zoé Mentor", capacity=1),
                                skills=[negotiation])
    second = UserFactory(name="Mia Mentee")
    login(client, admin)
    assert "Matching rounds" in client.get(reverse("matching_weights")).content.decode()
    response = client.post(reverse("matching_rounds"), {"cohort": ""})
    round_ = MatchingRound.objects.get()
    assert response["Location"] == reverse("matching_round", args=[round_.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Léa Mentee" in page and "Mia Mentee" in page and "Overall fit" in page
    lea = round_.proposals.get(mentee=people["mentee"])
    mia = round_.proposals.get(mentee=second)
    # A full mentor is refused with words, and nothing changes.
    page = client.post(reverse("matching_round", args=[round_.pk]), {
        "action": "swap", "proposal": lea.pk, "mentor": mia.mentor_id}, follow=True
    ).content.decode()
    assert "no free place left" in page
    assert round_.proposals.get(pk=lea.pk).mentor_id == lea.mentor_id
    client.post(reverse("matching_round", args=[round_.pk]), {"action": "drop", "proposal": mia.pk})
    freed = mia.mentor_id
    client.post(reverse("matching_round", args=[round_.pk]), {
        "action": "swap", "proposal": lea.pk, "mentor": freed})
    assert round_.proposals.get(pk=lea.pk).mentor_id == freed
    # Sending asks for a confirmation first.
    assert "Yes, send the proposals" in client.get(
        reverse("matching_round", args=[round_.pk]) + "?confirm=send").content.decode()
    client.post(reverse("matching_round", args=[round_.pk]), {"action": "send"})
    assert MatchingRound.objects.get().status == MatchingRound.Status.DRAFT
    client.post(reverse("matching_round", args=[round_.pk]), {"action": "send", "confirmed": "1"})
    assert MatchingRound.objects.get().status == MatchingRound.Status.SENT
    assert round_.proposals.get(pk=mia.pk).waitlisted
    assert "Mia Mentee" in client.get(reverse("matching_rounds")).content.decode()  # waitlist
    assert other_mentor  # one of the two mentors


def test_both_answer_on_their_mentoring_page(people, client):
    admin, mentee, mentor = people["admin"], people["mentee"], people["mentor"]
    round_ = rounds.round_start(actor=admin)
    proposal = round_.proposals.get(mentee=mentee)
    # A draft is not shown to the pair.
    assert "Proposed by the programme team" not in login(client, mentee).get(
        reverse("mentoring")).content.decode()
    rounds.round_send(actor=admin, round_=round_)
    page = client.get(reverse("mentoring")).content.decode()
    assert "Proposed by the programme team" in page and "Nadia Mentor" in page
    assert "as your mentor" in page
    client.post(reverse("proposal_answer", args=[proposal.pk]), {"answer": "accept"})
    assert "You accepted" in client.get(reverse("mentoring")).content.decode()
    # A second click (another tab) is told, and changes nothing.
    again = client.post(reverse("proposal_answer", args=[proposal.pk]), {"answer": "decline"},
                        follow=True)
    assert again.status_code == 200
    assert "You already answered this proposal." in again.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.MENTEE_ACCEPTED
    client.logout()
    login(client, mentor)
    assert "Léa Mentee" in client.get(reverse("mentoring")).content.decode()
    response = client.post(reverse("proposal_answer", args=[proposal.pk]), {"answer": "accept"})
    mentorship = Mentorship.objects.get(mentee=mentee, mentor=mentor)
    assert response["Location"] == reverse("room", args=[mentorship.room_id])


def test_outsiders_and_admins_cannot_see_or_answer_a_proposal(people, client):
    round_ = rounds.round_start(actor=people["admin"])
    rounds.round_send(actor=people["admin"], round_=round_)
    proposal = round_.proposals.get(mentee=people["mentee"])
    for who in ("outsider", "admin"):
        client.logout()
        login(client, people[who])
        assert client.post(reverse("proposal_answer", args=[proposal.pk]),
                           {"answer": "accept"}).status_code == 404
        assert not p.can_view_proposal(people[who], proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.SENT


def test_a_blocked_member_cannot_answer_and_is_never_offered(people, client):
    admin, mentee, mentor = people["admin"], people["mentee"], people["mentor"]
    round_ = rounds.round_start(actor=admin)
    rounds.round_send(actor=admin, round_=round_)
    proposal = round_.proposals.get(mentee=mentee)
    BlockFactory(blocker=mentor, blocked=mentee)
    assert p.can_view_proposal(mentee, proposal) and not p.can_answer_proposal(mentee, proposal)
    login(client, mentee)
    assert "Accept" not in client.get(reverse("mentoring")).content.decode().split(
        'id="proposals"')[1].split("</section>")[0]
    assert client.post(reverse("proposal_answer", args=[proposal.pk]),
                       {"answer": "accept"}).status_code == 403
    # A new round never proposes the blocked pair: the newcomer is the only mentee left to
    # match and the blocked mentor the only free place, and still she waits.
    people["outsider"].delete()
    newcomer = UserFactory()
    blocked = MentorFactory(capacity=1)
    BlockFactory(blocker=newcomer, blocked=blocked)
    second = rounds.round_start(actor=admin)
    assert [(r.mentee_id, r.mentor_id) for r in second.proposals.all()] == [(newcomer.pk, None)]
    with pytest.raises(ValidationError):
        rounds.proposal_swap(actor=admin, proposal=second.proposals.get(), mentor=blocked)


def test_an_answer_that_is_neither_accept_nor_decline_changes_nothing(people, client):
    round_ = rounds.round_start(actor=people["admin"])
    rounds.round_send(actor=people["admin"], round_=round_)
    proposal = round_.proposals.get(mentee=people["mentee"])
    login(client, people["mentee"])
    for data in ({}, {"answer": "yes"}, {"answer": "Accept"}):
        assert client.post(reverse("proposal_answer", args=[proposal.pk]),
                           data).status_code == 404
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.SENT


def test_a_blocked_pair_is_not_told_she_accepted(people, client):
    """A block after the send: neither can answer, and the card does not claim an answer
    she never gave."""
    admin, mentee, mentor = people["admin"], people["mentee"], people["mentor"]
    round_ = rounds.round_start(actor=admin)
    rounds.round_send(actor=admin, round_=round_)
    BlockFactory(blocker=mentor, blocked=mentee)
    for who in (mentee, mentor):
        client.logout()
        card = login(client, who).get(reverse("mentoring")).content.decode().split(
            'id="proposals"')[1].split("</section>")[0]
        assert "You accepted" not in card and "Waiting for" not in card
        assert "can no longer be answered" in card

