"""How allauth's sign-up and sign-in fit an invitation-only community."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from community import names, ratelimit
from community.models import Invitation, Profile, Role, SignupDomain, User
from community.webhooks import events as webhook_events


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
            webhook_events.member_joined(user, via="signup")
        return user


# --- Sign-in through the organisation (OpenID Connect) ------------------------------------
# Who may come in through an organisation's provider: the same rules as the e-mail sign-up
# (an invitation, or an allowed domain while sign-up is open), and never anyone by an
# address the provider did not verify.

REFUSALS = ("invitation", "unverified", "inactive", "no_email")


def provider_email(sociallogin: SocialLogin) -> tuple[str, bool]:
    """The address the provider gives (A-Z lower-cased, `services.email_key`; "" when
    none) and whether it says it verified it: only an `email_verified` that is exactly
    true counts. allauth lower-cases the address by Unicode's rules, which turn a
    look-alike into someone's address (a Kelvin sign into "k"): the provider's own claim
    is the address, and one that only Unicode's rules made equal to allauth's does not
    count as verified."""
    from community.services import email_key

    addresses = sociallogin.email_addresses
    if not addresses:
        return "", False
    first = addresses[0]
    given = email_key(str(first.email))
    extra = sociallogin.account.extra_data or {}
    claims = extra.get("userinfo") or extra.get("id_token") or extra
    claimed = claims.get("email") if isinstance(claims, dict) else None
    if isinstance(claimed, str) and claimed.strip():
        email = email_key(claimed)
        return email, first.verified is True and email == given
    return given, first.verified is True


def refusal(request: HttpRequest, reason: str, *, email: str = "",
            provider: str = "") -> ImmediateHttpResponse:
    """The page that turns her away (403), as the exception allauth's flow answers with;
    nothing is created or linked."""
    assert reason in REFUSALS  # nosec: a programming error, not input
    response = render(request, "community/provider_refused.html", {
        "reason": reason, "email": email, "provider": provider, "signup_open": signup_open(),
    }, status=403)
    return ImmediateHttpResponse(response)


def provider_origins(request: HttpRequest | None) -> list[str]:
    """The origins (scheme://host[:port]) of the configured OpenID Connect providers'
    issuers, where the sign-in forms send her on to (`community.middleware`)."""
    origins = []
    for app in SocialAccountAdapter(request).list_apps(request, provider="openid_connect"):
        parts = urlsplit(str(app.settings.get("server_url") or ""))
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def _active_or_refused(request: HttpRequest, user: User, provider: str) -> None:
    """A deactivated or suspended member does not get in. One whose account waits to be
    erased is back, as with her password (`AccountAdapter.authenticate`)."""
    if user.is_active:
        return
    from community import erasure

    if erasure.account_delete_cancel(user=user):
        messages.success(request, _("Welcome back. Your account will not be deleted."))
        return
    raise refusal(request, "inactive", email=user.email, provider=provider)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's social sign-in, invitation-only (docs/deployment.md, "Sign-in through your
    organisation"): a linked member comes in; a member whose address the provider verified
    is linked (audited) and comes in; a newcomer needs an open invitation to that verified
    address or an allowed domain (`is_open_for_signup`); anyone else sees a refusal."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            return  # a signed-in member adds a login to her own account
        provider = sociallogin.provider.name
        if sociallogin.is_existing:
            _active_or_refused(request, sociallogin.user, provider)
            return
        email, verified = provider_email(sociallogin)
        if not email:
            raise refusal(request, "no_email", provider=provider)
        from community.services import same_address

        member = next((user for user in User.objects.filter(email__iexact=email)
                       if same_address(user.email, email)), None)
        if member is None:
            return  # a newcomer: is_open_for_signup decides
        if not verified:
            # Linking on an address nobody proved would hand her account to whoever
            # typed it at the provider.
            raise refusal(request, "unverified", email=email, provider=provider)
        _active_or_refused(request, member, provider)
        from community import services

        with transaction.atomic():
            sociallogin.connect(request, member)
            services.provider_link_record(member=member, email=email, provider=provider)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        from community import services

        email, verified = provider_email(sociallogin)
        if verified and services.invitation_open_for(email) is not None:
            return True
        if signup_open() and domain_allowed(email):
            return True  # her address is checked by mail unless the provider verified it
        # An address nobody proved gets one answer, whether it is a member's, invited or
        # unknown: the page tells a stranger nothing about anyone.
        raise refusal(request, "invitation" if verified else "unverified", email=email,
                      provider=sociallogin.provider.name)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Always: allauth's sign-up form would let her type another address."""
        return True

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin,
                      data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        given = " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
        user.name = str(data.get("name") or given or "")
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin,
                  form: forms.Form | None = None) -> User:
        """The new member: her invitation's role (the invitation is used up), or a member
        of an allowed domain; a name that passes `community.names`; no password (she
        signs in through her organisation, or sets one from her account page)."""
        from community import services

        user = sociallogin.user
        email, verified = provider_email(sociallogin)
        for address in sociallogin.email_addresses:
            address.verified = address.verified is True and verified
        user.email = email
        user.set_unusable_password()
        provider = sociallogin.provider.name
        with transaction.atomic():
            invitation = services.invitation_open_for(email, lock=True) if verified else None
            if invitation is None and not (signup_open() and domain_allowed(email)):
                raise refusal(request, "invitation", email=email, provider=provider)
            user.name = self._name(request, user.name, invitation, email)
            if invitation is not None:
                user.role = invitation.role
                user.is_staff = invitation.role == Role.ADMIN
            sociallogin.save(request)
            Profile.objects.get_or_create(user=user)
            if invitation is not None:
                services.invitation_accept_by(invitation=invitation, user=user)
            webhook_events.member_joined(
                user, via="invitation" if invitation is not None else "signup")
        return user

    @staticmethod
    def _name(request: HttpRequest, given: str, invitation: Invitation | None,
              email: str) -> str:
        """The provider's name if `community.names` takes it, else the invitation's, else
        her address's local part; she is told when the provider's was refused."""
        candidates = [given, invitation.name if invitation else "", email.split("@")[0]]
        for candidate in filter(None, (c.strip() for c in candidates)):
            try:
                name = names.name_clean(candidate)
            except ValidationError as error:
                if candidate == given.strip():
                    messages.info(request, _(
                        "The name your organisation gave, “%(name)s”, cannot be used here: "
                        "%(reason)s You can choose your name on your profile.") % {
                            "name": candidate[:150],
                            "reason": " ".join(error.message_dict.get("name", []))})
                continue
            return name
        return email
