"""Taking a block back: the rule (only the one who blocked), her "Blocked members" page,
the confirmation, the audit trail, the old unblock path (it answered 404), and the stub a
blocked member's profile shows to the one who blocked her."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from community import permissions, services
from community.models import AuditEntry, Block
from tests.community.factories import AdminFactory, BlockFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    """Mira blocked Olga."""
    mira, olga = UserFactory(name="Mira"), UserFactory(name="Olga")
    BlockFactory(blocker=mira, blocked=olga)
    return mira, olga


class TestRules:
    @pytest.mark.parametrize("who,may", [
        ("blocker", True), ("blocked member", False), ("member", False), ("admin", False),
        ("signed out", False)])
    def test_only_the_one_who_blocked_unblocks(self, pair, who, may):
        from django.contrib.auth.models import AnonymousUser

        mira, olga = pair
        viewer = {"blocker": mira, "blocked member": olga, "member": UserFactory(),
                  "admin": AdminFactory(), "signed out": AnonymousUser()}[who]
        other = mira if who == "blocked member" else olga
        assert permissions.can_unblock(viewer, other) is may
        assert permissions.blocks_visible_to(viewer).exists() is may
        if may:
            assert permissions.access_blocked(viewer, other.pk) == other
        else:
            with pytest.raises(Http404):
                permissions.access_blocked(viewer, other.pk)

    def test_blocked_either_way(self, pair):
        mira, olga = pair
        assert permissions.blocked_either_way(mira.pk) == {olga.pk}
        assert permissions.blocked_either_way(olga.pk) == {mira.pk}
        assert permissions.blocked_either_way(UserFactory().pk) == set()


class TestServices:
    def test_block_and_unblock_are_audited_and_ring_both(self, monkeypatch):
        from community import hooks

        rang: list[tuple[int, int]] = []
        monkeypatch.setattr(hooks, "_block_changed", [lambda a, b: rang.append((a, b))])
        mira, olga = UserFactory(name="Mira"), UserFactory(name="Olga")
        services.block_create(user=mira, other=olga)
        services.block_create(user=mira, other=olga)  # again: nothing new
        services.block_remove(user=mira, other=olga)
        assert list(AuditEntry.objects.order_by("created_at", "pk")
                    .values_list("action", "target_id", "actor_id")) == [
            ("member.block", str(olga.pk), mira.pk), ("member.unblock", str(olga.pk), mira.pk)]
        assert rang == [(mira.pk, olga.pk), (mira.pk, olga.pk)]

    def test_the_blocked_member_cannot_take_the_block_back(self, pair):
        mira, olga = pair
        with pytest.raises(ValidationError):
            services.block_remove(user=olga, other=mira)
        assert Block.objects.filter(blocker=mira, blocked=olga).exists()
        assert not AuditEntry.objects.exists()


class TestPages:
    def test_blocked_members_lists_whom_she_blocked_and_when(self, client, pair):
        mira, olga = pair
        BlockFactory(blocked=mira)  # someone blocked her: not on her page
        client.force_login(mira)
        response = client.get(reverse("blocked_members"))
        assert [b.blocked for b in response.context["blocks"]] == [olga]
        page = response.content.decode()
        assert "Olga" in page and reverse("unblock", args=[olga.pk]) in page
        assert "Unblock Olga" in page

    def test_unblock_asks_first_then_unblocks(self, client, pair):
        mira, olga = pair
        client.force_login(mira)
        confirm = client.get(reverse("unblock", args=[olga.pk]))
        assert confirm.status_code == 200 and "Unblock Olga?" in confirm.content.decode()
        assert Block.objects.exists()  # asking changes nothing
        response = client.post(reverse("unblock", args=[olga.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("blocked_members")
        assert "You unblocked Olga." in response.content.decode()
        assert not Block.objects.exists()
        assert AuditEntry.objects.get().action == "member.unblock"
        assert client.get(reverse("profile_detail", args=[olga.pk])).status_code == 200

    def test_the_old_unblock_path_no_longer_answers_404(self, client, pair):
        mira, olga = pair
        client.force_login(mira)
        response = client.post(reverse("block_toggle", args=[olga.pk]), {"action": "unblock"})
        assert response.status_code == 302
        assert not Block.objects.exists()

    @pytest.mark.parametrize("who", ["blocked member", "member", "admin"])
    def test_nobody_else_reaches_the_unblock_page(self, client, pair, who):
        mira, olga = pair
        viewer = {"blocked member": olga, "member": UserFactory(), "admin": AdminFactory()}[who]
        client.force_login(viewer)
        for method in (client.get, client.post):
            assert method(reverse("unblock", args=[olga.pk])).status_code == 404
            assert method(reverse("unblock", args=[mira.pk])).status_code == 404
        assert client.post(reverse("block_toggle", args=[olga.pk]),
                           {"action": "unblock"}).status_code in (302, 404)
        assert Block.objects.exists()

    def test_a_blocked_members_profile_links_to_unblocking(self, client, pair):
        mira, olga = pair
        client.force_login(mira)
        response = client.get(reverse("profile_detail", args=[olga.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "You blocked Olga" in page
        assert reverse("unblock", args=[olga.pk]) in page
        assert reverse("blocked_members") in page
        assert olga.profile.headline == "" or olga.profile.headline not in page
        client.force_login(olga)  # the other way, she is hidden as before
        assert client.get(reverse("profile_detail", args=[mira.pk])).status_code == 404

    def test_her_own_profile_links_to_blocked_members(self, client, pair):
        mira, _olga = pair
        client.force_login(mira)
        page = client.get(reverse("profile_detail", args=[mira.pk])).content.decode()
        assert reverse("blocked_members") in page
