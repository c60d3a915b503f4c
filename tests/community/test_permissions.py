"""Who may see and do what: each rule for member, non-member, blocked member and admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from community import permissions
from community.models import Visibility
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    BlockFactory,
    MentorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(name="Alice")


@pytest.fixture
def bea():
    return UserFactory(name="Bea")


class TestViewProfile:
    def test_member_sees_another_member(self, alice, bea):
        assert permissions.can_view_profile(alice, bea)
        assert permissions.access_profile(alice, bea.pk) == bea
        assert bea in permissions.profiles_visible_to(alice)

    def test_signed_out_visitor_sees_nobody(self, bea):
        anonymous = AnonymousUser()
        assert not permissions.can_view_profile(anonymous, bea)
        assert not permissions.profiles_visible_to(anonymous).exists()
        with pytest.raises(Http404):
            permissions.access_profile(anonymous, bea.pk)

    @pytest.mark.parametrize("direction", ["blocker", "blocked"])
    def test_block_hides_both_ways(self, alice, bea, direction):
        if direction == "blocker":
            BlockFactory(blocker=alice, blocked=bea)
        else:
            BlockFactory(blocker=bea, blocked=alice)
        assert not permissions.can_view_profile(alice, bea)
        assert not permissions.can_view_profile(bea, alice)
        assert bea not in permissions.profiles_visible_to(alice)
        assert alice not in permissions.profiles_visible_to(bea)
        with pytest.raises(Http404):
            permissions.access_profile(alice, bea.pk)

    def test_blocked_member_still_sees_herself(self, alice, bea):
        BlockFactory(blocker=bea, blocked=alice)
        assert permissions.can_view_profile(alice, alice)
        assert alice in permissions.profiles_visible_to(alice)

    def test_admin_sees_everyone_even_after_being_blocked(self, bea):
        admin = AdminFactory()
        BlockFactory(blocker=bea, blocked=admin)
        assert permissions.can_view_profile(admin, bea)
        assert bea in permissions.profiles_visible_to(admin)

    def test_deactivated_member_is_hidden_and_sees_nothing(self, alice, bea):
        bea.is_active = False
        bea.save()
        assert not permissions.can_view_profile(alice, bea)
        assert bea not in permissions.profiles_visible_to(alice)
        assert not permissions.can_view_profile(bea, alice)

    def test_missing_and_forbidden_look_the_same(self, alice, bea):
        BlockFactory(blocker=bea, blocked=alice)
        with pytest.raises(Http404):
            permissions.access_profile(alice, bea.pk)
        with pytest.raises(Http404):
            permissions.access_profile(alice, 999_999)


class TestContactDetails:
    @pytest.mark.parametrize(("visibility", "member_sees", "mentor_sees"), [
        (Visibility.MEMBERS, True, True),
        (Visibility.MENTORS, False, True),
        (Visibility.NOBODY, False, False),
    ])
    def test_audience(self, alice, bea, visibility, member_sees, mentor_sees):
        bea.profile.contact_visibility = visibility
        bea.profile.save()
        mentor = MentorFactory()
        assert permissions.can_view_contact_details(alice, bea) is member_sees
        assert permissions.can_view_contact_details(mentor, bea) is mentor_sees
        assert permissions.can_view_contact_details(bea, bea)
        assert permissions.can_view_contact_details(AdminFactory(), bea)
        assert not permissions.can_view_contact_details(AnonymousUser(), bea)

    def test_an_admins_token_without_the_admin_scope_sees_what_a_member_sees(self, bea):
        """Her account as a token without `admin` shows it (community.tokens): her
        contact details shown to nobody stay hidden from it, as from any member."""
        bea.profile.contact_visibility = Visibility.NOBODY
        bea.profile.save()
        script = AdminFactory()
        script.admin_powers = False
        assert not permissions.can_view_contact_details(script, bea)

    def test_blocked_mentor_never_sees_them(self, bea):
        bea.profile.contact_visibility = Visibility.MEMBERS
        bea.profile.save()
        mentor = MentorFactory()
        BlockFactory(blocker=bea, blocked=mentor)
        assert not permissions.can_view_contact_details(mentor, bea)


class TestContact:
    def test_member_may_contact_member(self, alice, bea):
        assert permissions.can_contact(alice, bea)

    def test_not_across_a_block_either_way(self, alice, bea):
        BlockFactory(blocker=alice, blocked=bea)
        assert not permissions.can_contact(alice, bea)
        assert not permissions.can_contact(bea, alice)

    def test_not_signed_out_not_oneself(self, alice):
        assert not permissions.can_contact(AnonymousUser(), alice)
        assert not permissions.can_contact(alice, alice)

    def test_admin_may_contact(self, alice):
        assert permissions.can_contact(AdminFactory(), alice)


class TestAdminRules:
    @pytest.mark.parametrize("rule", [
        permissions.can_invite, permissions.can_review_applications,
        permissions.can_view_audit_log, permissions.can_administer])
    def test_only_admins(self, alice, rule):
        assert rule(AdminFactory())
        assert not rule(alice)
        assert not rule(MentorFactory())
        assert not rule(AnonymousUser())

    def test_deactivated_admin_has_no_power(self):
        admin = AdminFactory(is_active=False)
        assert not permissions.can_invite(admin)

    def test_blocked_admin_keeps_admin_rules(self, alice):
        admin = AdminFactory()
        BlockFactory(blocker=alice, blocked=admin)
        assert permissions.can_review_applications(admin)

    def test_django_object_permissions_are_registered(self, alice, bea):
        assert alice.has_perm("community.view_profile", bea)
        BlockFactory(blocker=bea, blocked=alice)
        assert not alice.has_perm("community.view_profile", bea)


class TestApplyAsMentor:
    def test_member_may_apply_once_at_a_time(self, alice):
        assert permissions.can_apply_as_mentor(alice)
        ApplicationFactory(applicant=alice)
        assert not permissions.can_apply_as_mentor(alice)

    def test_mentor_and_admin_and_visitor_may_not(self):
        assert not permissions.can_apply_as_mentor(MentorFactory())
        assert not permissions.can_apply_as_mentor(AdminFactory())
        assert not permissions.can_apply_as_mentor(AnonymousUser())

    def test_blocked_member_may_apply(self, alice, bea):
        BlockFactory(blocker=bea, blocked=alice)
        assert permissions.can_apply_as_mentor(alice)


class TestBlockAndEdit:
    def test_block_rules(self, alice, bea):
        assert permissions.can_block(alice, bea)
        assert not permissions.can_block(alice, alice)
        assert not permissions.can_block(AnonymousUser(), bea)
        assert permissions.can_block(alice, AdminFactory())

    def test_only_she_edits_her_profile(self, alice, bea):
        assert permissions.can_edit_profile(alice, alice)
        assert not permissions.can_edit_profile(bea, alice)
        assert not permissions.can_edit_profile(AdminFactory(), alice)
        assert not permissions.can_edit_profile(AnonymousUser(), alice)


class TestSeekMentor:
    """Who says what she needs of a mentor ("any language is fine"): whoever is not one."""

    def test_member_may_a_mentor_may_not(self, alice):
        assert permissions.can_seek_mentor(alice)
        assert not permissions.can_seek_mentor(MentorFactory())

    def test_non_member_may_not(self):
        assert not permissions.can_seek_mentor(AnonymousUser())
        assert not permissions.can_seek_mentor(UserFactory(is_active=False))

    def test_blocked_member_still_may(self, alice, bea):
        BlockFactory(blocker=bea, blocked=alice)
        assert permissions.can_seek_mentor(alice)

    def test_admin_may(self):
        assert permissions.can_seek_mentor(AdminFactory())


class TestEditTopics:
    """The topic vocabulary: admins only, a block changes nothing either way."""

    def test_member_may_not(self, alice):
        assert not permissions.can_edit_topics(alice)
        assert not permissions.can_edit_topics(MentorFactory())

    def test_non_member_may_not(self):
        assert not permissions.can_edit_topics(AnonymousUser())
        assert not permissions.can_edit_topics(AdminFactory(is_active=False))

    def test_blocked_member_may_not(self, alice, bea):
        BlockFactory(blocker=bea, blocked=alice)
        assert not permissions.can_edit_topics(alice)

    def test_admin_may_even_when_blocked(self, alice):
        admin = AdminFactory()
        assert permissions.can_edit_topics(admin)
        BlockFactory(blocker=alice, blocked=admin)
        assert permissions.can_edit_topics(admin)
        assert admin.has_perm("community.edit_topics")
