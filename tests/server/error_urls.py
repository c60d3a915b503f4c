"""The site's URLs, its error handlers, and views that fail on purpose (tests only)."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from server.urls import handler400, handler500
from server.urls import urlpatterns as site_urlpatterns


def _raise(error: Exception):
    @login_not_required
    def view(request: HttpRequest) -> HttpResponse:
        raise error
    return view


urlpatterns = [
    path("boom/500/", _raise(RuntimeError("boom"))),
    path("boom/400/", _raise(SuspiciousOperation("bad"))),
    path("boom/403/", _raise(PermissionDenied)),
    path("boom/404/", _raise(Http404)),
    *site_urlpatterns,
]

__all__ = ["handler400", "handler500", "urlpatterns"]
