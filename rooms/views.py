"""Room pages: create a group room, manage its members, open a direct conversation, and
an admin's break-glass access to a pair's or a direct room."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions as community_permissions
from community.models import User
from rooms import permissions, selectors, services
from rooms.forms import AddMemberForm, BreakGlassForm, RoomForm
from rooms.models import BreakGlassGrant, Membership, Room


def room_new(request: HttpRequest) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    if not permissions.can_create_group(viewer):
        raise PermissionDenied
    candidates = (community_permissions.profiles_visible_to(viewer)
                  .filter(is_active=True).exclude(pk=viewer.pk).order_by("name"))
    form = RoomForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create_group(
                creator=viewer, name=form.cleaned_data["name"],
                topic=form.cleaned_data["topic"], members=form.cleaned_data["members"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("room", room.pk)
    return render(request, "rooms/room_new.html", {"form": form})


def _managed_room(viewer: User, room_id: int) -> Room:
    """Members see the page; admins who manage group rooms too. Others: 404."""
    return permissions.access_room_members(viewer, room_id)


def room_manage(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    room = _managed_room(viewer, room_id)
    candidates = (community_permissions.profiles_visible_to(viewer).filter(is_active=True)
                  .exclude(memberships__room=room).order_by("name"))
    form = AddMemberForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(actor=viewer, room=room, user=form.cleaned_data["user"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("%(name)s joined the room.")
                             % {"name": form.cleaned_data["user"].name})
            return redirect("room_manage", room.pk)
    memberships = room.memberships.select_related("user").order_by("user__name")
    presence = selectors.presence_seen_by(viewer, (m.user_id for m in memberships))
    return render(request, "rooms/room_manage.html", {
        "room": room, "title": selectors.room_title(room, viewer),
        "members": [(m, presence.get(m.user_id, "offline"),
                     permissions.can_remove_member(viewer, room, m)) for m in memberships],
        "form": form if permissions.can_manage_members(viewer, room) else None,
        "can_leave": permissions.can_leave(viewer, room),
        "can_archive": permissions.can_archive(viewer, room),
        "is_member": permissions.can_view_room(viewer, room),
    })


@require_POST
def member_remove(request: HttpRequest, room_id: int, user_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    room = _managed_room(viewer, room_id)
    membership = Membership.objects.filter(room=room, user_id=user_id).select_related(
        "user").first()
    if membership is None:
        raise Http404
    try:
        services.member_remove(actor=viewer, room=room, user=membership.user,
                               reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)]))
                       or _("You may not remove this member."))
    else:
        messages.success(request, _("%(name)s was removed from the room.")
                         % {"name": membership.user.name})
    return redirect("room_manage", room.pk)


@require_POST
def room_leave(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    room = permissions.access_room(viewer, room_id)
    try:
        services.room_leave(user=viewer, room=room)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("room_manage", room.pk)
    messages.success(request, _("You left %(room)s.") % {"room": room.name})
    return redirect("rooms")


@require_POST
def room_mute(request: HttpRequest, room_id: int) -> HttpResponse:
    """`muted=1` mutes, anything else unmutes; back to `next` (a path of this site)."""
    viewer = community_permissions.member_of(request)
    room = permissions.access_room(viewer, room_id)
    muted = request.POST.get("muted") == "1"
    services.room_mute(user=viewer, room=room, muted=muted)
    title = selectors.room_title(room, viewer)
    messages.success(request, (_("%(room)s is muted.") if muted else _("%(room)s is unmuted."))
                     % {"room": title})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or \
            not target.startswith("/"):
        target = f"/rooms/{room.pk}/"
    return redirect(target)


@require_POST
def room_archive(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    room = _managed_room(viewer, room_id)
    try:
        services.room_archive(actor=viewer, room=room)
    except PermissionDenied:
        messages.error(request, _("You may not archive this room."))
    else:
        messages.success(request, _("The room is archived: it stays readable."))
    return redirect("room_manage", room.pk)


@require_POST
def direct_open(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    other = community_permissions.access_profile(viewer, user_id)
    try:
        room = services.room_open_direct(user=viewer, other=other, limited=True)
    except PermissionDenied:
        messages.error(request, _("You cannot message this member."))
        return redirect("profile_detail", other.pk)
    return redirect("room", room.pk)


def _break_glass_room(viewer: User, room_id: int) -> Room:
    """Admins, for a pair's or a direct room they are not in; anyone else: 404."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not permissions.can_break_glass(viewer, room):
        raise Http404
    return room


def break_glass(request: HttpRequest, room_id: int) -> HttpResponse:
    """Ask to read a pair's or a direct room: a reason and a time limit; the room's grants,
    the open ones with "End now"."""
    viewer = community_permissions.member_of(request)
    room = _break_glass_room(viewer, room_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass_open(admin=viewer, room=room,
                                      reason=form.cleaned_data["reason"],
                                      hours=form.cleaned_data["hours"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("You can read this conversation until the time "
                                        "shown in it. Both members were told."))
            return redirect("room", room.pk)
    return render(request, "rooms/break_glass.html", {
        "room": room, "form": form,
        "members": room.memberships.select_related("user").order_by("user__name"),
        "grants": selectors.break_glass_list(viewer, room),
        "active": permissions.has_grant(viewer, room.pk),
    }, status=400 if form.errors else 200)


@require_POST
def break_glass_end(request: HttpRequest, grant_id: int) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    grant = BreakGlassGrant.objects.select_related("room").filter(pk=grant_id).first()
    if grant is None or not permissions.can_break_glass(viewer, grant.room):
        raise Http404
    try:
        services.break_glass_end(actor=viewer, grant=grant)
    except PermissionDenied:
        messages.error(request, _("This access has ended already."))
    else:
        messages.success(request, _("Access ended. Both members were told."))
    return redirect("break_glass", grant.room_id)


def break_glass_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """A member's pair and direct rooms, each with the way to break-glass access: admins
    only (anyone else: 404)."""
    viewer = community_permissions.member_of(request)
    member = User.objects.filter(pk=user_id).first()
    if member is None or not permissions.can_look_into_rooms_of(viewer, member):
        raise Http404
    return render(request, "rooms/break_glass_member.html", {
        "member": member, "rooms": selectors.break_glass_rooms(viewer, member)})
