"""Free texts follow the vocabulary: a topic added, renamed or retired is found in (or
taken out of) what members already wrote, through the re-index queued after the change."""

from __future__ import annotations

import pytest

from community import vocabulary
from community.models import Profile
from tests.community.factories import AdminFactory, UserFactory, profile_fill

pytestmark = pytest.mark.django_db(transaction=True)


def found(user) -> dict:
    return Profile.objects.get(user=user).want_found


def test_a_new_topic_is_found_in_what_members_already_wrote():
    admin = AdminFactory()
    lea = profile_fill(UserFactory(), wants_to_develop="I want to get better at mentoring interns")
    assert found(lea) == {}
    topic = vocabulary.topic_create(actor=admin, kind="skill", name="Mentoring interns")
    assert found(lea) == {str(topic.pk): ["wants_to_develop", "mentoring interns"]}
    vocabulary.topic_rename(actor=admin, topic=topic, name="Coaching juniors", name_fr="")
    assert found(lea) == {}
    vocabulary.topic_rename(actor=admin, topic=topic, name="Interns", name_fr="")
    assert found(lea) == {str(topic.pk): ["wants_to_develop", "interns"]}
    vocabulary.topic_retire(actor=admin, topic=topic)
    assert found(lea) == {}
