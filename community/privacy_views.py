"""Pages of her privacy: what the community shows to whom (`/privacy/`), her data to
download and her account to delete (`/settings/privacy/`), and the admins' retention page."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import erasure, my_data, permissions
from community.forms import AccountDeleteForm, RetentionForm
from community.middleware import wait_text
from community.models import DataExport, ErasureRecord, MessagePolicy
from community.ratelimit import RateLimited


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """Who can see what, in plain words; readable before signing in."""
    return render(request, "community/privacy.html", {
        "grace_days": erasure.grace_days(), "export_days": my_data.export_days(),
        "keep_messages": erasure.policy().messages == MessagePolicy.KEEP,
        "p2p_max": settings.COHORT_CALL_P2P_MAX})


@require_GET
def my_data_page(request: HttpRequest) -> HttpResponse:
    member = permissions.member_of(request)
    return render(request, "community/my_data.html", {
        "export": my_data.export_latest(member), "form": AccountDeleteForm(),
        "grace_days": erasure.grace_days(), "export_days": my_data.export_days(),
        "keep_messages": erasure.policy().messages == MessagePolicy.KEEP})


@require_POST
def my_data_export(request: HttpRequest) -> HttpResponse:
    member = permissions.member_of(request)
    try:
        export = my_data.export_request(user=member,
                                        language=translation.get_language() or "en")
    except RateLimited:
        messages.error(request, _("You asked for your data several times today: ask again "
                                  "tomorrow, or download the copy you have."))
        return redirect("my_data")
    export.refresh_from_db()
    if export.state == DataExport.State.READY:  # a worker that runs at once (tests, small sites)
        messages.success(request, _("Your data is ready to download."))
    else:
        messages.success(request, _("We are preparing your data. You will be told when it "
                                    "is ready."))
    return redirect("my_data")


@require_GET
def my_data_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """Her zip, for her only: anyone else, an admin included, gets the same 404."""
    export = permissions.access_data_export(request.user, export_id)  # type: ignore[arg-type]
    day = timezone.localdate(export.ready_at).isoformat() if export.ready_at else "data"
    try:
        handle = default_storage.open(export.stored, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True,
                            filename=f"{settings.SITE_NAME.lower()}-my-data-{day}.zip",
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    member = permissions.member_of(request)
    form = AccountDeleteForm(request.POST)
    wait = 0  # seconds until she may ask again, past the limit (`account.delete`)
    if form.is_valid():
        try:
            deletion = erasure.account_delete_request(user=member,
                                                      password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error("password", error.messages)
        except RateLimited as error:
            wait = max(1, math.ceil(error.retry_after))
            form.add_error("password", _("Too many tries: try again in %(wait)s. Nothing was "
                                         "changed.") % {"wait": wait_text(wait)})
        else:
            logout(request)
            return render(request, "community/account_deleted.html",
                          {"erase_after": deletion.erase_after})
    response = render(request, "community/my_data.html", {
        "export": my_data.export_latest(member), "form": form, "open_delete": True,
        "grace_days": erasure.grace_days(), "export_days": my_data.export_days(),
        "keep_messages": erasure.policy().messages == MessagePolicy.KEEP},
        status=429 if wait else 400)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    """The retention settings and the log of erased accounts (who, when, how many)."""
    admin = permissions.member_of(request)
    if not permissions.can_manage_retention(admin):
        raise PermissionDenied
    current = erasure.policy()
    form = RetentionForm(request.POST or None, initial={"messages": current.messages})
    if request.method == "POST" and form.is_valid():
        erasure.policy_set(actor=admin, messages=form.cleaned_data["messages"])
        messages.success(request, _("The retention policy is saved."))
        return redirect("retention")
    page = Paginator(ErasureRecord.objects.all(), 50).get_page(request.GET.get("page"))
    titles = {part.key: part.title for part in my_data.parts()}
    rows = [(record, [(titles.get(key, key), count) for key, count in record.counts.items()
                      if key in titles and count])
            for record in page.object_list]
    return render(request, "community/manage/retention.html", {
        "form": form, "grace_days": erasure.grace_days(), "export_days": my_data.export_days(),
        "page": page, "rows": rows})
