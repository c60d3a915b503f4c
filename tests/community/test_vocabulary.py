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


# --- Other words (synonyms) --------------------------------------------------------------

@pytest.fixture
def reindexed(monkeypatch):
    """Counts every full re-index the task worker runs (the immediate backend in tests)."""
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return 0

    monkeypatch.setattr("community.search.profiles_reindex", count)
    return calls


def test_other_words_are_trimmed_deduplicated_audited_and_reindex_everyone(
        admin, reindexed, django_capture_on_commit_callbacks):
    topic = TopicFactory(name="Software engineering", name_fr="Génie logiciel")
    with django_capture_on_commit_callbacks(execute=True):
        vocabulary.topic_synonyms_set(
            actor=admin, topic=topic,
            synonyms=["  coding ", "Coding", "writing   code", "", "software ENGINEERING"],
            synonyms_fr=["programmation", "Programmation", "génie LOGICIEL"])
    topic.refresh_from_db()
    assert topic.synonyms == ["coding", "writing code"]
    assert topic.synonyms_fr == ["programmation"]
    entry = AuditEntry.objects.get(action="topic.synonyms")
    assert entry.details["before"] == {"synonyms": [], "synonyms_fr": []}
    assert entry.details["after"]["synonyms"] == ["coding", "writing code"]
    assert len(reindexed) == 1
    # Saving the same words again changes nothing and re-indexes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        vocabulary.topic_synonyms_set(actor=admin, topic=topic, synonyms=["coding", "writing code"],
                                      synonyms_fr=["programmation"])
    assert AuditEntry.objects.filter(action="topic.synonyms").count() == 1
    assert len(reindexed) == 1


def test_a_word_of_another_topic_is_refused_naming_it(admin, reindexed,
                                                      django_capture_on_commit_callbacks):
    TopicFactory(name="Data science", synonyms=["analytics"], synonyms_fr=["données"])
    TopicFactory(name="SQL", kind=Topic.Kind.SKILL)
    topic = TopicFactory(name="Business intelligence", synonyms=["BI"])
    for words, words_fr, field, message in (
        (["dashboards", "Analytics"], [], "synonyms",
         "“Analytics” already stands for the topic Data science."),
        ([], ["Données"], "synonyms_fr", "“Données” already stands for the topic Data science."),
        (["sql"], [], "synonyms", "“sql” already stands for the topic SQL."),
    ):
        with django_capture_on_commit_callbacks(execute=True), \
                pytest.raises(ValidationError) as error:
            vocabulary.topic_synonyms_set(actor=admin, topic=topic, synonyms=words,
                                          synonyms_fr=words_fr)
        assert error.value.message_dict[field] == [message]
    topic.refresh_from_db()
    assert topic.synonyms == ["BI"] and topic.synonyms_fr == []
    assert not AuditEntry.objects.exists() and not reindexed


def test_too_many_or_too_long_words_change_nothing(admin):
    topic = TopicFactory(name="Leadership", synonyms=["management"])
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_synonyms_set(actor=admin, topic=topic,
                                      synonyms=[f"word {n}" for n in range(31)], synonyms_fr=[])
    assert error.value.message_dict["synonyms"] == [
        "At most 30 words or phrases in each language (there are 31)."]
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_synonyms_set(actor=admin, topic=topic, synonyms=[],
                                      synonyms_fr=["x" * 81])
    assert "at most 80 characters" in error.value.message_dict["synonyms_fr"][0]
    # Thirty words of eighty characters are fine.
    vocabulary.topic_synonyms_set(actor=admin, topic=topic,
                                  synonyms=[f"{n:02} " + "w" * 77 for n in range(30)],
                                  synonyms_fr=[])
    topic.refresh_from_db()
    assert len(topic.synonyms) == 30
    topic.full_clean()  # the model's own validator agrees


def test_a_member_cannot_change_other_words():
    topic = TopicFactory(name="Cloud")
    with pytest.raises(PermissionDenied):
        vocabulary.topic_synonyms_set(actor=UserFactory(), topic=topic, synonyms=["aws"],
                                      synonyms_fr=[])
    topic.refresh_from_db()
    assert topic.synonyms == [] and not AuditEntry.objects.exists()


def test_a_new_topic_comes_with_its_other_words(admin, reindexed,
                                                django_capture_on_commit_callbacks):
    TopicFactory(name="Presenting skills", kind=Topic.Kind.SKILL, synonyms=["slides"])
    with django_capture_on_commit_callbacks(execute=True):
        topic = vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="Public speaking",
                                        name_fr="Prise de parole",
                                        synonyms=["presenting", "talks"],
                                        synonyms_fr=["parler en public"])
    assert (topic.synonyms, topic.synonyms_fr) == (["presenting", "talks"], ["parler en public"])
    assert AuditEntry.objects.get(action="topic.add").details["synonyms"] == [
        "presenting", "talks"]
    assert len(reindexed) == 1
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="Keynotes",
                                synonyms=["Slides"])
    assert error.value.message_dict["synonyms"] == [
        "“Slides” already stands for the topic Presenting skills."]
    assert not Topic.objects.filter(name="Keynotes").exists()


def test_merge_moves_the_names_and_other_words_into_the_target(
        admin, reindexed, django_capture_on_commit_callbacks):
    old = TopicFactory(name="Coding", name_fr="Codage", synonyms=["programming", "Software dev"],
                       synonyms_fr=["programmation"])
    new = TopicFactory(name="Software engineering", name_fr="Génie logiciel",
                       synonyms=["software dev"], synonyms_fr=[])
    member = profile_fill(UserFactory(), expertise=[old])
    with django_capture_on_commit_callbacks(execute=True):
        vocabulary.topic_merge(actor=admin, topic=old, into=new)
    new.refresh_from_db()
    assert new.synonyms == ["software dev", "Coding", "programming"]
    assert new.synonyms_fr == ["Codage", "programmation"]
    assert list(member.profile.expertise.all()) == [new]
    entry = AuditEntry.objects.get(action="topic.merge")
    assert entry.details["merged"]["synonyms"] == ["programming", "Software dev"]
    assert entry.details["after"]["synonyms"] == new.synonyms
    assert len(reindexed) == 1


def test_merge_that_would_exceed_the_limit_is_refused(admin):
    old = TopicFactory(name="Old", synonyms=[f"old {n}" for n in range(20)])
    new = TopicFactory(name="New", synonyms=[f"new {n}" for n in range(20)])
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_merge(actor=admin, topic=old, into=new)
    assert "more than 30 other words" in error.value.message_dict["into"][0]
    assert Topic.objects.filter(pk=old.pk).exists()
    new.refresh_from_db()
    assert len(new.synonyms) == 20 and not AuditEntry.objects.exists()


def test_a_new_or_renamed_topic_may_not_be_named_by_another_topics_word(admin):
    """A word stands for one topic only, whichever way round it comes: a name that is
    already another topic's other word is refused, as the other word would be."""
    TopicFactory(name="Software engineering", synonyms=["coding"],
                 synonyms_fr=["programmation"])
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="Coding")
    assert error.value.message_dict["name"] == [
        "“Coding” already stands for the topic Software engineering."]
    topic = vocabulary.topic_create(actor=admin, kind=Topic.Kind.SKILL, name="Testing")
    with pytest.raises(ValidationError) as error:
        vocabulary.topic_rename(actor=admin, topic=topic, name="Testing",
                                name_fr="Programmation")
    assert error.value.message_dict["name_fr"] == [
        "“Programmation” already stands for the topic Software engineering."]
    topic.refresh_from_db()
    assert (topic.name, topic.name_fr) == ("Testing", "")
    assert not Topic.objects.filter(name="Coding").exists()
