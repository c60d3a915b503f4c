"""The topic vocabulary: what uses a topic, and every change the admins make to it.

Topic names are part of each profile's search texts (`community.search.profile_texts`),
so a change re-indexes the profiles that list the topic, inside the same transaction:
a search never finds a profile by a name it no longer shows. Every change is audited.
Merging and retiring take the topic off profiles: the page shows `topic_usage` first.

A topic's names and other words (`synonyms`, `synonyms_fr`) let matching recognise it in
what members write. Any profile's text may contain them, so every change to the vocabulary
(a topic added, renamed, merged, retired or restored, its other words changed) also
re-indexes every profile, in the task worker after the commit
(`community.tasks.profiles_reindex`): the admin's page answers at once. A word means one
topic only: it may not be another topic's name or word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions, tasks
from community.audit import audit_record
from community.models import MentorApplication, Profile, Topic, User
from community.search import normalise, profile_index

# Each language's list of other words: at most this many, each at most this long.
SYNONYMS_MAX = 30
SYNONYM_LENGTH = 80

# The three ways a profile lists a topic, by the name of the Profile field.
PROFILE_FIELDS = ("expertise", "skills", "wants_topics")


@dataclass(frozen=True)
class Usage:
    """How many profiles list a topic, and how."""

    expertise: int
    skills: int
    wanted: int
    profiles: int  # distinct profiles, whichever way they list it
    pending_applications: int


def _profile_ids(topic_ids: list[int]) -> set[int]:
    ids: set[int] = set()
    for name in PROFILE_FIELDS:
        through = getattr(Profile, name).through
        ids.update(through._default_manager.filter(topic_id__in=topic_ids)
                   .values_list("profile_id", flat=True))
    return ids


def topic_usage(topic: Topic) -> Usage:
    def count(name: str) -> int:
        through = getattr(Profile, name).through
        return int(through._default_manager.filter(topic_id=topic.pk).count())

    return Usage(
        expertise=count("expertise"), skills=count("skills"), wanted=count("wants_topics"),
        profiles=len(_profile_ids([topic.pk])),
        pending_applications=MentorApplication.objects.filter(
            expertise=topic, status=MentorApplication.Status.PENDING).count())


def topic_profile_counts() -> dict[int, int]:
    """Topic id -> how many distinct profiles list it: three queries for the whole list."""
    pairs: set[tuple[int, int]] = set()
    for name in PROFILE_FIELDS:
        through = getattr(Profile, name).through
        pairs.update(through._default_manager.values_list("topic_id", "profile_id"))
    counts: dict[int, int] = {}
    for topic_id, _profile in pairs:
        counts[topic_id] = counts.get(topic_id, 0) + 1
    return counts


def _reindex(profile_ids: set[int]) -> None:
    profiles = Profile.objects.filter(pk__in=profile_ids).select_related("user") \
        .prefetch_related(*PROFILE_FIELDS)
    for profile in profiles.iterator(chunk_size=500):
        profile_index(profile)


def _allowed(actor: User) -> None:
    if not permissions.can_edit_topics(actor):
        raise PermissionDenied


def _clean_names(name: str, name_fr: str) -> tuple[str, str]:
    name, name_fr = " ".join(name.split()), " ".join(name_fr.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the topic a name.")]
    elif len(name) > 80:
        errors["name"] = [_("A name has at most 80 characters.")]
    if len(name_fr) > 80:
        errors["name_fr"] = [_("A name has at most 80 characters.")]
    if errors:
        raise ValidationError(errors)
    return name, name_fr


def _unique(kind: str, name: str, *, other_than: int | None = None) -> None:
    same = Topic.objects.annotate(lower=Lower("name")).filter(kind=kind, lower=name.lower())
    if other_than is not None:
        same = same.exclude(pk=other_than)
    existing = same.first()
    if existing is not None:
        raise ValidationError({"name": [
            _("There is already a topic named %(name)s.") % {"name": existing.name}
            if existing.retired_at is None else
            _("There is already a retired topic named %(name)s: bring it back instead.")
            % {"name": existing.name}]})


def _key(word: str) -> str:
    """What two words must share to be the same word: case, accents and spacing ignored."""
    return " ".join(normalise(word).split())


def _clean_words(field: str, words: Iterable[str], *, own: Iterable[str]) -> list[str]:
    """`words` trimmed, without blanks, repeats (in any case) or the topic's own names."""
    seen = {_key(name) for name in own if name}
    kept: list[str] = []
    for raw in words:
        word = " ".join(str(raw).split())
        if not word or _key(word) in seen:
            continue
        if len(word) > SYNONYM_LENGTH:
            raise ValidationError({field: [
                _("“%(word)s…” is too long: each word or phrase has at most %(n)s characters.")
                % {"word": word[:30], "n": SYNONYM_LENGTH}]})
        seen.add(_key(word))
        kept.append(word)
    if len(kept) > SYNONYMS_MAX:
        raise ValidationError({field: [
            _("At most %(n)s words or phrases in each language (there are %(count)s).")
            % {"n": SYNONYMS_MAX, "count": len(kept)}]})
    return kept


def _clean_synonyms(synonyms: Iterable[str], synonyms_fr: Iterable[str], *, name: str,
                    name_fr: str) -> tuple[list[str], list[str]]:
    own = (name, name_fr)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, list[str]] = {}
    for field, words in (("synonyms", synonyms), ("synonyms_fr", synonyms_fr)):
        try:
            cleaned[field] = _clean_words(field, words, own=own)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned["synonyms"], cleaned["synonyms_fr"]


def _words_free(words: dict[str, list[str]], *, other_than: Iterable[int] = ()) -> None:
    """Refuse a word that already names or is another word of another topic (of any kind,
    retired or not: bringing a topic back must not make a word ambiguous)."""
    wanted = {_key(word): field for field, listed in words.items() for word in listed}
    if not wanted:
        return
    errors: dict[str, list[str]] = {}
    for topic in Topic.objects.exclude(pk__in=list(other_than)).only(
            "name", "name_fr", "synonyms", "synonyms_fr"):
        for taken in (topic.name, topic.name_fr, *topic.synonyms, *topic.synonyms_fr):
            field = wanted.get(_key(taken)) if taken else None
            if field is not None:
                message = _("“%(word)s” already stands for the topic %(topic)s.") % {
                    "word": next(w for w in words[field] if _key(w) == _key(taken)),
                    "topic": str(topic)}
                if message not in errors.setdefault(field, []):
                    errors[field].append(message)
    if errors:
        raise ValidationError(errors)


def _names_free(name: str, name_fr: str, *, other_than: Iterable[int] = ()) -> None:
    """Refuse a name that is already another topic's other word (names of the same kind
    are `_unique`'s): the word would stand for two topics."""
    wanted = {_key(word): (field, word) for field, word in (("name", name),
                                                           ("name_fr", name_fr)) if word}
    for topic in Topic.objects.exclude(pk__in=list(other_than)).only(
            "name", "synonyms", "synonyms_fr"):
        for taken in (*topic.synonyms, *topic.synonyms_fr):
            if _key(taken) in wanted:
                field, word = wanted[_key(taken)]
                raise ValidationError({field: [
                    _("“%(word)s” already stands for the topic %(topic)s.")
                    % {"word": word, "topic": str(topic)}]})


def _reindex_all_later() -> None:
    """Every profile's matching words, in the task worker once this transaction commits."""
    transaction.on_commit(lambda: tasks.profiles_reindex.enqueue())


def topic_create(*, actor: User, kind: str, name: str, name_fr: str = "",
                 synonyms: Iterable[str] = (), synonyms_fr: Iterable[str] = ()) -> Topic:
    _allowed(actor)
    if kind not in Topic.Kind.values:
        raise ValidationError({"kind": [_("Choose a field of expertise or a skill.")]})
    name, name_fr = _clean_names(name, name_fr)
    words, words_fr = _clean_synonyms(synonyms, synonyms_fr, name=name, name_fr=name_fr)
    with transaction.atomic():
        _unique(kind, name)
        _names_free(name, name_fr)
        _words_free({"synonyms": words, "synonyms_fr": words_fr})
        topic = Topic.objects.create(kind=kind, name=name, name_fr=name_fr, synonyms=words,
                                     synonyms_fr=words_fr)
        audit_record(actor=actor, action="topic.add", target=topic, kind=kind,
                     name=name, name_fr=name_fr, synonyms=words, synonyms_fr=words_fr)
        _reindex_all_later()  # free texts may already name it
    return topic


def topic_rename(*, actor: User, topic: Topic, name: str, name_fr: str) -> Topic:
    _allowed(actor)
    name, name_fr = _clean_names(name, name_fr)
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if (name, name_fr) == (topic.name, topic.name_fr):
            return topic
        _unique(topic.kind, name, other_than=topic.pk)
        _names_free(name, name_fr, other_than=[topic.pk])
        before = {"name": topic.name, "name_fr": topic.name_fr}
        topic.name, topic.name_fr = name, name_fr
        topic.save(update_fields=["name", "name_fr"])
        audit_record(actor=actor, action="topic.rename", target=topic, before=before,
                     after={"name": name, "name_fr": name_fr})
        _reindex(_profile_ids([topic.pk]))
        _reindex_all_later()  # free texts name it by its new name, not the old
    return topic


def topic_synonyms_set(*, actor: User, topic: Topic, synonyms: Iterable[str],
                       synonyms_fr: Iterable[str]) -> Topic:
    """Replace the topic's other words in both languages; bad input changes nothing."""
    _allowed(actor)
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        words, words_fr = _clean_synonyms(synonyms, synonyms_fr, name=topic.name,
                                          name_fr=topic.name_fr)
        if (words, words_fr) == (topic.synonyms, topic.synonyms_fr):
            return topic
        _words_free({"synonyms": words, "synonyms_fr": words_fr}, other_than=[topic.pk])
        before = {"synonyms": topic.synonyms, "synonyms_fr": topic.synonyms_fr}
        topic.synonyms, topic.synonyms_fr = words, words_fr
        topic.save(update_fields=["synonyms", "synonyms_fr"])
        audit_record(actor=actor, action="topic.synonyms", target=topic, before=before,
                     after={"synonyms": words, "synonyms_fr": words_fr})
        _reindex_all_later()
    return topic


def topic_merge(*, actor: User, topic: Topic, into: Topic) -> Topic:
    """Every profile and application that lists `topic` lists `into` instead; `topic` goes."""
    _allowed(actor)
    if topic.pk == into.pk:
        raise ValidationError({"into": [_("Choose another topic to merge into.")]})
    with transaction.atomic():
        locked = {t.pk: t for t in Topic.objects.select_for_update().filter(
            pk__in=[topic.pk, into.pk]).order_by("pk")}
        if len(locked) < 2:
            raise ValidationError(_("One of the two topics no longer exists."))
        topic, into = locked[topic.pk], locked[into.pk]
        if topic.kind != into.kind:
            raise ValidationError({"into": [
                _("A field of expertise merges into a field of expertise, a skill into a skill.")]})
        if into.retired_at is not None:
            raise ValidationError({"into": [_("%(name)s is retired; bring it back first.")
                                            % {"name": into.name}]})
        # What members wrote for the old topic still means something: its names and other
        # words become other words of the topic it merges into.
        words = _merged_words("synonyms", into.synonyms, [topic.name, *topic.synonyms],
                              own=(into.name, into.name_fr))
        words_fr = _merged_words("synonyms_fr", into.synonyms_fr,
                                 [topic.name_fr, *topic.synonyms_fr],
                                 own=(into.name, into.name_fr))
        affected = _profile_ids([topic.pk])
        moved = topic_usage(topic)
        links = [getattr(Profile, name).through for name in PROFILE_FIELDS]
        links.append(MentorApplication.expertise.through)
        for through in links:
            owner = "profile_id" if through is not MentorApplication.expertise.through \
                else "mentorapplication_id"
            rows = through._default_manager
            already = set(rows.filter(topic_id=into.pk).values_list(owner, flat=True))
            rows.bulk_create([through(**{owner: owner_id, "topic_id": into.pk})
                              for owner_id in rows.filter(topic_id=topic.pk)
                              .values_list(owner, flat=True) if owner_id not in already])
        audit_record(actor=actor, action="topic.merge", target=into,
                     merged={"id": topic.pk, "name": topic.name, "name_fr": topic.name_fr,
                             "synonyms": topic.synonyms, "synonyms_fr": topic.synonyms_fr},
                     profiles=moved.profiles,
                     before={"synonyms": into.synonyms, "synonyms_fr": into.synonyms_fr},
                     after={"synonyms": words, "synonyms_fr": words_fr})
        topic.delete()  # its remaining links go with it
        if (words, words_fr) != (into.synonyms, into.synonyms_fr):
            into.synonyms, into.synonyms_fr = words, words_fr
            into.save(update_fields=["synonyms", "synonyms_fr"])
            _reindex_all_later()
        _reindex(affected)
    return into


def _merged_words(field: str, kept: list[str], added: list[str], *,
                  own: Iterable[str]) -> list[str]:
    """`kept` then `added`, without repeats; too many for one list refuses the merge."""
    try:
        return _clean_words(field, [*kept, *added], own=own)
    except ValidationError as error:
        raise ValidationError({"into": [
            _("Together the two topics would have more than %(n)s other words in one "
              "language: remove some from either topic first.") % {"n": SYNONYMS_MAX}]}
        ) from error


def topic_retire(*, actor: User, topic: Topic) -> Topic:
    """Off every profile and every list; decided applications keep naming it."""
    _allowed(actor)
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.retired_at is not None:
            return topic
        affected = _profile_ids([topic.pk])
        for name in PROFILE_FIELDS:
            getattr(Profile, name).through._default_manager.filter(topic_id=topic.pk).delete()
        MentorApplication.expertise.through._default_manager.filter(
            topic_id=topic.pk, mentorapplication__status=MentorApplication.Status.PENDING
        ).delete()
        topic.retired_at = timezone.now()
        topic.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="topic.retire", target=topic, profiles=len(affected))
        _reindex(affected)
        _reindex_all_later()  # no longer found in free texts either
    return topic


def topic_restore(*, actor: User, topic: Topic) -> Topic:
    """Members may choose it again; profiles that had it do not get it back."""
    _allowed(actor)
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.retired_at is None:
            return topic
        _unique(topic.kind, topic.name, other_than=topic.pk)
        topic.retired_at = None
        topic.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="topic.restore", target=topic)
        _reindex_all_later()
    return topic
