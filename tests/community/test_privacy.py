"""Her data is hers: "Download my data" holds what the database keeps of her and nothing of
anyone else's; "Delete my account" signs her out at once, can be cancelled by signing in
within the grace period, and then leaves no row or file of hers but what the policy keeps."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from calendar_app.models import Rsvp
from calendar_app.services import answers
from chat import services as chat_services
from chat.models import Message
from community import audit, erasure, my_data, permissions
from community.models import (
    AccountDeletion,
    AuditEntry,
    DataExport,
    ErasureRecord,
    MessagePolicy,
    User,
)
from documents import services as document_services
from documents.models import Comment, Document, Version
from mentoring.models import Goal, Mentorship, PrivateNote
from mentoring.services import relationship
from notifications import services as notifications
from notifications.models import Notification
from rooms.models import Room
from tests.calendar_app.factories import make_event
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    UserFactory,
)
from tests.documents import samples
from tests.mentoring.factories import active
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

CANARY = "zebra-canary-7781"  # only in the other member's rows


class World:
    maya: User
    zed: User
    mentor: User
    admin: User
    room: Room
    mentorship: Mentorship
    zed_mentorship: Mentorship
    maya_document: Document
    zed_document: Document


def _send(user: User, room: Room, text: str, client_id: str) -> Message:
    return chat_services.message_send(author=user, room_id=room.pk, text=text,
                                      client_id=client_id)[0]


def _upload(user: User, room: Room, data: bytes, name: str) -> Document:
    return document_services.document_upload(user=user, room_id=room.pk,
                                             stream=io.BytesIO(data), name=name, note="")


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> World:
    """Maya, with a row of every kind; Zed, her room's other member, with the same kinds,
    each carrying the canary."""
    w = World()
    w.maya = UserFactory(name="Maya Chen", email="maya@example.org")
    w.zed = UserFactory(name="Zed Okafor", email="zed@example.org")
    w.mentor = MentorFactory(name="Moe Tran")
    w.admin = AdminFactory(name="Amélie Admin")
    profile = w.maya.profile
    profile.headline, profile.bio, profile.city = "Data engineer", "I like rivers.", "Lyon"
    profile.photo.save("photo.jpg", ContentFile(samples.png(8, 8)), save=False)
    profile.save()
    zed_profile = w.zed.profile
    zed_profile.bio = f"Zed's bio {CANARY}"
    zed_profile.photo.save("photo.jpg", ContentFile(samples.png(9, 9)), save=False)
    zed_profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        w.room = make_room(w.maya, w.zed, name="Rivers circle")
        _send(w.maya, w.room, "Hello from Maya", "m1")
        _send(w.zed, w.room, f"Zed says {CANARY}", "z1")
        _send(w.maya, w.room, "Maya again, @**Zed Okafor**", "m2")
        w.maya_document = _upload(w.maya, w.room, samples.pdf(1), "maya-plan.pdf")
        w.zed_document = _upload(w.zed, w.room, samples.pdf(2), f"zed-{CANARY}.pdf")
        document_services.comment_add(user=w.maya, document_id=w.zed_document.pk,
                                      text="Maya's comment")
        document_services.comment_add(user=w.zed, document_id=w.maya_document.pk,
                                      text=f"Zed's comment {CANARY}")
        w.mentorship = active(w.maya, w.mentor)
        relationship.goal_add(user=w.maya, mentorship=w.mentorship, title="Lead a team")
        relationship.note_save(user=w.maya, mentorship=w.mentorship, text="Maya's private note")
        relationship.note_save(user=w.mentor, mentorship=w.mentorship,
                               text=f"Moe's private note {CANARY}")
        w.zed_mentorship = active(w.zed, MentorFactory(name="Other Mentor"))
        relationship.goal_add(user=w.zed, mentorship=w.zed_mentorship, title=f"Goal {CANARY}")
        notifications.notify(user=w.maya, kind="mentorship_ended", params={"name": "Someone"})
        notifications.notify(user=w.zed, kind="mentorship_ended", params={"name": CANARY})
        event = make_event(w.maya, w.room, title="Maya's walk")
        make_event(w.zed, make_room(w.zed, w.mentor, name="Zed's room"),
                   title=f"Zed's event {CANARY}")
        answers.rsvp_set(user=w.maya, event_id=event.pk, answer="going")
        answers.rsvp_set(user=w.zed, event_id=event.pk, answer="maybe")
        AuditEntry.objects.create(actor=w.admin, actor_repr=w.admin.email,
                                  action="room.member_add", target_type="rooms.room",
                                  target_id=str(w.room.pk), target_repr=w.room.name,
                                  details={"member": w.maya.email})
        audit.audit_record(actor=w.admin, action="room.member_add", target=w.room,
                           member=w.zed.email, reason=CANARY)
    return w


def _export(user: User, capture: Any) -> DataExport:
    with capture(execute=True):
        export = my_data.export_request(user=user, language="en")
    export.refresh_from_db()
    return export


def _zip(export: DataExport) -> zipfile.ZipFile:
    with default_storage.open(export.stored, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def _json(archive: zipfile.ZipFile, key: str) -> list[dict[str, Any]]:
    return json.loads(archive.read(f"{key}.json"))


class TestExport:
    def test_each_kind_holds_her_rows_and_nothing_of_another_member(
            self, world, django_capture_on_commit_callbacks):
        export = _export(world.maya, django_capture_on_commit_callbacks)
        assert export.state == DataExport.State.READY
        archive = _zip(export)
        for name in archive.namelist():  # no byte of any file holds the canary
            assert CANARY.encode() not in archive.read(name), name
        manifest = json.loads(archive.read("manifest.json"))
        assert [p["key"] for p in manifest["parts"]] == [p.key for p in my_data.parts()]

        [profile] = _json(archive, "profile")
        assert (profile["name"], profile["email"], profile["headline"], profile["city"]) == (
            "Maya Chen", "maya@example.org", "Data engineer", "Lyon")
        photo = next(n for n in archive.namelist() if n.startswith("files/profile/"))
        assert archive.read(photo) == world.maya.profile.photo.open("rb").read()

        messages = _json(archive, "messages")
        assert sorted(m["text"] for m in messages) == sorted(
            Message.objects.filter(author=world.maya).values_list("text", flat=True))
        assert {m["room"] for m in messages} == {"Rivers circle"}

        documents = _json(archive, "documents")
        assert [d["file_name"] for d in documents] == ["maya-plan.pdf"]
        version = Version.objects.get(document=world.maya_document)
        [stored] = [n for n in archive.namelist() if n.startswith("files/documents/")]
        assert archive.read(stored) == version.file.open("rb").read()
        assert [c["text"] for c in _json(archive, "document_comments")] == ["Maya's comment"]

        [mentorship] = _json(archive, "mentorships")
        assert (mentorship["my_role"], mentorship["with"], mentorship["status"]) == (
            "mentee", "Moe Tran", "active")
        assert [g["goal"] for g in _json(archive, "goals")] == list(
            Goal.objects.filter(mentorship=world.mentorship).values_list("title", flat=True))
        assert [n["text"] for n in _json(archive, "mentoring_notes")] == ["Maya's private note"]
        assert len(_json(archive, "notifications")) == Notification.objects.filter(
            user=world.maya).exclude(kind="data_export_ready").count()
        assert [e["title"] for e in _json(archive, "calendar_events")] == ["Maya's walk"]
        assert [a["answer"] for a in _json(archive, "calendar_answers")] == ["going"]
        [entry] = _json(archive, "audit")
        assert "Maya Chen" in entry["what"]
        index = archive.read("index.html").decode()
        assert "Maya Chen" in index and "Hello from Maya" in index

    def test_a_done_milestone_s_dates_are_written_as_dates(
            self, world, django_capture_on_commit_callbacks):
        goal = relationship.goal_add(user=world.maya, mentorship=world.mentorship,
                                     title="Ship the pipeline")
        milestone = relationship.milestone_add(user=world.maya, goal=goal, title="First draft",
                                               due_on=timezone.localdate())
        relationship.milestone_set_done(user=world.maya, milestone=milestone, done=True)
        export = _export(world.maya, django_capture_on_commit_callbacks)
        assert export.state == DataExport.State.READY
        [written] = [g for g in _json(_zip(export), "goals") if g["goal"] == "Ship the pipeline"]
        milestone.refresh_from_db()
        assert written["milestones"] == [{
            "milestone": "First draft", "due_on": milestone.due_on.isoformat(),
            "done_at": milestone.done_at.isoformat()}]

    def test_she_is_told_when_it_is_ready(self, world, django_capture_on_commit_callbacks,
                                          mailoutbox):
        _export(world.maya, django_capture_on_commit_callbacks)
        told = Notification.objects.get(user=world.maya, kind="data_export_ready")
        assert told.url == reverse("my_data")
        assert [m.to for m in mailoutbox if "ready" in m.body] == [["maya@example.org"]]

    def test_markup_in_her_words_is_text_in_the_index(self, django_capture_on_commit_callbacks):
        member = UserFactory(name="<script>alert(1)</script>")
        archive = _zip(_export(member, django_capture_on_commit_callbacks))
        assert "<script>alert" not in archive.read("index.html").decode()

    def test_a_failed_export_says_so_and_may_be_asked_again(
            self, world, client, monkeypatch, django_capture_on_commit_callbacks):
        def broken(user):
            raise OSError("disk full")

        monkeypatch.setattr(my_data, "_parts", {"profile": my_data.Part(
            "profile", "Profile", broken)})
        with django_capture_on_commit_callbacks(execute=True):  # the task fails, logged
            my_data.export_request(user=world.maya, language="en")
        assert DataExport.objects.get().state == DataExport.State.FAILED
        client.force_login(world.maya)
        page = client.get(reverse("my_data")).content.decode()
        assert "Your data could not be prepared. Please ask again." in page
        assert "Prepare my data" in page

    def test_asking_too_often_is_refused_with_a_reason(self, world, client, settings,
                                                       django_capture_on_commit_callbacks):
        client.force_login(world.maya)
        for _ in range(my_data.EXPORTS_PER_DAY):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("my_data_export"))
        response = client.post(reverse("my_data_export"), follow=True)
        assert "ask again tomorrow" in response.content.decode()
        assert DataExport.objects.filter(user=world.maya).count() == 1  # the newest only

    def test_the_sweep_deletes_it_after_its_days(self, world, django_capture_on_commit_callbacks):
        export = _export(world.maya, django_capture_on_commit_callbacks)
        assert export.expires_at - export.ready_at == timedelta(days=7)
        call_command("privacy_sweep", stdout=io.StringIO())
        assert default_storage.exists(export.stored)
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        call_command("privacy_sweep", stdout=io.StringIO())
        assert not DataExport.objects.filter(pk=export.pk).exists()
        assert not default_storage.exists(export.stored)


class TestDownload:
    def test_only_she_downloads_it_privately(self, world, client,
                                             django_capture_on_commit_callbacks):
        export = _export(world.maya, django_capture_on_commit_callbacks)
        url = reverse("my_data_download", args=[export.pk])
        client.force_login(world.maya)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("attachment")
        assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
        for other in (world.zed, world.admin):
            client.force_login(other)
            assert client.get(url).status_code == 404

    def test_access_rule_for_member_other_blocked_and_admin(
            self, world, django_capture_on_commit_callbacks):
        export = _export(world.maya, django_capture_on_commit_callbacks)
        assert permissions.access_data_export(world.maya, export.pk) == export
        BlockFactory(blocker=world.maya, blocked=world.zed)
        for viewer in (world.zed, world.admin, UserFactory()):
            with pytest.raises(Http404):
                permissions.access_data_export(viewer, export.pk)
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        with pytest.raises(Http404):
            permissions.access_data_export(world.maya, export.pk)

    def test_the_settings_page_offers_it(self, world, client,
                                         django_capture_on_commit_callbacks):
        client.force_login(world.maya)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("my_data_export"))
        response = client.get(reverse("my_data"))
        export = DataExport.objects.get(user=world.maya)
        assert reverse("my_data_download", args=[export.pk]) in response.content.decode()


def _queued_email(to: str) -> None:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        status=TaskResultStatus.SUCCESSFUL, task_path="community.tasks.email_send",
        args_kwargs={"args": [], "kwargs": {"to": to, "template": "x", "context": {},
                                            "language": "en"}},
        queue_name="default", backend_name="default", run_after=timezone.now())


def _user_links() -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    """Every concrete ForeignKey or OneToOneField to the user model, of every model."""
    user_model = get_user_model()
    return [(model, field) for model in apps.get_models()
            for field in model._meta.get_fields()
            if getattr(field, "concrete", False) and field.is_relation
            and field.related_model is user_model]


def _erase(world: World, capture: Any) -> ErasureRecord:
    erasure.account_delete_request(user=world.maya, password=PASSWORD)
    AccountDeletion.objects.filter(user=world.maya).update(erase_after=timezone.now())
    with capture(execute=True):
        call_command("privacy_sweep", stdout=io.StringIO())
    return ErasureRecord.objects.get()


def _every_text_row_without(needle: str) -> None:
    """No text, name or JSON value of any row of any model holds `needle`."""
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)
                  and isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        for row in model._default_manager.values_list(*fields) if fields else []:
            assert needle not in json.dumps(row, default=str), (model, row)


class TestErasure:
    @pytest.mark.parametrize("policy", [MessagePolicy.KEEP, MessagePolicy.ERASE])
    def test_nothing_of_hers_is_left_but_what_the_policy_keeps(
            self, world, policy, django_capture_on_commit_callbacks, settings):
        erasure.policy_set(actor=world.admin, messages=policy)
        maya_id = world.maya.pk
        her_files = [world.maya.profile.photo.name,
                     *Version.objects.filter(uploaded_by=world.maya).values_list("file", flat=True)]
        export = _export(world.maya, django_capture_on_commit_callbacks)
        her_files.append(export.stored)
        zed_files = [world.zed.profile.photo.name,
                     *Version.objects.filter(uploaded_by=world.zed).values_list("file", flat=True)]
        her_messages = list(Message.objects.filter(author_id=maya_id).values_list("pk", flat=True))
        _queued_email(world.maya.email)  # as the database task backend keeps it
        _queued_email(world.zed.email)

        record = _erase(world, django_capture_on_commit_callbacks)

        for model, field in _user_links():
            left = model._default_manager.filter(**{field.attname: maya_id})
            assert not left.exists(), f"{model._meta.label}.{field.name} still points at her"
        for name in her_files:
            assert not default_storage.exists(name), name
        for name in zed_files:
            assert default_storage.exists(name), name
        _every_text_row_without("maya@example.org")
        from django_tasks_db.models import DBTaskResult
        assert DBTaskResult.objects.filter(args_kwargs__icontains="zed@example.org").exists()
        kept = Message.objects.filter(pk__in=her_messages)
        assert kept.count() == 2  # the conversation keeps its places
        if policy == MessagePolicy.KEEP:
            assert sorted(kept.values_list("text", flat=True)) == [
                "Hello from Maya", "Maya again, @**Zed Okafor**"]
            assert set(kept.values_list("author_id", flat=True)) == {None}
            assert Comment.objects.filter(text="Maya's comment", author=None).exists()
        else:
            assert set(kept.values_list("text", flat=True)) == {""}
            assert all(m.deleted_at for m in kept)
            assert not Comment.objects.filter(text="Maya's comment").exists()
            _every_text_row_without("Hello from Maya")
        _every_text_row_without("Maya's private note")
        assert not Document.objects.filter(name="maya-plan.pdf", deleted_at=None).exists()
        assert Document.objects.filter(pk=world.zed_document.pk, deleted_at=None).exists()
        assert Rsvp.objects.filter(user=world.zed).count() == 2  # his answers stay
        assert not PrivateNote.objects.exists() or not PrivateNote.objects.filter(
            text="Maya's private note").exists()
        # The audit log keeps its entry about her, under her pseudonym.
        entry = AuditEntry.objects.get(details__member=record.pseudonym)
        assert entry.actor_id == world.admin.pk
        assert (record.name, record.messages_policy) == ("Maya Chen", policy)
        assert record.counts["messages"] == 2 and record.counts["documents"] == 1
        assert not User.objects.filter(pk=maya_id).exists()
        world.mentor.profile.refresh_from_db()
        assert world.mentor.profile.active_mentees == 0  # her place is free again

    def test_her_version_of_another_members_document_goes_and_his_stay(
            self, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            document_services.version_add(user=world.maya, document_id=world.zed_document.pk,
                                          stream=io.BytesIO(samples.pdf(3)),
                                          name="maya-edit.pdf", note="")
        hers = Version.objects.get(document=world.zed_document, uploaded_by=world.maya)
        his = Version.objects.get(document=world.zed_document, uploaded_by=world.zed)
        rev = Document.objects.get(pk=world.zed_document.pk).rev
        _erase(world, django_capture_on_commit_callbacks)
        document = Document.objects.get(pk=world.zed_document.pk)
        assert document.deleted_at is None and document.rev > rev  # the room hears it
        assert document.name == his.name
        assert list(document.versions.all()) == [his]
        assert not default_storage.exists(hers.file.name)
        assert default_storage.exists(his.file.name)

    def test_her_entries_as_an_admin_keep_a_pseudonym(self, django_capture_on_commit_callbacks):
        admin = AdminFactory(name="Leaving Admin", email="leaving@example.org")
        other = UserFactory(name="Stays Here")
        room = make_room(admin, other)
        audit.audit_record(actor=admin, action="room.archive", target=room)
        audit.audit_record(actor=AdminFactory(), action="room.member_remove", target=room,
                           member=other.email)
        erasure.account_delete_request(user=admin, password=PASSWORD)
        name = erasure.pseudonym(admin.pk)
        erasure.account_erase(user=admin)
        entry = AuditEntry.objects.get(action="room.archive")
        assert (entry.actor_id, entry.actor_repr) == (None, name)
        assert name in audit.audit_lines([entry])[0].sentence
        kept = AuditEntry.objects.get(action="room.member_remove")
        assert kept.details["member"] == other.email  # someone else's entry is untouched

    def test_asking_signs_her_out_everywhere_and_she_cannot_post(
            self, world, client, monkeypatch):
        from rooms import services as room_services

        rung: list[int] = []
        monkeypatch.setattr(room_services, "account_changed",
                            lambda *, user_id: rung.append(user_id))
        client.force_login(world.maya)
        response = client.post(reverse("account_delete"), {"password": PASSWORD})
        assert response.status_code == 200
        assert "Sign in and keep my account" in response.content.decode()
        assert set(rung) == {world.maya.pk}  # her sockets check their session now
        assert client.get(reverse("home")).status_code == 302  # signed out
        world.maya.refresh_from_db()
        assert not world.maya.is_active
        deletion = AccountDeletion.objects.get(user=world.maya)
        assert deletion.erase_after - deletion.requested_at == timedelta(days=14)
        with pytest.raises((chat_services.NotFound, PermissionDenied)):
            _send(world.maya, world.room, "still here?", "m9")

    def test_a_wrong_password_changes_nothing(self, world, client):
        client.force_login(world.maya)
        response = client.post(reverse("account_delete"), {"password": "not-it"})
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
        world.maya.refresh_from_db()
        assert world.maya.is_active and not AccountDeletion.objects.exists()

    def test_signing_in_within_the_grace_period_cancels_it(
            self, world, client, django_capture_on_commit_callbacks):
        before = {model._meta.label: model._default_manager.count()
                  for model in apps.get_models()}
        erasure.account_delete_request(user=world.maya, password=PASSWORD)
        response = client.post(reverse("account_login"),
                               {"login": "maya@example.org", "password": PASSWORD}, follow=True)
        assert "Your account will not be deleted" in response.content.decode()
        world.maya.refresh_from_db()
        assert world.maya.is_active
        assert client.get(reverse("home")).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            call_command("privacy_sweep", stdout=io.StringIO())
        after = {model._meta.label: model._default_manager.count()
                 for model in apps.get_models()}
        changed = {label for label in before if before[label] != after[label]}
        assert changed <= {"sessions.Session", "account.EmailAddress"}, changed
        assert default_storage.exists(world.maya.profile.photo.name)

    def test_a_wrong_password_does_not_cancel_it(self, world, client):
        erasure.account_delete_request(user=world.maya, password=PASSWORD)
        client.post(reverse("account_login"), {"login": "maya@example.org",
                                               "password": "guess"})
        world.maya.refresh_from_db()
        assert not world.maya.is_active and AccountDeletion.objects.exists()

    def test_after_the_grace_period_signing_in_no_longer_cancels_it(self, world, client):
        erasure.account_delete_request(user=world.maya, password=PASSWORD)
        AccountDeletion.objects.filter(user=world.maya).update(erase_after=timezone.now())
        client.post(reverse("account_login"), {"login": "maya@example.org",
                                               "password": PASSWORD})
        world.maya.refresh_from_db()
        assert not world.maya.is_active and AccountDeletion.objects.exists()
        assert client.get(reverse("home")).status_code == 302

    def test_nothing_is_erased_before_the_grace_period_ends(
            self, world, django_capture_on_commit_callbacks):
        erasure.account_delete_request(user=world.maya, password=PASSWORD)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("privacy_sweep", stdout=io.StringIO())
        assert User.objects.filter(pk=world.maya.pk).exists()
        assert not ErasureRecord.objects.exists()


class TestReportsAndBlocks:
    """What reports and blocks leave in her export and after her erasure: her own reports,
    never who blocked her, never which moderator acted on a report about her, and nothing
    of her words in the reports once she is erased."""

    def test_her_export_names_no_one_who_blocked_her_nor_the_moderator(
            self, world, django_capture_on_commit_callbacks):
        from community import moderation
        from community import services as community_services

        community_services.block_create(user=world.zed, other=world.maya)
        community_services.block_remove(user=world.zed, other=world.maya)
        community_services.block_create(user=world.maya, other=UserFactory(name="Olga Other"))
        message = _send(world.maya, world.room, "Words Zed reports", "m7")
        report, _ = moderation.report_create(reporter=world.zed, kind="message",
                                             item_id=message.pk, reason="harassment")
        moderation.report_decide(moderator=world.admin, report_id=report.pk,
                                 decision=moderation.Decision(hide=True, warn=True,
                                                              note="Keep it kind."))
        rows = _json(_zip(_export(world.maya, django_capture_on_commit_callbacks)), "audit")
        assert "Zed" not in json.dumps(rows, ensure_ascii=False)
        assert [r["what"] for r in rows if r["action"].startswith("member.")] == [
            "Maya Chen blocked Olga Other"]
        moderated = [r for r in rows if r["action"].startswith("moderation.")]
        assert sorted(r["what"] for r in moderated) == ["Member warned", "Reported item hidden"]
        for row in moderated:
            assert "Amélie" not in json.dumps(row, ensure_ascii=False)
            assert "Harassment" not in json.dumps(row, ensure_ascii=False)

    def test_her_export_holds_the_reports_she_sent_without_the_moderator(
            self, world, django_capture_on_commit_callbacks):
        from community import moderation

        zeds = Message.objects.get(author=world.zed, client_id="z1")
        report, _ = moderation.report_create(reporter=world.maya, kind="message",
                                             item_id=zeds.pk, reason="other",
                                             details="He keeps saying this")
        moderation.report_dismiss(moderator=world.admin, report_id=report.pk)
        moderation.report_create(reporter=world.maya, kind="profile", item_id=world.zed.pk,
                                 reason="impersonation")
        archive = _zip(_export(world.maya, django_capture_on_commit_callbacks))
        rows = _json(archive, "reports")
        assert [(r["kind"], r["reason"], r["details"], r["status"]) for r in rows] == [
            ("Message", "Something else", "He keeps saying this", "No action"),
            ("Profile", "Impersonation", "", "Waiting for review")]
        assert rows[0]["sent"] and rows[0]["decided"] and rows[1]["decided"] is None
        assert "Amélie" not in json.dumps(rows, ensure_ascii=False)
        for name in archive.namelist():  # what she reported is his: not in her export
            assert CANARY.encode() not in archive.read(name), name

    def test_her_erasure_leaves_none_of_her_words_in_reports(
            self, world, django_capture_on_commit_callbacks):
        from community import moderation
        from community.models import ModerationAction, Report

        mine = Message.objects.get(author=world.maya, client_id="m1")
        about_message, _ = moderation.report_create(reporter=world.zed, kind="message",
                                                    item_id=mine.pk, reason="spam")
        about_profile, _ = moderation.report_create(reporter=world.zed, kind="profile",
                                                    item_id=world.maya.pk, reason="other",
                                                    details="Zed's own words")
        moderation.report_decide(moderator=world.admin, report_id=about_profile.pk,
                                 decision=moderation.Decision(
                                     warn=True, note="Maya, change the bio about rivers"))
        zeds = Message.objects.get(author=world.zed, client_id="z1")
        hers, _ = moderation.report_create(reporter=world.maya, kind="message",
                                           item_id=zeds.pk, reason="other",
                                           details="Maya's words in a report")
        _erase(world, django_capture_on_commit_callbacks)
        for report in (about_message, about_profile):
            report.refresh_from_db()
            assert (report.reported_id, report.label, report.excerpt) == (None, "", "")
        assert Report.objects.get(pk=about_profile.pk).details == "Zed's own words"
        hers.refresh_from_db()
        assert (hers.reporter_id, hers.details) == (None, "")
        assert f"Zed says {CANARY}" in hers.excerpt  # his words, reported: they stay
        assert ModerationAction.objects.get(kind="warn").note == ""
        for words in ("I like rivers.", "Maya's words in a report", "the bio about rivers"):
            _every_text_row_without(words)


class TestErasureAndSuspension:
    def test_a_suspension_while_her_deletion_waits_holds_when_she_signs_in(
            self, world, client):
        from community import moderation

        message = _send(world.maya, world.room, "Rude words", "m8")
        report, _ = moderation.report_create(reporter=world.zed, kind="message",
                                             item_id=message.pk, reason="harassment")
        erasure.account_delete_request(user=world.maya, password=PASSWORD)
        maya = User.objects.get(pk=world.maya.pk)
        assert permissions.can_suspend(world.admin, maya)
        moderation.report_decide(moderator=world.admin, report_id=report.pk,
                                 decision=moderation.Decision(suspend=True))
        assert not permissions.can_suspend(world.admin, User.objects.get(pk=maya.pk))
        response = client.post(reverse("account_login"),
                               {"login": "maya@example.org", "password": PASSWORD},
                               follow=True)
        assert "Your account will not be deleted" not in response.content.decode()
        maya.refresh_from_db()
        assert not maya.is_active
        assert client.get(reverse("home")).status_code == 302
        assert AccountDeletion.objects.filter(user=maya).exists()  # she asked: it stands

    def test_suspending_a_member_with_no_deletion_pending_is_as_before(self, world):
        inactive = UserFactory(is_active=False)
        assert permissions.can_suspend(world.admin, world.maya)
        assert not permissions.can_suspend(world.admin, inactive)
        assert not permissions.can_suspend(world.zed, world.maya)


class TestAccountDeleteLimit:
    def test_her_password_is_tried_at_most_five_times_an_hour(self, world, client):
        import time_machine

        client.force_login(world.maya)
        with time_machine.travel(timezone.now().replace(minute=1, second=0, microsecond=0),
                                 tick=False):
            for _ in range(5):
                response = client.post(reverse("account_delete"), {"password": "guess"})
                assert response.status_code == 400
            response = client.post(reverse("account_delete"), {"password": PASSWORD})
        assert response.status_code == 429
        assert response["Retry-After"] == str(59 * 60)
        assert "Too many tries: try again in 59 minutes." in response.content.decode()
        world.maya.refresh_from_db()
        assert world.maya.is_active and not AccountDeletion.objects.exists()


class TestRetentionPage:
    def test_admins_see_and_set_the_policy_and_the_log(
            self, world, client, django_capture_on_commit_callbacks):
        _erase(world, django_capture_on_commit_callbacks)
        client.force_login(world.admin)
        page = client.get(reverse("retention")).content.decode()
        assert "Maya Chen" in page and "14 days" in page
        assert "Hello from Maya" not in page
        response = client.post(reverse("retention"), {"messages": "erase"})
        assert response.status_code == 302
        assert erasure.policy().messages == MessagePolicy.ERASE
        assert AuditEntry.objects.filter(action="retention.messages").exists()
        bad = client.post(reverse("retention"), {"messages": "sell"})
        assert bad.status_code == 200 and erasure.policy().messages == MessagePolicy.ERASE

    @pytest.mark.parametrize("who", ["member", "mentor"])
    def test_members_may_not(self, world, client, who):
        client.force_login(world.zed if who == "member" else world.mentor)
        assert client.get(reverse("retention")).status_code == 403
        assert client.post(reverse("retention"), {"messages": "erase"}).status_code == 403
        assert not permissions.can_manage_retention(world.zed)
        assert permissions.can_manage_retention(world.admin)


class TestPrivacyPage:
    def test_anyone_reads_it_and_every_page_links_it(self, client, world):
        response = client.get(reverse("privacy"))
        assert response.status_code == 200
        text = response.content.decode()
        for heading in ("Your profile", "Rooms and direct messages", "Documents", "Calendar",
                        "Calls", "What admins can see", "What is kept, and for how long"):
            assert heading in text
        client.force_login(world.maya)
        home = client.get(reverse("home")).content.decode()
        assert reverse("privacy") in home and reverse("my_data") in home
        assert reverse("my_data") in client.get(reverse("profile_edit")).content.decode()


def test_media_root_is_the_tests(settings) -> None:
    assert Path(settings.MEDIA_ROOT).name == "media"
