"""Community writes: invitations, acceptance, CSV import, applications, profiles, blocks."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from community import services
from community.models import AuditEntry, Block, Invitation, MentorApplication, Role, User
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/invite/(\S+)/", message.body)
    assert found, message.body
    return found.group(1)


def invite(admin, email="new@example.org", role=Role.MEMBER, capture=None):
    invitation, token = services.invitation_create(admin=admin, email=email, name="New", role=role)
    return invitation, token


class TestInvitations:
    def test_invitation_is_emailed_after_commit_with_a_working_link(
            self, django_capture_on_commit_callbacks):
        admin = AdminFactory(name="Ada Admin")
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = invite(admin, "New@Example.org")
        assert invitation.email == "new@example.org"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new@example.org"]
        assert "Ada Admin" in message.body
        assert link_in(message) == token
        assert invitation.token_hash != token  # only the hash is stored
        assert AuditEntry.objects.filter(action="invitation.create", actor=admin).exists()

    def test_nothing_is_sent_if_the_transaction_rolls_back(self):
        admin = AdminFactory()
        invite(admin)  # outside django_capture_on_commit_callbacks: never committed
        assert mail.outbox == []

    def test_only_admins_invite(self):
        with pytest.raises(PermissionDenied):
            invite(UserFactory())
        with pytest.raises(PermissionDenied):
            invite(MentorFactory())
        assert not Invitation.objects.exists()

    @pytest.mark.parametrize(("email", "role", "why"), [
        ("not-an-address", Role.MEMBER, "not a valid e-mail"),
        ("x@example.org", "overlord", "unknown role"),
    ])
    def test_bad_input_is_refused_and_changes_nothing(self, email, role, why):
        with pytest.raises(ValidationError, match=why):
            services.invitation_create(admin=AdminFactory(), email=email, role=role)
        assert not Invitation.objects.exists()

    def test_existing_member_and_open_invitation_are_refused(self):
        admin = AdminFactory()
        member = UserFactory(email="taken@example.org")
        with pytest.raises(ValidationError, match="already a member"):
            invite(admin, member.email.upper())
        invite(admin, "twice@example.org")
        with pytest.raises(ValidationError, match="already invited"):
            invite(admin, "twice@example.org")

    def test_an_expired_invitation_can_be_renewed_and_the_old_link_dies(self):
        admin = AdminFactory()
        old, old_token = invite(admin)
        with time_machine.travel(timezone.now() + timedelta(days=15)):
            new, new_token = invite(admin)
            with pytest.raises(ValidationError, match="withdrawn"):
                services.invitation_from_token(old_token)
            assert services.invitation_from_token(new_token) == new

    def test_revoked_invitation_cannot_be_used(self):
        admin = AdminFactory()
        invitation, token = invite(admin)
        services.invitation_revoke(admin=admin, invitation=invitation, reason="typo")
        with pytest.raises(ValidationError, match="withdrawn"):
            services.invitation_accept(token=token, name="X", password="a-long-password-1")
        assert AuditEntry.objects.get(action="invitation.revoke").reason == "typo"


class TestAccept:
    def test_accepting_creates_a_verified_member_with_the_invited_role(self):
        _, token = invite(AdminFactory(), role=Role.MENTOR)
        user = services.invitation_accept(token=token, name="Nora", password="a-long-password-1")
        assert user.role == Role.MENTOR and user.name == "Nora"
        assert user.check_password("a-long-password-1")
        assert EmailAddress.objects.get(user=user).verified
        assert user.profile is not None

    def test_admin_invitee_becomes_staff(self):
        _, token = invite(AdminFactory(), role=Role.ADMIN)
        user = services.invitation_accept(token=token, name="Ann", password="a-long-password-1")
        assert user.is_admin and user.is_staff

    def test_link_works_once(self):
        _, token = invite(AdminFactory())
        services.invitation_accept(token=token, name="Nora", password="a-long-password-1")
        with pytest.raises(ValidationError, match="already been used"):
            services.invitation_accept(token=token, name="Eve", password="a-long-password-2")
        assert User.objects.filter(email="new@example.org").count() == 1

    def test_expired_link_is_refused(self):
        _, token = invite(AdminFactory())
        with (time_machine.travel(timezone.now() + timedelta(days=15)),
              pytest.raises(ValidationError, match="expired")):
            services.invitation_accept(token=token, name="N", password="a-long-password-1")
        assert not User.objects.filter(email="new@example.org").exists()

    def test_weak_password_is_refused_and_the_link_still_works(self):
        _, token = invite(AdminFactory())
        with pytest.raises(ValidationError) as error:
            services.invitation_accept(token=token, name="Nora", password="123")
        assert "password" in error.value.message_dict
        assert services.invitation_from_token(token).is_usable

    def test_unknown_token(self):
        with pytest.raises(ValidationError, match="not valid"):
            services.invitation_from_token("nope")


def csv_file(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


class TestCsvImport:
    def test_good_rows_are_invited_and_bad_rows_reported_with_line_and_reason(
            self, django_capture_on_commit_callbacks):
        admin = AdminFactory()
        UserFactory(email="member@example.org")
        text = ("name,email,role\n"
                "Ana,ana@example.org,mentor\n"
                "Bad,not-an-email,member\n"
                "Ann again,ANA@example.org,member\n"
                "Mem,member@example.org,member\n"
                "Role,role@example.org,king\n"
                "Cy,cy@example.org,\n")
        with django_capture_on_commit_callbacks(execute=True):
            report = services.invitation_import_csv(admin=admin, upload=csv_file(text))
        assert sorted(i.email for i in report.invited) == ["ana@example.org", "cy@example.org"]
        assert {i.email: i.role for i in report.invited}["cy@example.org"] == Role.MEMBER
        rejected = {line: why for line, _email, why in report.rejected}
        assert set(rejected) == {3, 4, 5, 6}
        assert "valid" in rejected[3]
        assert "twice" in rejected[4]
        assert "already a member" in rejected[5]
        assert "role" in rejected[6]
        assert len(mail.outbox) == 2

    def test_semicolons_and_a_byte_order_mark_are_understood(self):
        text = "\ufeffemail;name;role\nzoe@example.org;Zoé;member\n"
        report = services.invitation_import_csv(admin=AdminFactory(), upload=csv_file(text))
        assert [i.name for i in report.invited] == ["Zoé"]

    @pytest.mark.parametrize(("content", "why"), [
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"name,role\nAna,member\n", "email"),
    ])
    def test_unreadable_file_invites_nobody(self, content, why):
        upload = SimpleUploadedFile("x.csv", content)
        with pytest.raises(ValidationError, match=why):
            services.invitation_import_csv(admin=AdminFactory(), upload=upload)
        assert not Invitation.objects.exists()

    def test_members_cannot_import(self):
        with pytest.raises(PermissionDenied):
            services.invitation_import_csv(
                admin=UserFactory(), upload=csv_file("email\na@example.org\n"))


class TestMentorApplications:
    def test_submit_and_approve_grants_the_role_capacity_and_expertise(
            self, django_capture_on_commit_callbacks):
        member = UserFactory()
        topic = TopicFactory()
        application = services.application_submit(
            user=member, motivation="I have mentored interns for five years.",
            expertise=[topic], capacity=3)
        admin = AdminFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.application_approve(admin=admin, application=application, note="Welcome!")
        member.refresh_from_db()
        assert member.role == Role.MENTOR and member.is_mentor
        assert member.profile.mentor_capacity == 3
        assert topic in member.profile.expertise.all()
        assert mail.outbox[-1].to == [member.email]
        assert "approved" in mail.outbox[-1].body and "Welcome!" in mail.outbox[-1].body
        entry = AuditEntry.objects.get(action="mentor_application.approve")
        assert entry.actor == admin and entry.reason == "Welcome!"

    def test_decline_needs_a_note_and_emails_it(self, django_capture_on_commit_callbacks):
        application = ApplicationFactory()
        admin = AdminFactory()
        with pytest.raises(ValidationError, match="kindly"):
            services.application_decline(admin=admin, application=application, note=" ")
        application.refresh_from_db()
        assert application.status == MentorApplication.Status.PENDING
        with django_capture_on_commit_callbacks(execute=True):
            services.application_decline(
                admin=admin, application=application, note="Come back next year.")
        application.refresh_from_db()
        assert application.status == MentorApplication.Status.DECLINED
        assert application.applicant.role == Role.MEMBER
        assert "Come back next year." in mail.outbox[-1].body

    def test_a_decision_is_made_once(self):
        application = ApplicationFactory()
        admin = AdminFactory()
        services.application_approve(admin=admin, application=application)
        with pytest.raises(ValidationError, match="already been decided"):
            services.application_decline(admin=admin, application=application, note="No")

    def test_only_admins_decide(self):
        application = ApplicationFactory()
        with pytest.raises(PermissionDenied):
            services.application_approve(admin=MentorFactory(), application=application)
        with pytest.raises(PermissionDenied):
            services.application_approve(admin=application.applicant, application=application)

    def test_one_pending_application_and_short_motivation_refused(self):
        member = UserFactory()
        topic = TopicFactory()
        with pytest.raises(ValidationError, match="20 characters"):
            services.application_submit(user=member, motivation="pls", expertise=[topic],
                                        capacity=1)
        with pytest.raises(ValidationError, match="expertise"):
            services.application_submit(user=member, motivation="x" * 30, expertise=[],
                                        capacity=1)
        services.application_submit(user=member, motivation="x" * 30, expertise=[topic],
                                    capacity=1)
        with pytest.raises(ValidationError, match="already waiting"):
            services.application_submit(user=member, motivation="y" * 30, expertise=[topic],
                                        capacity=1)
        assert MentorApplication.objects.filter(applicant=member).count() == 1

    def test_capacity_must_be_sensible(self):
        with pytest.raises(ValidationError):
            services.application_submit(user=UserFactory(), motivation="x" * 30,
                                        expertise=[TopicFactory()], capacity=0)


def image_upload(fmt: str = "JPEG", size: tuple[int, int] = (1200, 800)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (120, 40, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return SimpleUploadedFile(f"me.{fmt.lower()}", out.getvalue())


class TestProfiles:
    def test_update_saves_fields_vocabulary_and_tags(self):
        member = UserFactory()
        expertise, skill = TopicFactory(), TopicFactory(kind="skill")
        services.profile_update(
            viewer=member, member=member, name="Nina Q",
            values={"headline": "Data engineer", "languages": ["fr", "en"],
                    "time_zone": "America/Toronto", "tags": ["dbt", " dbt ", "Airflow"]},
            expertise=[expertise], skills=[skill])
        member.refresh_from_db()
        profile = member.profile
        assert member.name == "Nina Q"
        assert profile.headline == "Data engineer"
        assert profile.tags == ["dbt", "Airflow"]
        assert list(profile.expertise.all()) == [expertise]
        assert list(profile.skills.all()) == [skill]

    @pytest.mark.parametrize("values", [
        {"time_zone": "Mars/Olympus"},
        {"languages": ["klingon"]},
        {"headline": "x" * 200},
        {"role": "admin"},
        {"mentor_capacity": 3},  # not a mentor
    ])
    def test_bad_values_are_refused_and_change_nothing(self, values):
        member = UserFactory()
        with pytest.raises(ValidationError):
            services.profile_update(viewer=member, member=member,
                                    values={"headline": "changed", **values})
        member.refresh_from_db()
        assert member.profile.headline == ""
        assert member.role == Role.MEMBER

    def test_any_language_is_hers_to_set_unless_she_is_a_mentor(self):
        member, mentor = UserFactory(), MentorFactory()
        services.profile_update(viewer=member, member=member, values={"any_language": True})
        member.profile.refresh_from_db()
        assert member.profile.any_language
        with pytest.raises(ValidationError):
            services.profile_update(viewer=mentor, member=mentor,
                                    values={"headline": "changed", "any_language": True})
        mentor.profile.refresh_from_db()
        assert not mentor.profile.any_language and mentor.profile.headline == ""

    def test_nobody_else_edits_a_profile(self):
        member = UserFactory()
        with pytest.raises(PermissionDenied):
            services.profile_update(viewer=AdminFactory(), member=member,
                                    values={"headline": "hacked"})

    def test_photo_is_cropped_square_and_loses_its_metadata(self, settings):
        member = UserFactory()
        services.profile_update(viewer=member, member=member, values={}, photo=image_upload())
        member.profile.refresh_from_db()
        with Image.open(member.profile.photo.path) as saved:
            assert saved.size == (settings.COHORT_PHOTO_SIZE, settings.COHORT_PHOTO_SIZE)
            assert saved.format == "JPEG"
            assert not saved.getexif()

    def test_a_file_that_is_not_an_image_is_refused(self):
        member = UserFactory()
        fake = SimpleUploadedFile("me.jpg", b"<script>alert(1)</script>")
        with pytest.raises(ValidationError, match="not an image"):
            services.profile_update(viewer=member, member=member, values={}, photo=fake)
        member.profile.refresh_from_db()
        assert not member.profile.photo


class TestBlocks:
    def test_block_and_unblock(self):
        alice, bea = UserFactory(), UserFactory()
        services.block_create(user=alice, other=bea)
        services.block_create(user=alice, other=bea)  # twice is harmless
        assert Block.objects.filter(blocker=alice, blocked=bea).count() == 1
        services.block_remove(user=alice, other=bea)
        assert not Block.objects.exists()

    def test_cannot_block_oneself(self):
        alice = UserFactory()
        with pytest.raises(ValidationError):
            services.block_create(user=alice, other=alice)
