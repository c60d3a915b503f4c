"""The one search box: every kind of thing a member may find, asked in turn, on one page.

Each kind is a `Kind` in `KINDS`, in the order the page shows them. A kind answers for a
viewer through its own app's search, which asks its own permission rules; this module
only parses the form, asks each kind and lays out what they answer. A new kind (documents,
their comments) is one more `register(Kind(...))` here, with the filters it honours: a kind
that cannot honour a filter she set is left out rather than answering unfiltered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from chat import search as chat_search
from community import fulltext
from community import permissions as community_permissions
from community import search as community_search
from community.models import User
from community.ratelimit import limit_member
from documents import search as documents_search
from rooms import selectors as room_selectors

PER_KIND = 5  # results of each kind on the page of all kinds
PAGE_SIZE = 20  # results of one kind, page by page
MAX_PAGE = chat_search.OFFSET_MAX // PAGE_SIZE
PERSON_CHOICES_MAX = 300


@dataclass(frozen=True)
class SearchRequest:
    """What she asked, parsed: dates as aware datetimes, `until` exclusive."""

    query: str
    room_id: int | None = None
    person_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    order: chat_search.Order = "best"
    room_titles: dict[int, str] = field(default_factory=dict)

    def filters_set(self) -> set[str]:
        return {name for name, value in (("room", self.room_id), ("person", self.person_id),
                                         ("date", self.since or self.until)) if value}


@dataclass(frozen=True)
class Result:
    title: str
    url: str
    snippet: SafeString
    context: str = ""  # where it is: a room's title
    author: str = ""
    when: datetime | None = None


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    results: list[Result]
    has_more: bool


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    find: Callable[[User, SearchRequest, int, int], tuple[list[Result], bool]]
    filters: frozenset[str] = frozenset()  # of "room", "person", "date"


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.key] = kind


def mark_words(text: str, query: str) -> SafeString:
    """`text` escaped, with the words that start with one of her words in `<mark>`."""
    words = fulltext.terms(query)
    if not words:
        return mark_safe(html.escape(text))  # noqa: S308 (escaped)  # nosec B308 B703  # every piece escaped
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*",
                         re.IGNORECASE)
    out, at = [], 0
    for found in pattern.finditer(text):
        out += [html.escape(text[at:found.start()]), f"<mark>{html.escape(found[0])}</mark>"]
        at = found.end()
    out.append(html.escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped)  # nosec B308 B703  # every piece escaped


def _messages(viewer: User, request: SearchRequest, offset: int,
              limit: int) -> tuple[list[Result], bool]:
    page = chat_search.message_search(
        viewer, query=request.query, order=request.order, offset=offset, limit=limit,
        filters=chat_search.MessageFilters(room_id=request.room_id,
                                           author_id=request.person_id,
                                           since=request.since, until=request.until))
    results = []
    for hit in page.hits:
        message = hit.message
        title = request.room_titles.get(message.room_id, message.room.name)
        results.append(Result(
            title=title, context=title, snippet=hit.snippet,
            url=f"{reverse('room', args=[message.room_id])}#message-{message.seq}",
            author=message.author.name if message.author else str(_("A former member")),
            when=message.created_at))
    return results, page.has_more


def _people(viewer: User, request: SearchRequest, offset: int,
            limit: int) -> tuple[list[Result], bool]:
    members = list(community_search.profile_search(viewer, query=request.query)
                   [offset:offset + limit + 1])
    return [Result(title=member.name, url=reverse("profile_detail", args=[member.pk]),
                   snippet=mark_words(member.profile.headline, request.query))
            for member in members[:limit]], len(members) > limit


def _document_filters(request: SearchRequest) -> documents_search.Filters:
    return documents_search.Filters(room_id=request.room_id, person_id=request.person_id,
                                    since=request.since, until=request.until)


def _documents(viewer: User, request: SearchRequest, offset: int,
               limit: int) -> tuple[list[Result], bool]:
    hits, more = documents_search.document_search(
        viewer, query=request.query, filters=_document_filters(request), order=request.order,
        offset=offset, limit=limit)
    results = []
    for hit in hits:
        document = hit.item
        room = request.room_titles.get(document.room_id, document.room.name)
        results.append(Result(
            title=document.name, context=room, snippet=hit.snippet,
            url=reverse("document", args=[document.pk]),
            author=document.uploaded_by.name if document.uploaded_by else "",
            when=document.updated_at))
    return results, more


def _comments(viewer: User, request: SearchRequest, offset: int,
              limit: int) -> tuple[list[Result], bool]:
    hits, more = documents_search.comment_search(
        viewer, query=request.query, filters=_document_filters(request), order=request.order,
        offset=offset, limit=limit)
    results = []
    for hit in hits:
        comment = hit.item
        document = comment.document
        room = request.room_titles.get(document.room_id, document.room.name)
        results.append(Result(
            title=document.name, context=room, snippet=hit.snippet,
            url=f"{reverse('document', args=[document.pk])}#comment-{comment.pk}",
            author=comment.author.name if comment.author else str(_("A former member")),
            when=comment.created_at))
    return results, more


ALL_FILTERS = frozenset({"room", "person", "date"})
register(Kind("messages", _("Messages"), _messages, ALL_FILTERS))
register(Kind("documents", _("Documents"), _documents, ALL_FILTERS))
register(Kind("comments", _("Comments on documents"), _comments, ALL_FILTERS))
register(Kind("people", _("People"), _people))


class SearchForm(forms.Form):
    """An invalid value (a room she is not in, a date that is none) is reported."""

    q = forms.CharField(label=_("Search for"), required=False,
                        max_length=chat_search.MAX_QUERY_CHARS)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    room = forms.TypedChoiceField(label=_("Room"), required=False, coerce=int,
                                  empty_value=None)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int,
                                    empty_value=None)
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(label=_("Order"), required=False, choices=[
        ("best", _("Best match first")), ("newest", _("Newest first"))])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE,
                              widget=forms.HiddenInput)

    def __init__(self, *args: Any, viewer: User, room_titles: dict[int, str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("Everything")), *((key, kind.label) for key, kind in KINDS.items())]
        cast(forms.ChoiceField, self.fields["room"]).choices = [
            ("", _("All my rooms")), *room_titles.items()]
        people = (community_permissions.profiles_visible_to(viewer)
                  .filter(memberships__room_id__in=list(room_titles)).distinct()
                  .order_by(Lower("name"))[:PERSON_CHOICES_MAX])
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", _("Anyone")), *((p.pk, p.name) for p in people)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_request(form: SearchForm, room_titles: dict[int, str]) -> SearchRequest:
    data = form.cleaned_data
    return SearchRequest(
        query=data["q"], room_id=data["room"], person_id=data["person"],
        since=_day_start(data["since"]) if data["since"] else None,
        until=_day_start(data["until"] + timedelta(days=1)) if data["until"] else None,
        order=data["order"] or "best", room_titles=room_titles)


def sections(viewer: User, request: SearchRequest, *, kind: str = "",
             page: int = 1) -> list[Section]:
    """Each kind's results: PER_KIND of each, or a page of PAGE_SIZE of the one `kind`.
    A kind that cannot honour a filter she set is left out."""
    found = []
    for key, each in KINDS.items():
        if (kind and key != kind) or not request.filters_set() <= each.filters:
            continue
        if kind:
            results, more = each.find(viewer, request, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        else:
            results, more = each.find(viewer, request, 0, PER_KIND)
        found.append(Section(key, each.label, results, more))
    return found


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    viewer = community_permissions.member_of(request)
    room_titles = {room.pk: room_selectors.room_title(room, viewer)
                   for room in room_selectors.room_list(viewer)}
    form = SearchForm(request.GET or None, viewer=viewer, room_titles=room_titles)
    found: list[Section] = []
    searched = form.is_bound and form.is_valid() and bool(form.cleaned_data["q"].strip())
    kind, page = "", 1
    if searched:
        limit_member("search", viewer)  # RateLimited: 429 (community.middleware)
        kind, page = form.cleaned_data["kind"], form.cleaned_data["page"] or 1
        found = sections(viewer, search_request(form, room_titles), kind=kind, page=page)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("kind", None)
    return render(request, "search.html", {
        "form": form, "sections": found, "max_page": MAX_PAGE, "searched": searched,
        "kind": kind, "page": page,
        "params": params.urlencode(), "query": form.cleaned_data.get("q", "")
        if form.is_bound and form.is_valid() else "",
        "nothing": searched and not any(s.results for s in found),
        "filters_active": any(request.GET.get(n) for n in ("room", "person", "since", "until",
                                                          "kind", "order")),
    })
