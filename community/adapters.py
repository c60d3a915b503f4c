"""How allauth's sign-up and sign-in fit an invitation-only community."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from community import ratelimit
from community.models import Profile, SignupDomain, User


def signup_open() -> bool:
    """Sign-up without an invitation is open only when admins listed e-mail domains.

    The domain of each new address is checked by `community.forms.SignupForm`.
    """
    return SignupDomain.objects.exists()


def domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return SignupDomain.objects.filter(domain=domain).exists()


def _account(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth counts its limits on: the client's, not the proxy's."""
        return ratelimit.client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Before a password is checked: this address's failures on this account (and
        allauth's count of the address's failures). Failures on the account from other
        addresses do not count: a stranger cannot lock a member out."""
        if not ratelimit.login_allowed(account=_account(credentials),
                                       ip=ratelimit.client_ip(request)):
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        ratelimit.login_failed(account=_account(credentials), ip=ratelimit.client_ip(request))
        super().authentication_failed(request, **credentials)
    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """As allauth does. A member whose account waits to be erased is found by her
        password as an inactive account (allauth would show "account inactive"): signing
        in cancels the erasure (`community.erasure`), and she comes in as before; one
        suspended meanwhile stays inactive, and allauth says so."""
        user = super().authenticate(request, **credentials)
        if user is not None and user.is_bot:  # a bot acts only through its tokens
            return None
        if user is not None and not user.is_active:
            from django.contrib import messages
            from django.utils.translation import gettext as _

            from community import erasure

            if erasure.account_delete_cancel(user=user):
                messages.success(request, _("Welcome back. Your account will not be deleted."))
        return user

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return signup_open()

    def save_user(
        self, request: HttpRequest, user: Any, form: forms.Form, commit: bool = True
    ) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "").strip() or user.email.split("@")[0]
        if commit:
            user.save()
            Profile.objects.get_or_create(user=user)
        return user
