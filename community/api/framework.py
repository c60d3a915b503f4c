"""What every resource of the open API v1 shares (docs/api.md): how a caller is known, how
lists are paged, how errors read, and the strictness a demanding integrator relies on.

Each app's `api.py` builds its views from `MemberAPIView` and its request bodies from
`StrictSerializer`; `server/api.py` only wires them under /api/v1/. The rules themselves
stay in each app's permissions, selectors and services: a view here asks, never decides.

Errors, whatever the status (400, 401, 403, 404, 405, 406, 415, 429), read
`{"errors": [{"field": <name or null>, "code": <word>, "message": <text>}]}`: one entry
per field and per problem.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from community.models import User
from community.ratelimit import RateLimited

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def caller(request: Request) -> User:
    """The member behind this request (the permission classes let no one else in)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise exceptions.NotAuthenticated
    return user


# --- Errors -------------------------------------------------------------------------------
def _entries(detail: Any, field: str | None) -> list[dict[str, Any]]:
    """DRF's error detail (a string, a list or a dict of them) as flat entries; nested
    fields read `kinds.0.code`."""
    if isinstance(detail, Mapping):
        entries = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            entries += _entries(value, f"{field}.{name}" if field and name else name or field)
        return entries
    if isinstance(detail, list):
        entries = []
        for index, value in enumerate(detail):
            nested = isinstance(value, (Mapping, list))
            entries += _entries(value, f"{field}.{index}" if nested and field else field)
        return entries
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": field, "code": str(code), "message": str(detail)}]


def errors_body(detail: Any, field: str | None = None) -> dict[str, list[dict[str, Any]]]:
    return {"errors": _entries(detail, field)}


def _from_django(exc: Exception) -> Exception:
    """The services' Django exceptions as DRF's, so they answer like any other error."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {name: [str(m) for e in errors for m in e.messages]
                 for name, errors in exc.error_dict.items()})
        return exceptions.ValidationError([str(m) for m in exc.messages])
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of the API in one envelope (module docstring). A limit of the
    project's limiter (community.ratelimit) is a 429 with `Retry-After`."""
    if isinstance(exc, RateLimited):
        seconds = max(1, math.ceil(exc.retry_after))
        response = Response(errors_body(exceptions.ErrorDetail(str(exc), "rate_limited")),
                            status=429)
        response["Retry-After"] = str(seconds)
        return response
    response = drf_exception_handler(_from_django(exc), context)
    if response is None:
        return None  # a bug: Django's 500 handler answers
    response.data = errors_body(response.data)
    return response


# --- Strict input ---------------------------------------------------------------------------
class StrictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A request body: an object whose every key is a field of the serializer; an
    unknown key (a typo) is refused with a 400 naming it, and nothing changes."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {name: [exceptions.ErrorDetail(_("Unknown field."), "unknown")]
                     for name in unknown})
        return super().to_internal_value(data)


class Text(serializers.CharField):
    """Text, and only text: a number is not quietly read as its digits."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class WholeNumber(serializers.IntegerField):
    """A JSON whole number: not "5", not 5.0, not true."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class Flag(serializers.BooleanField):
    """A JSON true or false: not "yes", not 1."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def validated(serializer_class: type[serializers.Serializer], data: Any) -> Any:  # type: ignore[type-arg]
    """The body checked by `serializer_class`; a 400 listing every problem otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def form_problems(form: Any, rename: Mapping[str, str] | None = None) -> exceptions.ValidationError:
    """A page's form's errors as the API's 400 (the same checks and words as the page),
    each under its field's name in the API (`rename`, else the form's own)."""
    problems: dict[str | None, list[exceptions.ErrorDetail]] = {}
    for name, errors in form.errors.as_data().items():
        field = None if name == "__all__" else (rename or {}).get(name, name)
        for error in errors:
            for message in error.messages:
                problems.setdefault(field, []).append(
                    exceptions.ErrorDetail(message, error.code or "invalid"))
    return exceptions.ValidationError(
        {key if key is not None else "non_field_errors": value
         for key, value in problems.items()})


# --- Pages ----------------------------------------------------------------------------------
class Pagination(CursorPagination):
    """Opaque cursors (`next`, `previous`); `page_size` 1 to 200 (default 50): a bigger
    one is refused with 400, never quietly cut, so a client does not miss rows it asked
    for. A cursor that was not written by us is a 400 on `cursor`, not a 404."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError({self.page_size_query_param: [
                exceptions.ErrorDetail(
                    _("A page holds 1 to %(max)d items.") % {"max": self.max_page_size},
                    "out_of_range")]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "Where the page starts: `next` or `previous` of another page.",
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Items in a page (default {self.page_size}; more than "
                            f"{self.max_page_size} is refused with 400).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]

    def decode_cursor(self, request: Request) -> Any:
        """The cursor, if it is one we could have written: every ordering here is a
        whole number, and no cursor we write is empty (that is no cursor at all)."""
        invalid = exceptions.ValidationError({self.cursor_query_param: [
            exceptions.ErrorDetail(_("This cursor is not one we gave."), "invalid_cursor")]})
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid from None
        if cursor is None:
            return None
        position = cursor.position
        if position is None and not cursor.offset and not cursor.reverse:
            raise invalid
        if position is not None and not (str(position).isdigit() and len(str(position)) <= 18):
            raise invalid
        return cursor


def pagination(ordering: str) -> type[Pagination]:
    """A Pagination ordered by `ordering` (a unique, unchanging field; "-" newest first)."""
    return type(f"Pagination_{ordering.strip('-')}", (Pagination,), {"ordering": ordering})


class RankedPagination(Pagination):
    """Pages of a ranked list (best first, such as a search): the same `cursor` and
    `page_size` as every list, the cursor holding where the page starts in the ranking.
    The queryset's own ordering is kept (it must end on a unique field)."""

    max_offset = 100_000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.offset = self._offset(request)
        rows = list(queryset[self.offset:self.offset + self.page_size + 1])
        self.has_more = len(rows) > self.page_size
        return rows[:self.page_size]

    def _offset(self, request: Request) -> int:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return 0
        try:
            text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
        except (ValueError, UnicodeError):
            text = ""
        name, _sep, value = text.partition("=")
        if name != "o" or not value.isdigit() or not 0 < int(value) <= self.max_offset:
            raise exceptions.ValidationError({self.cursor_query_param: [exceptions.ErrorDetail(
                _("This cursor is not one we gave."), "invalid_cursor")]})
        return int(value)

    def _link(self, offset: int) -> str:
        if offset <= 0:
            return remove_query_param(self.base_url, self.cursor_query_param)
        encoded = base64.b64encode(f"o={offset}".encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self) -> str | None:
        return self._link(self.offset + self.page_size) if self.has_more else None

    def get_previous_link(self) -> str | None:
        return self._link(self.offset - self.page_size) if self.offset else None


# --- Views ----------------------------------------------------------------------------------
# A resource of the API: signed-in members only (settings.REST_FRAMEWORK), and no query
# parameter it does not know (a typo is a 400, not silently ignored). `query_parameters`:
# those this view reads besides its pagination's. (A comment, not a docstring: the
# schema would show it as every operation's description.)
class MemberAPIView(APIView):

    query_parameters: tuple[OpenApiParameter, ...] = ()
    pagination_class: type[Pagination] | None = None  # type: ignore[assignment]

    def allowed_query(self) -> set[str]:
        names = {str(p.name) for p in self.query_parameters}
        if self.pagination_class is not None and self.request.method == "GET":
            names |= {Pagination.cursor_query_param, Pagination.page_size_query_param}
        return names

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication first: 401 before 400
        unknown = sorted(set(request.query_params) - self.allowed_query())
        if unknown:
            raise exceptions.ValidationError(
                {name: [exceptions.ErrorDetail(_("Unknown query parameter."), "unknown")]
                 for name in unknown})

    def page(self, queryset: Any) -> list[Any]:
        """This request's page of `queryset` (its `paginate` answer is `paged`)."""
        if self.pagination_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} pages nothing: no pagination_class.")
        self._paginator = self.pagination_class()
        return list(self._paginator.paginate_queryset(queryset, self.request, view=self) or [])

    def paged(self, rows: list[Any]) -> Response:
        return self._paginator.get_paginated_response(rows)


# A resource of her person, not of a room: the directory, her profile, mentoring. A bot
# acts only in its rooms (rooms.bots): its tokens get 403 here (TokenScopes). A comment,
# not a docstring: the schema would show a docstring on every operation without its own.
class PersonAPIView(MemberAPIView):
    bots_refused = True


class MemberSessionScheme(OpenApiAuthenticationExtension):
    """The schema's word for MemberSessionAuthentication: the session cookie."""

    target_class = "community.api.authentication.MemberSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # Written out, not read from settings: the committed schema is the same for every
        # install (behind HTTPS the cookies are `__Host-sessionid` and `__Host-csrftoken`).
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "The session of a member signed in on the site (named "
                               "`__Host-sessionid` behind HTTPS); unsafe methods also send "
                               "the CSRF cookie's token as the X-CSRFToken header."}


class AccessTokenScheme(OpenApiAuthenticationExtension):
    """The schema's word for AccessTokenAuthentication: a personal access token."""

    target_class = "community.api_auth.AccessTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A personal access token (`cohort_pat_…`, made on her settings "
                               "page; docs/api.md): `read` for GET, `write` for the other "
                               "methods, `admin` for the admin operations."}
