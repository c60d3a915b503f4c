"""Nothing is visible to anyone who is not signed in; a limit reached is a 429 that says
when to try again."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.ratelimit import RateLimited


class MembersOnlyMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware; API calls get a JSON 401 instead of a redirect.

    Views open to signed-out visitors (sign-in, password reset, invitations) carry
    `@login_not_required`. Uploaded files have no public URL: their views sit behind
    this middleware like every page.
    """

    def handle_no_permission(  # type: ignore[override]  # JSON for the API, not a redirect
        self, request: HttpRequest, view_func: Callable[..., Any]
    ) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": "not_authenticated", "detail": "Sign in first."}, status=401)
        return super().handle_no_permission(request, view_func)


def wait_text(seconds: int) -> str:
    """How long to wait, in words: seconds, minutes or hours (rounded up)."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def too_many_requests(request: HttpRequest, retry_after: float | None) -> HttpResponse:
    """HTTP 429 with `Retry-After` (whole seconds): JSON for the API, else a page saying
    when to try again. `retry_after` None: the limit is allauth's, whose wait is not
    told; the page says a few minutes, the header the shortest of its windows."""
    seconds = max(1, math.ceil(retry_after)) if retry_after is not None else 60
    if request.path.startswith("/api/") or "application/json" in request.headers.get(
            "Accept", ""):
        response: HttpResponse = JsonResponse(
            {"error": "rate_limited", "retry_after": seconds,
             "detail": _("Too many requests: wait %(seconds)d seconds.") % {"seconds": seconds}},
            status=429)
    else:
        response = render(request, "429.html", {
            "wait": wait_text(seconds) if retry_after is not None else ""}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class RateLimitedMiddleware(MiddlewareMixin):
    """A view that reached a limit (community.ratelimit.RateLimited) answers 429."""

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception.retry_after)
        return None


def form_action_with(policy: str, origins: list[str]) -> str:
    """The Content-Security-Policy `policy` with `origins` added to its form-action
    directive (unchanged when it has none: then forms may go anywhere)."""
    directives = [part.strip() for part in policy.split(";")]
    for index, directive in enumerate(directives):
        name, _space, sources = directive.partition(" ")
        if name.lower() == "form-action":
            kept = [source for source in sources.split() if source != "'none'"]
            for origin in origins:
                if origin not in kept:
                    kept.append(origin)
            directives[index] = " ".join([name, *kept])
    return "; ".join(directives)


class SignInProviderFormsMiddleware(MiddlewareMixin):
    """The pages under /accounts/ (sign-in, the confirmation of an organisation sign-in,
    her connections) post forms that Cohort answers with a redirect to the organisation's
    provider; browsers apply the CSP's form-action to that redirect too. So those pages'
    policy allows the providers' origins (`adapters.provider_origins`), and no other page's.
    Listed before Django's CSP middleware, so it sees the header that one set."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        policy = response.headers.get("Content-Security-Policy")
        if policy and request.path.startswith("/accounts/"):
            from community.adapters import provider_origins

            origins = provider_origins(request)
            if origins:
                response.headers["Content-Security-Policy"] = form_action_with(policy, origins)
        return response
