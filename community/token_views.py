"""Her access tokens on her settings pages, and every member's for the admins."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from community import permissions, tokens
from community.models import AccessToken, User


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80, help_text=gettext_lazy(
        "What the token is for, so that you recognise it later: “Weekly report script”."))
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("What it may do"), widget=forms.CheckboxSelectMultiple,
        initial=["read"])
    days = forms.TypedChoiceField(label=gettext_lazy("Expires after"), coerce=int,
                                  initial=tokens.DEFAULT_DAYS)

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("read", _("Read what you can see")),
                   ("write", _("Write as you (post, change, delete): includes read"))]
        if owner.is_admin:
            choices.append(("admin", _("Administration (admin requests)")))
        cast(forms.ChoiceField, self.fields["scopes"]).choices = choices
        cast(forms.ChoiceField, self.fields["days"]).choices = [
            (days, ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
            for days in tokens.EXPIRY_CHOICES]


def _errors_to_form(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def token_create_form(request: HttpRequest, owner: User, *, actor: User
                      ) -> tuple[TokenForm, AccessToken | None, str]:
    """The form, and on a good POST the new token and its secret (shown once)."""
    form = TokenForm(request.POST if request.method == "POST" else None, owner=owner)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.token_create(
                user=owner, actor=actor, name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"], days=form.cleaned_data["days"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return TokenForm(owner=owner), token, secret
    return form, None, ""


@never_cache
@require_http_methods(["GET", "POST"])
def access_tokens(request: HttpRequest) -> HttpResponse:
    """Her tokens (name, scopes, last use, expiry), a form to make one, and the new one's
    secret once, on the page that answers the POST (never stored, never shown again)."""
    viewer = permissions.member_of(request)
    form, new, secret = token_create_form(request, viewer, actor=viewer)
    return render(request, "community/tokens/list.html", {
        "form": form, "new": new, "secret": secret, "owner": viewer,
        "tokens": tokens.tokens_of(viewer, viewer), "max_tokens": tokens.MAX_PER_MEMBER,
        "max_days": tokens.MAX_DAYS, "prefix": tokens.PREFIX},
        status=200 if not form.errors else 400)


@require_http_methods(["GET", "POST"])
def access_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks to confirm; POST revokes. Her own, or any member's for an admin."""
    viewer = permissions.member_of(request)
    try:
        token = tokens.access_token(viewer, token_id)
    except AccessToken.DoesNotExist:
        raise Http404 from None
    back = "access_tokens" if token.user_id == viewer.pk else "manage_tokens"
    if request.method == "POST":
        tokens.token_revoke(actor=viewer, token=token)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.")
                         % {"name": token.name})
        return redirect(back)
    return render(request, "community/tokens/revoke_confirm.html", {
        "token": token, "back": back})


def manage_tokens(request: HttpRequest) -> HttpResponse:
    """Admins: every member's live tokens, each with who holds it and its last use."""
    viewer = permissions.member_of(request)
    if not viewer.is_admin:
        raise PermissionDenied
    rows = (AccessToken.objects.live().select_related("user")
            .order_by("user__name", "-created_at")[:500])
    return render(request, "community/manage/tokens.html", {"tokens": rows})
