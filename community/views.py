"""Pages of the community: home, people, profiles, mentor applications, admin work queues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import (
    audit,
    next_steps,
    permissions,
    rendering,
    search,
    selectors,
    services,
    vocabulary,
)
from community.forms import (
    AuditFilterForm,
    DecisionForm,
    InvitationAcceptForm,
    InviteCsvForm,
    InviteForm,
    MentorApplicationForm,
    PeopleSearchForm,
    ProfileForm,
    TopicForm,
    TopicMergeForm,
    TopicSynonymsForm,
)
from community.models import Invitation, MentorApplication, Topic, User
from community.ratelimit import RateLimited, limit_member


def _errors_to_form(form: object, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on its field where it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None  # type: ignore[attr-defined]
            for item in errors:
                form.add_error(target, item.messages)  # type: ignore[attr-defined]
    else:
        form.add_error(None, error.messages)  # type: ignore[attr-defined]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def home(request: HttpRequest) -> HttpResponse:
    user = permissions.member_of(request)
    context = {
        "latest_application": selectors.application_latest(user),
        "can_apply": permissions.can_apply_as_mentor(user),
        "next_steps": next_steps.next_steps_for(user),
        "profile_incomplete": not (user.profile.headline and user.profile.bio),
    }
    return render(request, "community/home.html", context)


@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Search by keyword and field filters; without either, everyone by name."""
    viewer = permissions.member_of(request)
    form = PeopleSearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        limit_member("search", viewer)  # RateLimited: 429 (community.middleware)
        members = search.profile_search(viewer, query=form.cleaned_data["q"],
                                        filters=form.filters())
    elif form.is_bound:
        members = User.objects.none()
    else:
        members = search.profile_search(viewer)
    page = Paginator(members, 24).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "community/people.html", {
        "form": form, "page": page, "params": params.urlencode(),
        "filters_active": any(request.GET.get(name) for name in (
            "expertise", "skill", "industry", "city", "time_zone", "language", "role")),
        "query": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""})


@require_GET
def profile_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = permissions.member_of(request)
    try:
        member = selectors.member_get(viewer, user_id)
    except Http404:
        # The member she blocked: no profile, only the way back (404 for anyone else).
        blocked = permissions.access_blocked(viewer, user_id)
        return render(request, "community/profile_blocked.html", {"member": blocked})
    return render(request, "community/profile_detail.html", {
        "member": member,
        "profile": member.profile,
        "bio_html": rendering.render_bio(member.profile.bio),
        "is_self": viewer.pk == member.pk,
        "show_contact": permissions.can_view_contact_details(viewer, member),
        "can_block": permissions.can_block(viewer, member),
        "can_report": permissions.can_report(viewer) and viewer.pk != member.pk,
        "can_message": permissions.can_contact(viewer, member),
        "has_blocked": selectors.has_blocked(viewer, member),
        # The way to her conversations for a report or a safety concern (the rooms pages
        # decide, on break-glass terms: never by joining them).
        "can_look_into_rooms": permissions.can_administer(viewer) and viewer.pk != member.pk,
    })


@require_GET
@never_cache
def profile_photo(request: HttpRequest, user_id: int) -> FileResponse:
    """Photos have no public URL: each request checks that the viewer may see the profile."""
    member = permissions.access_profile(permissions.member_of(request), user_id)
    if not member.profile.photo:
        raise Http404
    response = FileResponse(member.profile.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return response


def profile_edit(request: HttpRequest) -> HttpResponse:
    member = permissions.member_of(request)
    profile = member.profile
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile,
                       member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                viewer=member, member=member, name=form.cleaned_data["name"],
                values=form.service_values(),
                expertise=list(form.cleaned_data["expertise"]),
                skills=list(form.cleaned_data["skills"]),
                wants_topics=list(form.cleaned_data["wants_topics"]),
                photo=form.cleaned_data.get("photo_upload"),
                remove_photo=form.cleaned_data.get("remove_photo", False))
        except ValidationError as error:
            profile.refresh_from_db()
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile_detail", member.pk)
    return render(request, "community/profile_edit.html", {"form": form, "profile": profile})


@require_POST
def block_toggle(request: HttpRequest, user_id: int) -> HttpResponse:
    if request.POST.get("action") == "unblock":
        # The member she blocked is hidden from her profiles: found among her blocks.
        return _unblock(request, permissions.access_blocked(permissions.member_of(request),
                                                            user_id))
    member = permissions.access_profile(permissions.member_of(request), user_id)
    try:
        services.block_create(user=permissions.member_of(request), other=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("profile_detail", member.pk)
    messages.success(request, _("You blocked %(name)s. Neither of you can see or contact the "
                                "other any more.") % {"name": member.name})
    return redirect("people")


def _unblock(request: HttpRequest, member: User) -> HttpResponse:
    try:
        services.block_remove(user=permissions.member_of(request), other=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("blocked_members")
    messages.success(request, _("You unblocked %(name)s.") % {"name": member.name})
    return redirect("blocked_members")


@require_GET
def blocked_members(request: HttpRequest) -> HttpResponse:
    """Whom she blocked and when, each with a way to take the block back."""
    viewer = permissions.member_of(request)
    return render(request, "community/blocked_members.html", {
        "blocks": permissions.blocks_visible_to(viewer)})


@require_http_methods(["GET", "POST"])
def unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET asks her to confirm; POST takes her block of this member back."""
    member = permissions.access_blocked(permissions.member_of(request), user_id)
    if request.method == "POST":
        return _unblock(request, member)
    return render(request, "community/unblock_confirm.html", {"member": member})


def mentor_apply(request: HttpRequest) -> HttpResponse:
    user = permissions.member_of(request)
    form = MentorApplicationForm(request.POST or None, applicant=user)
    can_apply = permissions.can_apply_as_mentor(user)
    if request.method == "POST" and can_apply and form.is_valid():
        try:
            services.application_submit(
                user=user, motivation=form.cleaned_data["motivation"],
                expertise=list(form.cleaned_data["expertise"]),
                capacity=form.cleaned_data["capacity"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Your application is sent. The programme team will "
                                        "answer by e-mail."))
            return redirect("mentor_apply")
    return render(request, "community/mentor_apply.html", {
        "form": form, "can_apply": can_apply,
        "applications": user.mentor_applications.order_by("-created_at"),
    })


# --- Admin work queues ------------------------------------------------------------------

def applications_queue(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_review_applications(permissions.member_of(request)))
    return render(request, "community/manage/applications.html", {
        "queue": selectors.application_queue(permissions.member_of(request)),
        "decided": selectors.application_decided_list(permissions.member_of(request)),
        "form": DecisionForm(),
    })


@require_POST
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    _require(permissions.can_review_applications(permissions.member_of(request)))
    application = get_object_or_404(MentorApplication, pk=application_id)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    if form.is_valid() and decision in ("approve", "decline"):
        note = form.cleaned_data["note"]
        try:
            if decision == "approve":
                services.application_approve(
                    admin=permissions.member_of(request), application=application, note=note)
                messages.success(request, _("%(name)s is now a mentor.")
                                 % {"name": application.applicant.name})
            else:
                services.application_decline(
                    admin=permissions.member_of(request), application=application, note=note)
                messages.success(request, _("The application of %(name)s is declined.")
                                 % {"name": application.applicant.name})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose approve or decline."))
    return redirect("applications_queue")


def invitations(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_invite(permissions.member_of(request)))
    invite_form = InviteForm(prefix="one")
    csv_form = InviteCsvForm(prefix="csv")
    report = None
    if request.method == "POST" and request.POST.get("form") == "one":
        invite_form = InviteForm(request.POST, prefix="one")
        if invite_form.is_valid():
            try:
                invitation, _token = services.invitation_create(
                    admin=permissions.member_of(request), **invite_form.cleaned_data)
            except ValidationError as error:
                _errors_to_form(invite_form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.")
                                 % {"email": invitation.email})
                return redirect("invitations")
    elif request.method == "POST" and request.POST.get("form") == "csv":
        csv_form = InviteCsvForm(request.POST, request.FILES, prefix="csv")
        if csv_form.is_valid():
            try:
                report = services.invitation_import_csv(
                    admin=permissions.member_of(request), upload=csv_form.cleaned_data["file"])
            except ValidationError as error:
                _errors_to_form(csv_form, error)
    admin = permissions.member_of(request)
    rows = [(invitation, services.invitation_link(admin=admin, invitation=invitation),
             services.invitation_resend_after(invitation))
            for invitation in selectors.invitation_list(admin)]
    return render(request, "community/manage/invitations.html", {
        "invite_form": invite_form, "csv_form": csv_form, "report": report, "rows": rows})


@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    admin = permissions.member_of(request)
    _require(permissions.can_invite(admin))
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    try:
        services.invitation_resend(admin=admin, invitation=invitation)
    except (ValidationError, RateLimited) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError)
                       else str(error))
    else:
        messages.success(request, _("The invitation is sent again to %(email)s.")
                         % {"email": invitation.email})
    return redirect("invitations")


@require_GET
def invitation_withdraw_confirm(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The confirmation step before withdrawing, as a page: the invitations page opens the
    same form in a dialog when scripts run."""
    _require(permissions.can_invite(permissions.member_of(request)))
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    if invitation.status != "pending":
        messages.error(request, _("This invitation cannot be withdrawn any more."))
        return redirect("invitations")
    return render(request, "community/manage/invitation_withdraw.html",
                  {"invitation": invitation})


@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    _require(permissions.can_invite(permissions.member_of(request)))
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    try:
        services.invitation_revoke(admin=permissions.member_of(request), invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation to %(email)s is withdrawn.")
                         % {"email": invitation.email})
    return redirect("invitations")


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The log in sentences, filtered by who, what and when, 50 entries a page."""
    viewer = permissions.member_of(request)
    _require(permissions.can_view_audit_log(viewer))
    form = AuditFilterForm(request.GET or None, actors=selectors.audit_actors(viewer))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = selectors.audit_list(
        viewer, actor_id=filters.get("actor"), action=filters.get("action") or "",
        date_from=filters.get("date_from"), date_to=filters.get("date_to"))
    if form.is_bound and not form.is_valid():
        entries = entries.none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "community/manage/audit.html", {
        "form": form, "page": page, "lines": audit.audit_lines(page.object_list),
        "params": params.urlencode(), "filtered": bool(filters and any(filters.values()))})


@require_http_methods(["GET", "POST"])
def topics(request: HttpRequest) -> HttpResponse:
    """The vocabulary, with how many profiles use each topic, and a form to add one."""
    admin = permissions.member_of(request)
    _require(permissions.can_edit_topics(admin))
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = vocabulary.topic_create(actor=admin, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": topic.name})
            return redirect("topics")
    counts = vocabulary.topic_profile_counts()
    listed = [(t, counts.get(t.pk, 0)) for t in Topic.objects.all()]
    return render(request, "community/manage/topics.html", {
        "form": form,
        "groups": [(label, [row for row in listed if row[0].kind == kind]) for kind, label in (
            (Topic.Kind.EXPERTISE, _("Fields of expertise")), (Topic.Kind.SKILL, _("Skills")))]})


@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Rename, change its other words, merge, retire or bring back one topic. Merging and
    retiring take it off profiles: the first POST shows what would change, the second
    (`confirm`) does it."""
    admin = permissions.member_of(request)
    _require(permissions.can_edit_topics(admin))
    topic = get_object_or_404(Topic, pk=topic_id)
    action = request.POST.get("action", "")
    rename = TopicForm(request.POST if action == "rename" else None, rename=True,
                       initial={"name": topic.name, "name_fr": topic.name_fr})
    words = TopicSynonymsForm(request.POST if action == "synonyms" else None,
                              initial={"synonyms": topic.synonyms,
                                       "synonyms_fr": topic.synonyms_fr})
    merge = TopicMergeForm(request.POST if action == "merge" else None, topic=topic)
    confirming = None
    if request.method == "POST":
        confirm = request.POST.get("confirm") == "yes"
        try:
            if action == "rename" and rename.is_valid():
                vocabulary.topic_rename(actor=admin, topic=topic, **rename.cleaned_data)
                messages.success(request, _("The topic is renamed."))
                return redirect("topic_edit", topic.pk)
            if action == "synonyms" and words.is_valid():
                vocabulary.topic_synonyms_set(actor=admin, topic=topic, **words.cleaned_data)
                messages.success(request, _("The other words are saved. Recommendations "
                                            "take them into account in a moment."))
                return redirect("topic_edit", topic.pk)
            if action == "merge" and merge.is_valid():
                into = merge.cleaned_data["into"]
                if not confirm:
                    confirming = "merge"
                else:
                    vocabulary.topic_merge(actor=admin, topic=topic, into=into)
                    messages.success(request, _("%(old)s is merged into %(new)s.")
                                     % {"old": topic.name, "new": into.name})
                    return redirect("topic_edit", into.pk)
            if action == "retire":
                if not confirm:
                    confirming = "retire"
                else:
                    vocabulary.topic_retire(actor=admin, topic=topic)
                    messages.success(request, _("%(name)s is retired.") % {"name": topic.name})
                    return redirect("topics")
            if action == "restore":
                vocabulary.topic_restore(actor=admin, topic=topic)
                messages.success(request, _("%(name)s can be chosen again.")
                                 % {"name": topic.name})
                return redirect("topic_edit", topic.pk)
        except ValidationError as error:
            _errors_to_form({"merge": merge, "synonyms": words}.get(action, rename), error)
    return render(request, "community/manage/topic.html", {
        "topic": topic, "usage": vocabulary.topic_usage(topic), "rename": rename,
        "words": words, "merge": merge, "confirming": confirming,
        "into": merge.cleaned_data.get("into") if confirming == "merge" else None})


# --- Signed-out pages -------------------------------------------------------------------

@login_not_required
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(request, "community/invitation_invalid.html",
                      {"reason": " ".join(error.messages)}, status=410)
    form = InvitationAcceptForm(request.POST or None, initial={"name": invitation.name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, name=form.cleaned_data["name"],
                password=form.cleaned_data["password"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to the community! Tell the others about you."))
            return redirect("profile_edit")
    return render(request, "community/invitation_accept.html",
                  {"form": form, "invitation": invitation})
