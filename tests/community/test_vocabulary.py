"""The topic vocabulary: add, rename, merge, retire, bring back; what each changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community import vocabulary
from community.forms import MentorApplicationForm, PeopleSearchForm, ProfileForm
from community.models import AuditEntry, MentorApplication, Topic
from community.search import profile_search
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AdminFactory()


def test_add_a_topic_and_refuse_a_duplicate_in_any_case(admin):
    topic = vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="  Public   speaking ",
                                    name_fr="Prise de parole")
    assert (topic.name, topic.kind) == ("Public speaking", Topic.Kind.SKILL)
    assert AuditEntry.objects.get(action="topic.add").target_repr == "Public speaking"
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="public SPEAKING")
    assert error.value.message_dict["name"] == ["There is already a topic named Public speaking."]
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name=" ")
    assert "name" in error.value.message_dict
    assert Topic.objects.count() == 1


def test_a_member_changes_nothing():
    member = UserFactory()
    topic = TopicFactory(name="Cloud")
    with pytest.raises(PermissionDenied):
        vocabulary.topic_create(actor=member, kind=Topic.Kind.SKILL, name="Go")
    with pytest.raises(PermissionDenied):
        vocabulary.topic_rename(actor=member, topic=topic, name="Clouds", name_fr="")
    with pytest.raises(PermissionDenied):
        vocabulary.topic_retire(actor=member, topic=topic)
    topic.refresh_from_db()
    assert topic.name == "Cloud" and topic.retired_at is None
    assert not AuditEntry.objects.exists()


def test_rename_shows_at_once_and_search_finds_the_new_name(admin):
    topic = TopicFactory(name="Operations")
    member = profile_fill(UserFactory(name="Kim"), expertise=[topic])
    assert vocabulary.topic_usage(topic).profiles == 1
    vocabulary.topic_rename(actor=admin, topic=topic, name="Platform engineering",
                            name_fr="Ingénierie de plateforme")
    assert list(profile_search(admin, query="platform")) == [member]
    assert not profile_search(admin, query="operations").exists()
    entry = AuditEntry.objects.get(action="topic.rename")
    assert entry.details["before"]["name"] == "Operations"


def test_rename_into_an_existing_name_changes_nothing(admin):
    TopicFactory(name="Cloud")
    other = TopicFactory(name="Clowd")
    with pytest.raises(ValidationError):
        vocabulary.topic_rename(actor=admin, topic=other, name="cloud", name_fr="")
    other.refresh_from_db()
    assert other.name == "Clowd" and not AuditEntry.objects.exists()


def test_merge_moves_every_profile_and_application_once(admin):
    old, new = TopicFactory(name="Leadrship"), TopicFactory(name="Leadership")
    both = profile_fill(UserFactory(), expertise=[old, new])
    only_old = profile_fill(UserFactory(name="Olive"), expertise=[old], wants_topics=[old])
    application = ApplicationFactory(expertise=[old])
    usage = vocabulary.topic_usage(old)
    assert (usage.profiles, usage.expertise, usage.wanted, usage.pending_applications) == (
        2, 2, 1, 1)
    vocabulary.topic_merge(actor=admin, topic=old, into=new)
    assert not Topic.objects.filter(pk=old.pk).exists()
    assert list(both.profile.expertise.all()) == [new]
    assert list(only_old.profile.expertise.all()) == [new]
    assert list(only_old.profile.wants_topics.all()) == [new]
    assert list(MentorApplication.objects.get(pk=application.pk).expertise.all()) == [new]
    assert only_old in profile_search(admin, query="leadership")
    entry = AuditEntry.objects.get(action="topic.merge")
    assert entry.details["merged"]["name"] == "Leadrship" and entry.details["profiles"] == 2


def test_merge_across_kinds_or_into_itself_is_refused(admin):
    expertise = TopicFactory(name="Data")
    skill = TopicFactory(name="SQL", kind=Topic.Kind.SKILL)
    member = profile_fill(UserFactory(), expertise=[expertise])
    for into in (skill, expertise):
        with pytest.raises(ValidationError):
            vocabulary.topic_merge(actor=admin, topic=expertise, into=into)
    assert list(member.profile.expertise.all()) == [expertise]


def test_retire_takes_it_off_profiles_and_lists_but_not_off_decided_applications(admin):
    topic, kept = TopicFactory(name="Flash"), TopicFactory(name="Design")
    member = profile_fill(UserFactory(), expertise=[topic, kept], wants_topics=[topic])
    decided = ApplicationFactory(expertise=[topic], status=MentorApplication.Status.APPROVED)
    waiting = ApplicationFactory(expertise=[topic, kept])
    vocabulary.topic_retire(actor=admin, topic=topic)
    assert list(member.profile.expertise.all()) == [kept]
    assert not member.profile.wants_topics.exists()
    assert list(decided.expertise.all()) == [topic]
    assert list(waiting.expertise.all()) == [kept]
    assert not profile_search(admin, query="flash").exists()
    for form in (ProfileForm(member=member), MentorApplicationForm(applicant=member),
                 PeopleSearchForm()):
        field = form.fields["expertise"]
        assert topic not in field.queryset and kept in field.queryset  # type: ignore[attr-defined]
    assert topic not in ProfileForm(member=member).fields["wants_topics"].queryset  # type: ignore[attr-defined]
    assert AuditEntry.objects.get(action="topic.retire").details["profiles"] == 1
    # Brought back, it can be chosen again; profiles do not get it back.
    vocabulary.topic_restore(actor=admin, topic=topic)
    assert topic in MentorApplicationForm(applicant=member).fields["expertise"].queryset  # type: ignore[attr-defined]
    assert list(member.profile.expertise.all()) == [kept]
    assert AuditEntry.objects.filter(action="topic.restore").exists()


def test_profile_counts_for_the_list(admin):
    topic, unused = TopicFactory(), TopicFactory()
    profile_fill(UserFactory(), expertise=[topic], wants_topics=[topic])
    profile_fill(UserFactory(), wants_topics=[topic])
    counts = vocabulary.topic_profile_counts()
    assert counts[topic.pk] == 2 and unused.pk not in counts
