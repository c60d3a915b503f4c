"""Error pages in the site's look and the reader's language.

403 and 404 are Django's own views with our templates (they render with the request, so
a member keeps her navigation). 400, a CSRF failure and 500 are rendered here from the
site's name alone, without the request's context: no context processor runs, nothing
reads the session or the database, which may be what failed. The reader's language is
already active (LocaleMiddleware ran before the view that failed).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from community import middleware


def _page(template_name: str, status: int) -> HttpResponse:
    html = loader.get_template(template_name).render({"site_name": settings.SITE_NAME})
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page("400.html", 400)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return _page("500.html", 500)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's limits (sign-in, e-mail addresses...): the same 429 as Cohort's own."""
    return middleware.too_many_requests(request, None)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the reason stays in the log, not on the page."""
    return _page("403_csrf.html", 403)
