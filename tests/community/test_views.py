"""Pages and JSON over HTTP for the signed-out visitor, member, blocked member and admin."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from community import services
from community.models import Invitation, MentorApplication, Role, User
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    BlockFactory,
    TopicFactory,
    UserFactory,
)
from tests.community.test_services import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory(name="Mira Member")
    client.force_login(user)
    return user


@pytest.fixture
def admin_client(client):
    admin = AdminFactory(name="Ada Admin")
    client.force_login(admin)
    client.admin = admin
    return client


class TestSignedOut:
    @pytest.mark.parametrize("name,args", [
        ("home", []), ("people", []), ("profile_edit", []), ("mentor_apply", []),
        ("invitations", []), ("applications_queue", []), ("audit_log", []),
        ("profile_detail", [1]), ("profile_photo", [1]),
    ])
    def test_every_page_and_photo_redirects_to_sign_in(self, client, name, args):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_api_answers_401_and_no_data(self, client):
        UserFactory()
        response = client.get(reverse("api_v1_me"))
        assert response.status_code == 401
        assert [e["code"] for e in response.json()["errors"]] == ["not_authenticated"]

    def test_admin_site_sends_to_the_community_sign_in(self, client):
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("account_login"))

    @pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password/reset/"])
    def test_sign_in_and_reset_pages_answer(self, client, url):
        assert client.get(url).status_code == 200

    def test_sign_up_is_closed_without_domains(self, client):
        response = client.get("/accounts/signup/")
        assert b"closed" in response.content.lower()

    def test_sign_in_with_email_and_password(self, client):
        UserFactory(email="sam@example.org", password="a-long-test-password")
        response = client.post("/accounts/login/", {
            "login": "sam@example.org", "password": "a-long-test-password"})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200


class TestDomainSignup:
    def test_listed_domain_signs_up_and_must_verify_email(self, client):
        from community.models import SignupDomain
        SignupDomain.objects.create(domain="wit.example")
        response = client.post("/accounts/signup/", {
            "email": "kim@wit.example", "name": "Kim", "password1": "a-long-password-1",
            "password2": "a-long-password-1"})
        assert response.status_code == 302
        user = User.objects.get(email="kim@wit.example")
        assert user.name == "Kim" and user.role == Role.MEMBER
        assert "confirm" in mail.outbox[-1].subject.lower()
        # Not verified yet: she cannot use the site.
        assert client.get(reverse("home")).status_code == 302

    def test_other_domains_are_refused(self, client):
        from community.models import SignupDomain
        SignupDomain.objects.create(domain="wit.example")
        response = client.post("/accounts/signup/", {
            "email": "kim@elsewhere.example", "name": "Kim",
            "password1": "a-long-password-1", "password2": "a-long-password-1"})
        assert response.status_code == 200
        assert "invitation" in response.content.decode()
        assert not User.objects.filter(email="kim@elsewhere.example").exists()


class TestInvitationPages:
    def test_admin_invites_and_the_invitee_joins(
            self, admin_client, django_capture_on_commit_callbacks):
        from django.test import Client
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(reverse("invitations"), {
                "form": "one", "one-email": "joy@example.org", "one-name": "Joy",
                "one-role": "member"}, follow=True)
        assert "Invitation sent to joy@example.org" in response.content.decode()
        link = re.search(r"(/invite/\S+/)", mail.outbox[-1].body).group(1)
        visitor = Client()
        page = visitor.get(link)
        assert page.status_code == 200 and "joy@example.org" in page.content.decode()
        response = visitor.post(link, {"name": "Joy", "password": "a-long-password-1",
                                        "password_again": "a-long-password-1"})
        assert response.status_code == 302 and response["Location"] == reverse("profile_edit")
        assert visitor.get(reverse("home")).status_code == 200
        assert visitor.get(link).status_code == 410

    def test_mismatched_passwords_show_an_error(self, client):
        _, token = services.invitation_create(admin=AdminFactory(), email="x@example.org")
        response = client.post(reverse("invitation_accept", args=[token]), {
            "name": "X", "password": "a-long-password-1", "password_again": "other-pass-2"})
        assert response.status_code == 200
        assert "The two passwords differ." in response.content.decode()
        assert not User.objects.filter(email="x@example.org").exists()

    def test_csv_upload_shows_the_report(self, admin_client):
        upload = SimpleUploadedFile(
            "people.csv", b"name,email,role\nA,a@example.org,member\nB,nope,member\n")
        response = admin_client.post(reverse("invitations"), {"form": "csv", "csv-file": upload})
        text = response.content.decode()
        assert "1 invitation sent." in text and "1 row rejected." in text
        assert "not a valid e-mail address" in text
        assert Invitation.objects.count() == 1

    def test_revoke(self, admin_client):
        invitation, token = services.invitation_create(
            admin=admin_client.admin, email="r@example.org")
        admin_client.post(reverse("invitation_revoke", args=[invitation.pk]))
        invitation.refresh_from_db()
        assert invitation.status == "revoked"


class TestAdminPagesAreForAdmins:
    @pytest.mark.parametrize("name", ["invitations", "applications_queue", "audit_log"])
    def test_member_gets_403(self, client, member, name):
        assert client.get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", ["invitations", "applications_queue", "audit_log"])
    def test_admin_gets_the_page(self, admin_client, name):
        assert admin_client.get(reverse(name)).status_code == 200

    def test_member_cannot_decide(self, client, member):
        application = ApplicationFactory()
        response = client.post(reverse("application_decide", args=[application.pk]),
                               {"decision": "approve"})
        assert response.status_code == 403
        application.refresh_from_db()
        assert application.status == "pending"

    def test_member_cannot_use_the_django_admin(self, client, member):
        response = client.get("/admin/community/user/")
        assert response.status_code == 302

    def test_admin_uses_the_django_admin_and_changes_are_audited(self, admin_client):
        assert admin_client.get("/admin/community/user/").status_code == 200
        topic = TopicFactory(name="Old")
        admin_client.post(f"/admin/community/topic/{topic.pk}/change/",
                          {"kind": "expertise", "name": "New", "name_fr": "Nouveau"})
        topic.refresh_from_db()
        assert topic.name == "New"
        from community.models import AuditEntry
        assert AuditEntry.objects.filter(action="admin.change.topic").exists()


class TestApplicationsFlow:
    def test_apply_then_admin_approves(self, client, member, admin_client):
        from django.test import Client
        topic = TopicFactory(name="Data science")
        applicant = Client()
        applicant.force_login(member)
        response = applicant.post(reverse("mentor_apply"), {
            "motivation": "Ten years of data work, happy to share.",
            "expertise": [topic.pk], "capacity": 2}, follow=True)
        assert "Your application is sent." in response.content.decode()
        application = MentorApplication.objects.get(applicant=member)
        response = admin_client.post(reverse("application_decide", args=[application.pk]),
                                     {"decision": "approve", "note": ""}, follow=True)
        assert "Mira Member is now a mentor." in response.content.decode()
        member.refresh_from_db()
        assert member.is_mentor

    def test_application_form_comes_with_her_profile_expertise_ticked(self, client, member):
        data, design = TopicFactory(name="Data science"), TopicFactory(name="Design")
        member.profile.expertise.set([data])
        page = client.get(reverse("mentor_apply")).content.decode()
        ticked = re.findall(r'<input type="checkbox" name="expertise" value="(\d+)"[^>]*checked',
                            page)
        assert ticked == [str(data.pk)]
        assert "Ticked from your profile" in page
        assert f'value="{design.pk}"' in page  # she may add another
        client.post(reverse("mentor_apply"), {
            "motivation": "Ten years of data work, happy to share.",
            "expertise": ticked, "capacity": 2})
        application = MentorApplication.objects.get(applicant=member)
        assert list(application.expertise.all()) == [data]

    def test_application_form_without_profile_expertise_ticks_nothing(self, client, member):
        TopicFactory(name="Data science")
        page = client.get(reverse("mentor_apply")).content.decode()
        assert "checked" not in page and "Ticked from your profile" not in page

    def test_decline_without_note_changes_nothing(self, admin_client):
        application = ApplicationFactory()
        response = admin_client.post(reverse("application_decide", args=[application.pk]),
                                     {"decision": "decline", "note": ""}, follow=True)
        assert "kindly" in response.content.decode()
        application.refresh_from_db()
        assert application.status == "pending"


class TestProfilePages:
    def test_member_sees_a_profile_and_blocked_member_gets_404(self, client, member):
        other = UserFactory(name="Olga")
        assert "Olga" in client.get(reverse("profile_detail", args=[other.pk])).content.decode()
        BlockFactory(blocker=other, blocked=member)
        assert client.get(reverse("profile_detail", args=[other.pk])).status_code == 404
        assert "Olga" not in client.get(reverse("people")).content.decode()

    def test_admin_sees_a_profile_that_blocked_her(self, admin_client):
        other = UserFactory(name="Olga")
        BlockFactory(blocker=other, blocked=admin_client.admin)
        assert admin_client.get(reverse("profile_detail", args=[other.pk])).status_code == 200

    def test_photo_is_served_only_to_those_who_may_see_the_profile(self, client, member):
        other = UserFactory()
        services.profile_update(viewer=other, member=other, values={}, photo=image_upload())
        url = reverse("profile_photo", args=[other.pk])
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        BlockFactory(blocker=other, blocked=member)
        assert client.get(url).status_code == 404

    def test_profile_shows_the_topics_she_wants_to_develop_with_her_words(self, client, member):
        other = UserFactory(name="Olga")
        topic = TopicFactory(name="Negotiation", name_fr="Négociation")
        other.profile.wants_topics.set([topic])
        other.profile.wants_to_develop = "Négocier mon salaire"
        other.profile.save()
        url = reverse("profile_detail", args=[other.pk])
        page = client.get(url).content.decode()
        assert '<span class="chip">Negotiation</span>' in page and "Négocier mon salaire" in page
        page = client.get(url, headers={"accept-language": "fr"}).content.decode()
        assert '<span class="chip">Négociation</span>' in page

    def test_contact_details_follow_her_choice(self, client, member):
        other = UserFactory()
        other.profile.contact_details = "+1 555 0100"
        other.profile.contact_visibility = "nobody"
        other.profile.save()
        url = reverse("profile_detail", args=[other.pk])
        assert "+1 555 0100" not in client.get(url).content.decode()
        other.profile.contact_visibility = "members"
        other.profile.save()
        assert "+1 555 0100" in client.get(url).content.decode()

    def test_edit_profile(self, client, member):
        topic = TopicFactory(name="Cybersecurity")
        response = client.post(reverse("profile_edit"), {
            "name": "Mira M.", "headline": "Security analyst", "expertise": [topic.pk],
            "tags": "CTF, OSINT", "languages": ["fr"], "time_zone": "Europe/Paris",
            "contact_visibility": "members"}, follow=True)
        assert "Your profile is saved." in response.content.decode()
        member.refresh_from_db()
        assert member.name == "Mira M." and member.profile.tags == ["CTF", "OSINT"]
        assert "Security analyst" in response.content.decode()

    def test_any_language_is_saved_next_to_the_languages(self, client, member, monkeypatch):
        from community import services as community_services

        indexed: list[int] = []
        index = community_services.profile_index
        monkeypatch.setattr(community_services, "profile_index",
                            lambda profile: (indexed.append(profile.pk), index(profile)))
        page = client.get(reverse("profile_edit")).content.decode()
        assert page.index('name="languages"') < page.index('name="any_language"') \
            < page.index('name="years_experience"')
        assert "A mentor who does not speak my languages is fine" in page
        client.post(reverse("profile_edit"), {
            "name": "Mira", "languages": ["fr"], "any_language": "on",
            "contact_visibility": "members"})
        member.profile.refresh_from_db()
        assert member.profile.any_language and member.profile.languages == ["fr"]
        assert indexed == [member.profile.pk]
        client.post(reverse("profile_edit"), {"name": "Mira", "contact_visibility": "members"})
        member.profile.refresh_from_db()
        assert not member.profile.any_language

    def test_a_mentor_is_not_asked_about_mentors_languages(self, client):
        from tests.community.factories import MentorFactory

        mentor = MentorFactory()
        client.force_login(mentor)
        page = client.get(reverse("profile_edit")).content.decode()
        assert 'name="any_language"' not in page and 'name="mentor_capacity"' in page
        client.post(reverse("profile_edit"), {
            "name": "Maya", "any_language": "on", "contact_visibility": "members",
            "mentor_capacity": "2"})
        mentor.profile.refresh_from_db()
        assert not mentor.profile.any_language and mentor.profile.mentor_capacity == 2

    def test_time_zone_is_a_searchable_list_of_current_zones(self, client, member):
        from community import time_zones

        page = client.get(reverse("profile_edit")).content.decode()
        field = re.search(r'<input type="text" name="time_zone"[^>]*>', page).group(0)
        assert 'list="id_time_zone-zones"' in field and "data-zone-guess" in field
        options = re.findall(r'<option value="([^"]+)"></option>', page.split(
            '<datalist id="id_time_zone-zones">')[1].split("</datalist>")[0])
        assert options == time_zones.names()
        assert "America/Toronto" in options and "US/Eastern" not in options
        assert "js/zones.js" in page

    def test_time_zone_typed_loosely_is_understood(self, client, member):
        client.post(reverse("profile_edit"), {
            "name": "Mira", "time_zone": "  america/new york ", "contact_visibility": "members"})
        member.profile.refresh_from_db()
        assert member.profile.time_zone == "America/New_York"

    def test_unknown_time_zone_is_refused_with_a_clear_error(self, client, member):
        response = client.post(reverse("profile_edit"), {
            "name": "Mira", "headline": "Changed", "time_zone": "Mars/Olympus_Mons",
            "contact_visibility": "members"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "“Mars/Olympus_Mons” is not a time zone we know." in page
        assert 'value="Mars/Olympus_Mons"' in page  # what she typed stays, to correct
        member.profile.refresh_from_db()
        assert member.profile.time_zone == "" and member.profile.headline == ""

    def test_people_filter_by_a_zone_typed_or_picked(self, client, member):
        from tests.community.factories import profile_fill

        profile_fill(UserFactory(name="Tara Toronto"), time_zone="America/Toronto")
        profile_fill(UserFactory(name="Paula Paris"), time_zone="Europe/Paris")
        page = client.get(reverse("people"), {"time_zone": "america/toronto"}).content.decode()
        assert "Tara Toronto" in page and "Paula Paris" not in page
        assert 'list="id_time_zone-zones"' in page and 'placeholder="Any"' in page
        page = client.get(reverse("people"), {"time_zone": "Mars/Base"}).content.decode()
        assert "is not a time zone we know" in page and "Tara Toronto" not in page

    def test_edit_profile_rejects_a_bad_photo_with_a_clear_error(self, client, member):
        response = client.post(reverse("profile_edit"), {
            "name": "Mira", "headline": "Changed", "contact_visibility": "members",
            "photo_upload": SimpleUploadedFile("x.png", b"not an image")})
        assert response.status_code == 200
        assert "photo" in response.content.decode().lower()
        member.profile.refresh_from_db()
        assert member.profile.headline == ""

    def test_block_from_the_profile_page(self, client, member):
        other = UserFactory(name="Olga")
        client.post(reverse("block_toggle", args=[other.pk]), {"action": "block"})
        # Her profile is gone; only "You blocked Olga" and the way back remain.
        page = client.get(reverse("profile_detail", args=[other.pk])).content.decode()
        assert "You blocked Olga" in page and "Edit my profile" not in page

    def test_people_filters_mentors(self, client, member):
        from tests.community.factories import MentorFactory
        MentorFactory(name="Maya Mentor")
        UserFactory(name="Nell Novice")
        text = client.get(reverse("people"), {"role": "mentor"}).content.decode()
        assert "Maya Mentor" in text and "Nell Novice" not in text


class TestLanguage:
    def test_switch_to_french(self, client, member):
        client.post(reverse("set_language"), {"language": "fr", "next": "/"})
        text = client.get(reverse("home")).content.decode()
        assert 'lang="fr"' in text
        assert "Trouver des personnes" in text

    def test_api_me(self, client, member):
        data = client.get(reverse("api_v1_me")).json()
        assert data["id"] == member.pk and data["role"] == "member" and not data["is_admin"]


class TestDjangoAdminRoles:
    def test_making_a_member_admin_opens_the_admin_site_to_her(self, admin_client):
        member = UserFactory(email="m@example.org", name="Max")
        response = admin_client.post(f"/admin/community/user/{member.pk}/change/", {
            "email": "m@example.org", "name": "Max", "role": "admin", "is_active": "on",
            "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": member.profile.pk, "profile-0-user": member.pk,
            "profile-0-contact_visibility": "mentors", "profile-0-mentor_capacity": "0",
            "profile-0-tags": "[]", "profile-0-languages": "[]"})
        assert response.status_code == 302, response.content.decode()[:2000]
        member.refresh_from_db()
        assert member.role == Role.ADMIN and member.is_staff
        from community.models import AuditEntry
        entry = AuditEntry.objects.get(action="admin.change.user")
        assert entry.actor == admin_client.admin and "Role" in entry.details["changes"]


class TestPasswordReset:
    def test_reset_mail_is_sent_to_a_member(self, client):
        UserFactory(email="forgot@example.org")
        client.post("/accounts/password/reset/", {"email": "forgot@example.org"})
        assert mail.outbox[-1].to == ["forgot@example.org"]
        assert "/accounts/password/reset/key/" in mail.outbox[-1].body


class TestFirstAdmin:
    def test_createsuperuser_admin_signs_in_at_once(self, client):
        from django.core.management import call_command
        call_command("createsuperuser", interactive=False, email="boss@example.org",
                     name="Boss", verbosity=0)
        boss = User.objects.get(email="boss@example.org")
        boss.set_password("a-long-test-password")
        boss.save()
        response = client.post("/accounts/login/", {
            "login": "boss@example.org", "password": "a-long-test-password"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert boss.is_admin and client.get("/admin/").status_code == 200
