"""Matching rounds: the solver, the draft's edits, sending, both answers and the waitlist."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import AuditEntry
from mentoring import matching, selectors
from mentoring.models import MatchingRound, Mentorship, Proposal
from mentoring.services import rounds
from notifications.models import Notification
from rooms.services import room_create_group
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.mentoring.factories import active

pytestmark = pytest.mark.django_db


def greedy(scores: np.ndarray, places: list[int]) -> float:
    """Best remaining pair first, as a simple loop would: for comparison only."""
    left, total, taken = list(places), 0.0, set()
    order = sorted(((scores[i, j], i, j) for i in range(scores.shape[0])
                    for j in range(scores.shape[1]) if not np.isnan(scores[i, j])), reverse=True)
    for value, i, j in order:
        if i not in taken and left[j] > 0:
            taken.add(i)
            left[j] -= 1
            total += value
    return total


def total(scores: np.ndarray, chosen: list[int | None]) -> float:
    return sum(scores[i, j] for i, j in enumerate(chosen) if j is not None)


class TestSolver:
    def test_beats_best_pair_first(self):
        scores = np.array([[10.0, 9.0], [8.0, 1.0]])
        chosen = rounds.assign(scores, [1, 1])
        assert chosen == [1, 0]
        assert total(scores, chosen) == 17.0 > greedy(scores, [1, 1]) == 11.0

    def test_capacity_counts_places(self):
        scores = np.array([[5.0, 1.0], [5.0, 1.0], [5.0, 1.0]])
        chosen = rounds.assign(scores, [2, 1])
        assert chosen.count(0) == 2 and chosen.count(1) == 1

    def test_forbidden_pairs_are_never_assigned(self):
        nan = float("nan")
        scores = np.array([[nan, 1.0], [9.0, nan], [nan, nan]])
        assert rounds.assign(scores, [1, 1]) == [1, 0, None]

    def test_no_places_means_nobody_is_matched(self):
        assert rounds.assign(np.array([[3.0, 2.0]]), [0, 0]) == [None]

    def test_waitlisted_mentees_are_matched_first(self):
        scores = np.array([[10.0], [1.0]])
        assert rounds.assign(scores, [1]) == [0, None]
        assert rounds.assign(scores, [1], [False, True]) == [None, 0]

    def test_random_cases_are_never_worse_than_greedy(self):
        rng = np.random.default_rng(3)
        for _ in range(30):
            scores = rng.random((8, 4)) * 10
            scores[rng.random((8, 4)) < 0.2] = np.nan
            places = list(rng.integers(0, 3, 4))
            chosen = rounds.assign(scores, places)
            assert all(chosen.count(j) <= places[j] for j in range(4))
            assert all(j is None or not np.isnan(scores[i, j]) for i, j in enumerate(chosen))
            assert total(scores, chosen) >= greedy(scores, places) - 1e-9


@pytest.fixture
def admin():
    return AdminFactory(name="Ada Admin")


@pytest.fixture
def fixed_scores(monkeypatch):
    """Pool scores chosen by the test, by (mentee, mentor); None forbids the pair."""
    table: dict[tuple[int, int], float | None] = {}
    real = matching.pool

    def pool(mentee_ids, mentor_ids, weights=None):
        result = real(mentee_ids, mentor_ids, weights)
        for i, mentee in enumerate(result.mentees):
            for j, mentor in enumerate(result.mentors):
                if result.scores[i][j] is not None and (mentee.id, mentor.id) in table:
                    result.scores[i][j] = table[mentee.id, mentor.id]
        return result

    monkeypatch.setattr(rounds.matching, "pool", pool)
    return table


def proposal_of(round_, mentee) -> Proposal:
    return round_.proposals.get(mentee=mentee)


class TestRoundStart:
    def test_optimal_pairs_for_the_whole_community(self, admin, fixed_scores):
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        xia, yun = MentorFactory(name="Xia", capacity=1), MentorFactory(name="Yun", capacity=1)
        fixed_scores.update({(ana.pk, xia.pk): 10.0, (ana.pk, yun.pk): 9.0,
                             (bea.pk, xia.pk): 8.0, (bea.pk, yun.pk): 1.0})
        round_ = rounds.round_start(actor=admin)
        assert proposal_of(round_, ana).mentor == yun
        assert proposal_of(round_, bea).mentor == xia
        assert round_.total_fit == 17.0  # best pair first would give 11
        assert round_.status == MatchingRound.Status.DRAFT
        assert AuditEntry.objects.filter(action="matching.round_start").count() == 1

    def test_capacity_blocks_and_open_mentorships_are_respected(self, admin):
        mentor = MentorFactory(capacity=2)
        mentees = [UserFactory() for _ in range(4)]
        active(mentees[0], mentor)  # one place left
        blocked = mentees[1]
        BlockFactory(blocker=blocked, blocked=mentor)
        round_ = rounds.round_start(actor=admin)
        proposed = {p.mentee_id: p.mentor_id for p in round_.proposals.all()}
        assert mentees[0].pk not in proposed  # she has a mentor already
        assert proposed[blocked.pk] is None  # never proposed to the mentor she blocked
        assert list(proposed.values()).count(mentor.pk) == 1  # her one free place
        assert {proposed[mentees[2].pk], proposed[mentees[3].pk]} == {mentor.pk, None}

    def test_a_cohort_round_considers_its_members_only(self, admin):
        mentor = MentorFactory(capacity=3)
        inside, outside = UserFactory(), UserFactory()
        cohort = room_create_group(creator=mentor, name="Spring", topic="", members=[inside])
        round_ = rounds.round_start(actor=admin, cohort=cohort)
        assert list(round_.proposals.values_list("mentee_id", flat=True)) == [inside.pk]
        assert not round_.proposals.filter(mentee=outside).exists()

    def test_only_admins_start_a_round(self):
        UserFactory()
        MentorFactory()
        for who in (UserFactory(), MentorFactory()):
            with pytest.raises(PermissionDenied):
                rounds.round_start(actor=who)
        assert not MatchingRound.objects.exists()


class TestDraftEdits:
    @pytest.fixture
    def draft(self, admin, fixed_scores):
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        xia, yun = MentorFactory(name="Xia", capacity=1), MentorFactory(name="Yun", capacity=2)
        fixed_scores.update({(ana.pk, xia.pk): 5.0, (ana.pk, yun.pk): 1.0,
                             (bea.pk, xia.pk): 1.0, (bea.pk, yun.pk): 5.0})
        return rounds.round_start(actor=admin), ana, bea, xia, yun

    def test_swap_to_a_mentor_with_a_free_place(self, admin, draft):
        round_, ana, _bea, _xia, yun = draft
        proposal = rounds.proposal_swap(actor=admin, proposal=proposal_of(round_, ana), mentor=yun)
        assert proposal.mentor == yun and proposal.score == 1.0
        round_.refresh_from_db()
        assert round_.total_fit == 6.0
        assert AuditEntry.objects.filter(action="matching.proposal_swap").exists()

    def test_a_bad_swap_is_refused_and_changes_nothing(self, admin, draft):
        round_, ana, bea, xia, _yun = draft
        stranger = UserFactory()
        BlockFactory(blocker=xia, blocked=bea)
        before = list(round_.proposals.values_list("mentee_id", "mentor_id", "score", "status"))
        with pytest.raises(ValidationError, match="no free place"):
            rounds.proposal_swap(actor=admin, proposal=proposal_of(round_, bea), mentor=xia)
        with pytest.raises(ValidationError, match="cannot take a mentee"):
            rounds.proposal_swap(actor=admin, proposal=proposal_of(round_, bea), mentor=stranger)
        rounds.proposal_drop(actor=admin, proposal=proposal_of(round_, ana))  # frees Xia
        before = list(round_.proposals.values_list("mentee_id", "mentor_id", "score", "status"))
        with pytest.raises(ValidationError, match="cannot be proposed to each other"):
            rounds.proposal_swap(actor=admin, proposal=proposal_of(round_, bea), mentor=xia)
        assert list(round_.proposals.values_list(
            "mentee_id", "mentor_id", "score", "status")) == before
        assert not AuditEntry.objects.filter(action="matching.proposal_swap").exists()

    def test_drop_lowers_the_total_and_only_admins_edit(self, admin, draft):
        round_, ana, bea, _xia, yun = draft
        with pytest.raises(PermissionDenied):
            rounds.proposal_drop(actor=bea, proposal=proposal_of(round_, ana))
        with pytest.raises(PermissionDenied):
            rounds.proposal_swap(actor=yun, proposal=proposal_of(round_, ana), mentor=yun)
        rounds.proposal_drop(actor=admin, proposal=proposal_of(round_, ana))
        round_.refresh_from_db()
        assert round_.total_fit == 5.0
        assert proposal_of(round_, ana).waitlisted


class TestSendAndAnswer:
    @pytest.fixture
    def sent(self, admin, django_capture_on_commit_callbacks):
        mentee, mentor = UserFactory(name="Ana"), MentorFactory(name="Xia", capacity=1)
        round_ = rounds.round_start(actor=admin)
        with django_capture_on_commit_callbacks(execute=True):
            rounds.round_send(actor=admin, round_=round_)
        return round_, proposal_of(round_, mentee), mentee, mentor

    def test_send_asks_both_and_cannot_be_sent_twice(self, admin, sent):
        round_, proposal, mentee, mentor = sent
        assert proposal.status == Proposal.Status.SENT and proposal.expires_at
        for person in (mentee, mentor):
            assert Notification.objects.filter(user=person, kind="match_proposed").count() == 1
        assert selectors.my_proposals(mentee) == [proposal]
        with pytest.raises(ValidationError, match="already sent"):
            rounds.round_send(actor=admin, round_=round_)
        with pytest.raises(ValidationError, match="is sent"):
            rounds.proposal_drop(actor=admin, proposal=proposal)

    def test_both_accept_and_the_mentorship_opens_with_its_room(self, sent):
        _round, proposal, mentee, mentor = sent
        proposal = rounds.proposal_answer(user=mentee, proposal=proposal, accept=True)
        assert proposal.status == Proposal.Status.MENTEE_ACCEPTED
        assert not Mentorship.objects.exists()
        with pytest.raises(PermissionDenied):  # she answered already
            rounds.proposal_answer(user=mentee, proposal=proposal, accept=True)
        proposal = rounds.proposal_answer(user=mentor, proposal=proposal, accept=True)
        assert proposal.status == Proposal.Status.ACCEPTED
        mentorship = Mentorship.objects.get(mentee=mentee, mentor=mentor)
        assert mentorship.status == Mentorship.Status.ACTIVE and mentorship.room_id
        assert proposal.mentorship == mentorship
        mentor.profile.refresh_from_db()
        assert mentor.profile.active_mentees == 1
        assert selectors.my_proposals(mentee) == []

    def test_a_decline_puts_her_on_the_waitlist_and_the_next_round_takes_her_first(
            self, admin, sent):
        _round, proposal, mentee, mentor = sent
        rounds.proposal_answer(user=mentor, proposal=proposal, accept=False)
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.DECLINED and proposal.waitlisted
        assert Notification.objects.filter(user=mentee, kind="match_declined").exists()
        assert [p.mentee for p in selectors.waitlist()] == [mentee]
        newcomer = UserFactory()
        other = MentorFactory(capacity=1)
        second = rounds.round_start(actor=admin)
        # Never the mentor she was declined with: the other one, first in line.
        assert proposal_of(second, mentee).mentor == other
        assert proposal_of(second, newcomer).mentor in (mentor, None)
        # Nor by hand: the admin's swap is refused and changes nothing.
        with pytest.raises(ValidationError, match="declined this pair in an earlier round"):
            rounds.proposal_swap(actor=admin, proposal=proposal_of(second, mentee),
                                 mentor=mentor)
        assert proposal_of(second, mentee).mentor == other
        assert all(choice[0] != mentor.pk for row in selectors.round_rows(second)
                   if row.proposal.mentee_id == mentee.pk for choice in row.choices)

    def test_outsiders_and_blocked_members_cannot_answer(self, sent):
        _round, proposal, mentee, mentor = sent
        for who in (UserFactory(), AdminFactory()):
            with pytest.raises(PermissionDenied):
                rounds.proposal_answer(user=who, proposal=proposal, accept=True)
        BlockFactory(blocker=mentee, blocked=mentor)
        with pytest.raises(PermissionDenied):
            rounds.proposal_answer(user=mentor, proposal=proposal, accept=True)

    def test_unanswered_proposals_expire(self, sent):
        from datetime import timedelta

        _round, proposal, mentee, _mentor = sent
        assert rounds.proposals_sweep(now=proposal.expires_at + timedelta(seconds=1)) == 1
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.EXPIRED
        assert [p.mentee for p in selectors.waitlist()] == [mentee]

    def test_a_block_after_the_draft_stops_the_send(self, admin):
        mentee, mentor = UserFactory(name="Ana"), MentorFactory(name="Xia", capacity=1)
        round_ = rounds.round_start(actor=admin)
        BlockFactory(blocker=mentee, blocked=mentor)
        with pytest.raises(ValidationError, match="can no longer be proposed"):
            rounds.round_send(actor=admin, round_=round_)
        assert proposal_of(round_, mentee).status == Proposal.Status.PROPOSED


def test_the_waitlist_is_matched_before_newcomers(admin, fixed_scores):
    waiting, newcomer = UserFactory(name="Wendy"), UserFactory(name="Nora")
    first_mentor = MentorFactory(capacity=1)
    fixed_scores[waiting.pk, first_mentor.pk] = 9.0
    fixed_scores[newcomer.pk, first_mentor.pk] = 1.0
    first = rounds.round_start(actor=admin)
    rounds.proposal_drop(actor=admin, proposal=proposal_of(first, waiting))
    rounds.proposal_swap(actor=admin, proposal=proposal_of(first, newcomer), mentor=first_mentor)
    rounds.round_send(actor=admin, round_=first)
    assert [p.mentee for p in selectors.waitlist()] == [waiting]
    rounds.proposal_answer(user=first_mentor, proposal=proposal_of(first, newcomer),
                           accept=False)
    # Both wait now. One place left, and a new member who fits it far better: the
    # waitlist still comes first.
    later = UserFactory(name="Zara")
    second_mentor = MentorFactory(capacity=1)
    MentorFactory._meta.model.objects.filter(pk=first_mentor.pk).update(is_active=False)
    fixed_scores[later.pk, second_mentor.pk] = 50.0
    fixed_scores[waiting.pk, second_mentor.pk] = 1.0
    fixed_scores[newcomer.pk, second_mentor.pk] = 1.0
    second = rounds.round_start(actor=admin)
    assert proposal_of(second, later).mentor is None
    assert proposal_of(second, waiting).mentor == second_mentor or \
        proposal_of(second, newcomer).mentor == second_mentor


def test_organisers_read_each_pair_in_their_own_language(admin):
    from django.utils import translation

    from community.models import Topic
    from tests.community.factories import profile_fill

    topic = Topic.objects.create(kind="skill", name="Negotiation", name_fr="Négociation")
    ana = profile_fill(UserFactory(name="Ana"), wants_topics=[topic], languages=["fr"])
    profile_fill(MentorFactory(name="Xia", capacity=1), skills=[topic], languages=["fr"])
    with translation.override("fr"):
        round_ = rounds.round_start(actor=admin)
    proposal = proposal_of(round_, ana)
    with translation.override("en"):
        assert "Xia offers Negotiation, which Ana wants to develop" in proposal.reasons_now()
    with translation.override("fr"):
        assert "Xia propose : Négociation, que Ana veut développer" in proposal.reasons_now()
@pytest.mark.postgres  # row locks: SQLite takes the write lock up front
@pytest.mark.django_db(transaction=True)
def test_a_swap_while_the_round_is_being_sent_waits_and_is_refused(monkeypatch):
    """Two admins: one sends the draft while the other swaps one of its pairs. The swap
    waits for the send and is refused; the pair sent is the pair both members are told."""
    import threading
    import time

    from django.db import connection

    admin, other_admin = AdminFactory(), AdminFactory()
    mentee = UserFactory(name="Ana")
    xia, yun = MentorFactory(name="Xia", capacity=1), MentorFactory(name="Yun", capacity=1)
    round_ = rounds.round_start(actor=admin)
    proposal = proposal_of(round_, mentee)
    other = yun if proposal.mentor_id == xia.pk else xia
    locked, go = threading.Event(), threading.Event()
    real = rounds._send_problems

    def slow_problems(pairs):
        locked.set()  # the round is locked and its pairs read
        go.wait(10)
        return real(pairs)

    monkeypatch.setattr(rounds, "_send_problems", slow_problems)
    outcomes: dict[str, str] = {}

    def run(name, action):
        try:
            action()
            outcomes[name] = "done"
        except ValidationError:
            outcomes[name] = "refused"
        except Exception as error:  # a deadlock, for one
            outcomes[name] = type(error).__name__
        finally:
            connection.close()

    sender = threading.Thread(target=run, args=(
        "send", lambda: rounds.round_send(actor=admin, round_=round_)))
    swapper = threading.Thread(target=run, args=(
        "swap", lambda: rounds.proposal_swap(actor=other_admin, proposal=proposal,
                                             mentor=other)))
    sender.start()
    assert locked.wait(10)
    swapper.start()
    # The send goes on only once the swap is seen waiting on the round's lock: a lock
    # PostgreSQL has not granted yet (a bounded watch, not a guess at how long it takes).
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # This database's backends only: CI runs another suite beside this one.
            cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                           "ON a.pid = l.pid WHERE NOT l.granted "
                           "AND a.datname = current_database()")
            if cursor.fetchone()[0]:
                break
        else:
            pytest.fail("the swap never waited for the send's lock")
    go.set()
    sender.join(30)
    swapper.join(30)
    assert outcomes == {"send": "done", "swap": "refused"}
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT and proposal.mentor_id != other.pk
    assert Notification.objects.get(user=proposal.mentor, kind="match_proposed")
    assert not Notification.objects.filter(user=other, kind="match_proposed").exists()
