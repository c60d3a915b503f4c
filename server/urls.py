"""URL map: each app's pages, allauth's account pages, the admin (signed in through allauth)."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from server import api, search


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in like everyone else, through allauth (and its rate limits)."""
    target = request.GET.get("next", reverse("admin:index"))
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


handler400 = "server.errors.bad_request"
handler500 = "server.errors.server_error"
handler429 = "server.errors.too_many_requests"  # allauth's limits (allauth.core.ratelimit)

admin.site.site_header = _("Cohort administration")
admin.site.site_title = "Cohort"

urlpatterns = [
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include(api.urlpatterns)),
    path("", include(api.legacy)),
    path("", include("community.urls")),
    path("", include("rooms.urls")),
    path("", include("chat.urls")),
    path("", include("notifications.urls")),
    path("", include("mentoring.urls")),
    path("", include("documents.urls")),
    path("", include("calendar_app.urls")),
    path("search/", search.search_page, name="search"),
]
