"""Invitations sent again, their link copied, and withdrawn after a confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import AuditEntry, Invitation
from community.ratelimit import RateLimited
from tests.community.factories import AdminFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def links(outbox: list) -> list[str]:
    return [re.search(r"(http\S+/invite/\S+/)", m.body).group(1) for m in outbox]


@pytest.fixture
def ada():
    return AdminFactory(name="Ada Admin")


@pytest.fixture
def sent(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = services.invitation_create(admin=ada, email="joy@example.org",
                                                        name="Joy")
    return invitation


class TestLink:
    def test_the_copied_link_is_the_one_in_the_email(self, ada, sent):
        assert services.invitation_link(admin=ada, invitation=sent) == links(mail.outbox)[0]
        assert sent.token_seed and sent.token_seed not in links(mail.outbox)[0]

    def test_no_link_once_used_withdrawn_or_expired(self, ada, sent):
        with time_machine.travel(timezone.now() + timedelta(days=15)):
            assert services.invitation_link(admin=ada, invitation=sent) is None
        services.invitation_revoke(admin=ada, invitation=sent)
        assert services.invitation_link(admin=ada, invitation=sent) is None

    def test_a_new_secret_key_gives_no_wrong_link(self, ada, sent):
        with override_settings(SECRET_KEY="another-secret-key-of-enough-length-0123456789"):
            assert services.invitation_link(admin=ada, invitation=sent) is None

    @pytest.mark.parametrize("factory", [UserFactory, MentorFactory])
    def test_only_admins_get_it(self, sent, factory):
        with pytest.raises(PermissionDenied):
            services.invitation_link(admin=factory(), invitation=sent)


class TestResend:
    def test_the_same_link_again_valid_for_a_full_period_and_audited(
            self, ada, sent, django_capture_on_commit_callbacks):
        later = timezone.now() + timedelta(days=13)
        with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
            again = services.invitation_resend(admin=ada, invitation=sent)
        assert len(mail.outbox) == 2 and mail.outbox[1].to == ["joy@example.org"]
        assert links(mail.outbox)[0] == links(mail.outbox)[1]  # both e-mails work
        assert again.send_count == 2
        assert again.expires_at >= later + timedelta(days=14) - timedelta(minutes=1)
        entry = AuditEntry.objects.get(action="invitation.resend")
        assert entry.actor == ada and entry.target_id == str(sent.pk)

    def test_an_expired_invitation_comes_back_to_life(self, ada, sent):
        with time_machine.travel(timezone.now() + timedelta(days=20)):
            assert sent.status == "expired"
            assert services.invitation_resend(admin=ada, invitation=sent).status == "pending"

    def test_not_twice_within_ten_minutes(self, ada, sent):
        with pytest.raises(ValidationError, match="send it again at"):
            services.invitation_resend(admin=ada, invitation=sent)
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            services.invitation_resend(admin=ada, invitation=sent)
        assert AuditEntry.objects.filter(action="invitation.resend").count() == 1

    @override_settings(COHORT_INVITATION_RESEND_LIMIT=2)
    def test_an_admin_sends_a_bounded_number_an_hour(self, ada):
        invitations = [services.invitation_create(admin=ada, email=f"p{n}@example.org")[0]
                       for n in range(3)]
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            services.invitation_resend(admin=ada, invitation=invitations[0])
            services.invitation_resend(admin=ada, invitation=invitations[1])
            with pytest.raises(RateLimited):
                services.invitation_resend(admin=ada, invitation=invitations[2])
        invitations[2].refresh_from_db()
        assert invitations[2].send_count == 1

    def test_accepted_or_withdrawn_ones_are_not_sent(self, ada, sent):
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            services.invitation_revoke(admin=ada, invitation=sent)
            with pytest.raises(ValidationError, match="withdrawn"):
                services.invitation_resend(admin=ada, invitation=sent)
            other, token = services.invitation_create(admin=ada, email="kim@example.org")
            services.invitation_accept(token=token, name="Kim", password="a-long-password-1")
            with pytest.raises(ValidationError, match="already been accepted"):
                services.invitation_resend(admin=ada, invitation=other)

    def test_an_invitation_from_before_copyable_links_gets_one(
            self, ada, sent, django_capture_on_commit_callbacks):
        Invitation.objects.filter(pk=sent.pk).update(token_seed="")
        sent.refresh_from_db()
        assert services.invitation_link(admin=ada, invitation=sent) is None
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            with django_capture_on_commit_callbacks(execute=True):
                again = services.invitation_resend(admin=ada, invitation=sent)
            assert services.invitation_link(admin=ada, invitation=again) == links(mail.outbox)[-1]
        assert services.invitation_from_token(links(mail.outbox)[-1].rsplit("/", 2)[-2]) == again

    @pytest.mark.parametrize("factory", [UserFactory, MentorFactory])
    def test_only_admins_send(self, sent, factory):
        with pytest.raises(PermissionDenied):
            services.invitation_resend(admin=factory(), invitation=sent)


class TestPages:
    def test_the_list_offers_resend_copy_and_withdraw(self, client, ada, sent):
        client.force_login(ada)
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            page = client.get(reverse("invitations")).content.decode()
        assert f'action="{reverse("invitation_resend", args=[sent.pk])}"' in page
        assert f'value="{links(mail.outbox)[0]}"' in page
        assert f'href="{reverse("invitation_withdraw", args=[sent.pk])}"' in page
        assert "<script>" not in page and "onclick" not in page  # the CSP allows no inline JS
        assert "js/invitations.js" in page

    def test_just_sent_says_when_it_can_go_again(self, client, ada, sent):
        client.force_login(ada)
        page = client.get(reverse("invitations")).content.decode()
        assert "Can be sent again at" in page
        assert reverse("invitation_resend", args=[sent.pk]) not in page

    def test_resend_from_the_page(self, client, ada, sent):
        client.force_login(ada)
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            page = client.post(reverse("invitation_resend", args=[sent.pk]), follow=True)
        assert "The invitation is sent again to joy@example.org." in page.content.decode()
        again = client.post(reverse("invitation_resend", args=[sent.pk]), follow=True)
        assert "send it again at" in again.content.decode()

    def test_withdrawing_asks_first(self, client, ada, sent):
        client.force_login(ada)
        page = client.get(reverse("invitation_withdraw", args=[sent.pk])).content.decode()
        assert "Withdraw this invitation?" in page and "joy@example.org" in page
        sent.refresh_from_db()
        assert sent.status == "pending"  # asking changes nothing
        response = client.post(reverse("invitation_revoke", args=[sent.pk]), follow=True)
        assert "The invitation to joy@example.org is withdrawn." in response.content.decode()
        sent.refresh_from_db()
        assert sent.status == "revoked"
        response = client.get(reverse("invitation_withdraw", args=[sent.pk]), follow=True)
        assert "cannot be withdrawn any more" in response.content.decode()

    @pytest.mark.parametrize("factory", [UserFactory, MentorFactory])
    def test_others_are_refused(self, client, sent, factory):
        client.force_login(factory())
        assert client.post(reverse("invitation_resend", args=[sent.pk])).status_code == 403
        assert client.get(reverse("invitation_withdraw", args=[sent.pk])).status_code == 403
