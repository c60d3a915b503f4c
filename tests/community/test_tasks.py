"""E-mails leave through the database task queue and its worker, as in the embedded default."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from community import services
from tests.community.factories import AdminFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    # Django's tasks framework resets its backends when TASKS changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}


def test_invitation_waits_in_the_queue_until_the_worker_sends_it(database_queue):
    from django_tasks_db.models import DBTaskResult

    services.invitation_create(admin=AdminFactory(), email="queued@example.org")
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert [m.to for m in mail.outbox] == [["queued@example.org"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_changing_other_words_queues_one_reindex_of_every_profile(database_queue):
    from django_tasks_db.models import DBTaskResult

    from community import vocabulary
    from tests.community.factories import TopicFactory, UserFactory

    UserFactory.create_batch(2)
    admin = AdminFactory()
    topic = TopicFactory(name="Software engineering")
    vocabulary.topic_synonyms_set(actor=admin, topic=topic, synonyms=["coding"], synonyms_fr=[])
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and queued.task_path == "community.tasks.profiles_reindex"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.return_value == 3
