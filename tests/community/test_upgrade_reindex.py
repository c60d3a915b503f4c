"""An upgrade that changes what profiles store for matching rebuilds them at once."""

from __future__ import annotations

import pytest
from django.db.migrations.migration import Migration

from community.apps import reindex_after_migrations
from community.models import Profile
from tests.community.factories import TopicFactory, UserFactory, profile_fill

pytestmark = pytest.mark.django_db


def test_profiles_written_before_the_upgrade_are_read_again():
    topic = TopicFactory(name="Negotiation", synonyms=["bargaining"])
    lea = profile_fill(UserFactory(), wants_to_develop="bargaining with vendors")
    Profile.objects.filter(user=lea).update(want_found={}, want_words="old format")
    plan = [(Migration("0007_topic_synonyms_and_text_topics", "community"), False)]
    reindex_after_migrations(sender=None, plan=plan)  # type: ignore[arg-type]
    profile = Profile.objects.get(user=lea)
    assert profile.want_found == {str(topic.pk): ["wants_to_develop", "bargaining"]}
    assert "vendor" in profile.want_words.split()


def test_other_migrations_leave_profiles_alone():
    lea = profile_fill(UserFactory(), wants_to_develop="bargaining")
    Profile.objects.filter(user=lea).update(want_words="untouched")
    plan = [(Migration("0006_topic_retired_at", "community"), False),
            (Migration("0007_topic_synonyms_and_text_topics", "community"), True)]
    reindex_after_migrations(sender=None, plan=plan)  # type: ignore[arg-type]
    assert Profile.objects.get(user=lea).want_words == "untouched"
