"""Names that cannot pass for another member's (community.names): refused at sign-up, on
an invitation, on the profile and in the admin; the role badge comes from the role."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from community import names, services
from community.models import Role, SignupDomain, User
from tests.community.factories import AdminFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_CLOSE = "too close to another member’s name"
INVISIBLE = "cannot contain invisible, control or text-direction characters"
MIXED = "cannot mix alphabets"


class TestSkeleton:
    @pytest.mark.parametrize(("one", "other"), [
        ("Anna Smith", "Anna Smith"),            # an exact copy
        ("Anna Smith", "anna  SMITH"),           # case and spaces
        ("Anna Smith", "\u0410nna Smith"),       # Cyrillic А
        ("John Doe", "J\u043ehn Doe"),           # Cyrillic о
        ("Oscar", "0scar"),                      # digit zero
        ("Nadia", "\uff2e\uff41\uff44\uff49\uff41"),  # full-width letters
        ("Nadia", "\U0001d40d\U0001d41a\U0001d41d\U0001d422\U0001d41a"),  # bold maths
        ("Emma", "Ernma"),                       # rn for m
        ("Al Green", "A1 Green"),                # digit one for l
    ])
    def test_look_alikes_share_a_skeleton(self, one, other):
        assert names.skeleton(one) == names.skeleton(other)

    @pytest.mark.parametrize(("one", "other"), [
        ("Léa Martin", "Lea Martin"), ("Ali", "All"), ("Anna Smith", "Anna Smyth")])
    def test_different_names_do_not(self, one, other):
        assert names.skeleton(one) != names.skeleton(other)


class TestProblems:
    @pytest.mark.parametrize("name", [
        "Nadia\u200b", "Na\u200ddia", "Nadia\u202eilejnaB", "\u2067Nadia\u2069",
        "Nadia\u200e", "Na\u00addia", "Nadia\x07", "Nadia\nAdmin", "\u3164", "Nadia \u3164"])
    def test_invisible_control_and_direction_characters_are_refused(self, name):
        assert INVISIBLE in names.problem(names.normalise(name))

    @pytest.mark.parametrize("name", ["M\u0430rie Curie", "\u0421hris"])
    def test_a_word_mixing_look_alike_alphabets_is_refused(self, name):
        assert MIXED in names.problem(names.normalise(name))

    @pytest.mark.parametrize("name", [
        "Léa Martin", "Мария Иванова", "Marie Мария", "山田はなこ", "김민지", "Nadia (mentor)",
        "Admin Lovelace", "O'Brien-Ngũgĩ", "Zoë d’Arc"])
    def test_ordinary_names_in_any_script_are_fine(self, name):
        assert names.problem(names.normalise(name)) is None

    def test_too_many_stacked_accents_are_refused(self):
        assert names.problem("Za\u0301\u0302\u0303\u0304lgo") is not None

    def test_names_are_normalised(self):
        assert names.normalise("  \uff2eadia \u00a0  Benali ") == "Nadia Benali"


class TestNameClean:
    @pytest.mark.parametrize("name", ["Notice from Cohort", "NOTICE FROM C0HORT",
                                      "Avis de Cohort", "A former member", "Cohort"])
    def test_a_name_that_passes_for_the_site_is_refused(self, name):
        """The chat shows a server notice under "Notice from Cohort" and an erased
        author as "A former member": no member may take either look."""
        with pytest.raises(ValidationError) as caught:
            names.name_clean(name)
        assert "kept for the site" in str(caught.value)

    def test_an_exact_copy_of_a_mentor_is_refused_without_naming_her(self):
        MentorFactory(name="Grace Hopper")
        with pytest.raises(ValidationError) as caught:
            names.name_clean("Grace Hopper")
        message = caught.value.message_dict["name"][0]
        assert TOO_CLOSE in message and "Grace" not in message and "mentor" not in message

    def test_a_cyrillic_look_alike_is_refused(self):
        MentorFactory(name="Grace Hopper")
        with pytest.raises(ValidationError, match="mix alphabets"):
            names.name_clean("Gr\u0430ce Hopper")
        with pytest.raises(ValidationError, match=TOO_CLOSE):
            names.name_clean("GRACE  HOPPER")

    def test_her_own_name_is_no_clash(self):
        grace = UserFactory(name="Grace Hopper")
        assert names.name_clean("grace hopper", member=grace) == "grace hopper"

    def test_a_name_she_had_before_the_check_is_kept_unchanged(self):
        UserFactory(name="Grace Hopper")
        twin = UserFactory(name="Grace Hopper")  # set before names were checked
        assert names.name_clean("Grace Hopper", member=twin) == "Grace Hopper"
        with pytest.raises(ValidationError):
            names.name_clean("Grace  Hopper ", member=twin)

    def test_the_key_follows_every_save(self):
        member = UserFactory(name="Ada")
        member.name = "Ada Lovelace"
        member.save(update_fields=["name"])
        assert User.objects.get(pk=member.pk).name_key == names.skeleton("Ada Lovelace")


class TestEveryDoor:
    def test_profile_form_refuses_a_look_alike_and_changes_nothing(self, client):
        MentorFactory(name="Grace Hopper")
        member = UserFactory(name="Mira")
        client.force_login(member)
        response = client.post(reverse("profile_edit"), {
            "name": "Gr\u0430ce Hopper", "headline": "New", "contact_visibility": "members"})
        assert response.status_code == 200 and MIXED in response.content.decode()
        response = client.post(reverse("profile_edit"), {
            "name": "grace hopper", "headline": "New", "contact_visibility": "members"})
        assert TOO_CLOSE in response.content.decode()
        member.refresh_from_db()
        assert member.name == "Mira" and member.profile.headline == ""

    def test_profile_service_refuses_a_zero_width_name(self):
        member = UserFactory(name="Mira")
        with pytest.raises(ValidationError):
            services.profile_update(viewer=member, member=member, name="Mi\u200bra", values={})
        member.refresh_from_db()
        assert member.name == "Mira"

    def test_sign_up_refuses_an_existing_name(self, client):
        MentorFactory(name="Grace Hopper")
        SignupDomain.objects.create(domain="wit.example")
        response = client.post("/accounts/signup/", {
            "email": "kim@wit.example", "name": "Grace Hopper", "password1": "a-long-password-1",
            "password2": "a-long-password-1"})
        assert response.status_code == 200 and TOO_CLOSE in response.content.decode()
        assert not User.objects.filter(email="kim@wit.example").exists()

    def test_sign_up_stores_the_normalised_name(self, client):
        SignupDomain.objects.create(domain="wit.example")
        client.post("/accounts/signup/", {
            "email": "kim@wit.example", "name": " \uff2bim  Lee ", "password1": "a-long-password-1",
            "password2": "a-long-password-1"})
        assert User.objects.get(email="kim@wit.example").name == "Kim Lee"

    def test_invitation_accept_refuses_a_right_to_left_override(
            self, django_capture_on_commit_callbacks):
        admin = AdminFactory(name="Ada Admin")
        with django_capture_on_commit_callbacks(execute=True):
            _invitation, token = services.invitation_create(
                admin=admin, email="joy@example.org", name="Joy")
        with pytest.raises(ValidationError):
            services.invitation_accept(token=token, name="Joy\u202e", password="a-long-pass-99")
        with pytest.raises(ValidationError, match=TOO_CLOSE):
            services.invitation_accept(token=token, name="ada admin", password="a-long-pass-99")
        assert not User.objects.filter(email="joy@example.org").exists()

    def test_admin_rename_meets_the_same_rules(self, admin_client):
        MentorFactory(name="Grace Hopper")
        member = UserFactory(name="Mira", email="mira@example.org")
        url = reverse("admin:community_user_change", args=[member.pk])
        form = {"email": "mira@example.org", "name": "Gr\u0430ce Hopper", "role": "member",
                "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
                "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
                "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
                "profile-0-id": str(member.profile.pk), "profile-0-user": str(member.pk),
                "profile-0-contact_visibility": "mentors", "profile-0-mentor_capacity": "0",
                "profile-0-tags": "[]", "profile-0-languages": "[]"}
        response = admin_client.post(url, form)
        assert response.status_code == 200 and MIXED in response.content.decode()
        member.refresh_from_db()
        assert member.name == "Mira"

    def test_admin_add_refuses_a_copy(self, admin_client):
        MentorFactory(name="Grace Hopper")
        response = admin_client.post(reverse("admin:community_user_add"), {
            "email": "new@example.org", "name": "Grace Hopper", "role": "member",
            "password1": "a-long-password-1", "password2": "a-long-password-1"})
        assert response.status_code == 200 and TOO_CLOSE in response.content.decode()


class TestAdminsSeeOldPairs:
    def test_command_lists_existing_look_alikes_and_renames_nobody(self):
        UserFactory(name="Grace Hopper", email="grace@example.org")
        UserFactory(name="Gr\u0430ce Hopper", email="fake@example.org")
        UserFactory(name="Alan Turing")
        out = io.StringIO()
        call_command("names_confusable", "--refresh", stdout=out)
        text = out.getvalue()
        assert "grace@example.org" in text and "fake@example.org" in text
        assert "Alan" not in text and "1 group(s)" in text
        assert User.objects.filter(name="Gr\u0430ce Hopper").exists()

    def test_admin_list_filter_shows_the_pair(self, admin_client):
        UserFactory(name="Grace Hopper", email="grace@example.org")
        UserFactory(name="GRACE HOPPER", email="fake@example.org")
        UserFactory(name="Alan Turing", email="alan@example.org")
        page = admin_client.get(reverse("admin:community_user_changelist") + "?look_alike=yes")
        text = page.content.decode()
        assert "grace@example.org" in text and "fake@example.org" in text
        assert "alan@example.org" not in text


class TestRoleBadge:
    @pytest.mark.parametrize(("factory", "badge"), [
        (UserFactory, ""), (MentorFactory, "mentor"), (AdminFactory, "admin")])
    def test_badge_comes_from_the_role(self, factory, badge):
        assert factory(name="Nadia (mentor) Admin").role_badge == badge

    def test_blocked_or_inactive_mentor_has_no_badge(self):
        assert MentorFactory(is_active=False).role_badge == ""

    def test_profile_and_people_show_the_badge_apart_from_the_name(self, client):
        mentor = MentorFactory(name="Grace Hopper")
        faker = UserFactory(name="Mentor Grace (Programme team)")
        client.force_login(UserFactory())
        page = client.get(reverse("profile_detail", args=[mentor.pk])).content.decode()
        assert re.search(r'class="badge role-badge role-mentor[^"]*"', page)
        page = client.get(reverse("profile_detail", args=[faker.pk])).content.decode()
        assert "role-badge" not in page
        people = client.get(reverse("people")).content.decode()
        assert people.count("role-badge role-mentor") == 1
        assert AnonymousUser().is_authenticated is False  # the pages above are members-only
        assert mentor.role == Role.MENTOR
        assert Client().get(reverse("people")).status_code == 302
