"""Bots: accounts for a room's scripts, made by an admin in *Manage -> Bots*.

A bot is a `User` with `is_bot`: no password and no verified e-mail address, so it cannot
sign in through the pages (`community.adapters` refuses it too); it acts only through its
access tokens (`community.tokens`), with the rights of a member of its rooms and nothing
more (it is never an admin or a mentor, whatever its role says). It shows "Bot" beside
its name wherever a role badge shows, and stays out of people's lists, search,
recommendations, matching and member counts. Deactivating it refuses its tokens at once
and closes its open sockets (the save rings `rooms.services.account_changed`).
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from community import audit, names, tokens
from community.models import AccessToken, User
from community.token_views import TokenForm, _errors_to_form
from rooms import services
from rooms.models import Room

BOT_DOMAIN = "bots.invalid"  # RFC 2606: no mail is ever delivered there


def bot_create(*, admin: User, name: str, room: Room) -> User:
    """A bot in `room` (a group room), audited; its tokens are made apart."""
    if not admin.is_admin:
        raise PermissionDenied
    if room.kind != Room.Kind.GROUP or room.is_archived:
        raise ValidationError({"room": _("A bot joins an open group room.")})
    with transaction.atomic():
        bot = User.objects.create_user(
            email=f"bot-{secrets.token_hex(8)}@{BOT_DOMAIN}", password=None,
            name=names.name_clean(name), is_bot=True)
        services.member_add(actor=admin, room=room, user=bot)
        audit.audit_record(actor=admin, action="bot.create", target=bot, room=room.name)
    return bot


def bot_deactivate(*, admin: User, bot: User) -> User:
    if not admin.is_admin or not bot.is_bot:
        raise PermissionDenied
    with transaction.atomic():
        bot.is_active = False
        bot.save(update_fields=["is_active"])  # its sockets are closed (server.features)
        audit.audit_record(actor=admin, action="bot.deactivate", target=bot)
    return bot


class BotForm(TokenForm):
    bot_name = forms.CharField(label=gettext_lazy("The bot’s name"), max_length=150)
    room = forms.ModelChoiceField(label=gettext_lazy("Its room"), queryset=Room.objects.none())
    field_order = ("bot_name", "room", "name", "scopes", "days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(  # type: ignore[attr-defined]
            kind=Room.Kind.GROUP, archived_at__isnull=True).order_by("name")
        self.fields["name"].label = _("Its token’s name")
        self.fields["name"].initial = _("Bot token")


def _require_admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_admin:
        raise PermissionDenied
    return user


@never_cache
def manage_bots(request: HttpRequest) -> HttpResponse:
    """The bots, and a form that makes one in a room with its first token (shown once)."""
    admin = _require_admin(request)
    bot_user = User(is_bot=True)  # for the choice of scopes: a bot is never an admin
    form = BotForm(request.POST if request.method == "POST" else None, owner=bot_user)
    secret, new = "", None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                bot = bot_create(admin=admin, name=data["bot_name"], room=data["room"])
                new, secret = tokens.token_create(user=bot, actor=admin, name=data["name"],
                                                  scopes=data["scopes"], days=data["days"])
        except ValidationError as error:
            if hasattr(error, "error_dict") and "name" in error.error_dict:
                error = ValidationError({"bot_name": error.error_dict.pop("name"),
                                         **error.error_dict})
            _errors_to_form(form, error)
        else:
            form = BotForm(owner=bot_user)
    bots = User.objects.filter(is_bot=True).prefetch_related("memberships__room").order_by(
        "-is_active", "name")
    live = dict.fromkeys(AccessToken.objects.live().filter(user__is_bot=True)
                         .values_list("user_id", flat=True))
    return render(request, "rooms/manage_bots.html", {
        "form": form, "bots": bots, "with_tokens": live, "new": new, "secret": secret},
        status=400 if form.errors else 200)


@require_POST
def manage_bot_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = _require_admin(request)
    bot = get_object_or_404(User, pk=user_id, is_bot=True)
    bot_deactivate(admin=admin, bot=bot)
    messages.success(request, _("The bot %(name)s is deactivated: its tokens no longer "
                                "work.") % {"name": bot.name})
    return redirect("manage_bots")
