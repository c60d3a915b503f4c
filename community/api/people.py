"""The open API's people (docs/api.md): the people search with the page's filters, a
profile as she may see it (contact details only to the audience its owner chose), and her
own profile, changed through the profile page's form and the same service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community import languages, permissions, rendering, search, selectors, services
from community.api.framework import (
    Flag,
    PersonAPIView,
    RankedPagination,
    StrictSerializer,
    Text,
    WholeNumber,
    caller,
    form_problems,
    pagination,
    validated,
)
from community.forms import PeopleSearchForm, ProfileForm
from community.models import Profile, Role, Topic, User, Visibility
from community.ratelimit import limit_member

ID_MAX = 2**53 - 1
USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH,
                           description="A member whose profile she may see (404 for any other, "
                                       "and for a member either of them blocked).")


# --- Shapes ---------------------------------------------------------------------------------
class TopicSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In her language where the topic has a name in it.")


class PersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A member as the people page lists her."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.values)
    pronouns = serializers.CharField(allow_blank=True)
    headline = serializers.CharField(allow_blank=True)
    expertise = TopicSerializer(many=True)
    open_to_mentees = serializers.BooleanField(
        help_text="A mentor who can be asked now: open, not paused, with a place left.")
    places_left = serializers.IntegerField(allow_null=True, help_text="Mentors only.")
    photo_url = serializers.CharField(allow_null=True,
                                      help_text="A path on this site (signed in), or null.")


class ProfileSerializer(PersonSerializer):
    """A profile as she may see it, as its page shows it."""

    bio = serializers.CharField(allow_blank=True, help_text="Markdown, as she wrote it.")
    bio_html = serializers.CharField(allow_blank=True, help_text="The bio as the page shows it.")
    skills = TopicSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField())
    industry = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    time_zone = serializers.CharField(allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(), help_text="Codes: `fr`, `en`…")
    years_experience = serializers.IntegerField(allow_null=True)
    wants_topics = TopicSerializer(many=True)
    wants_to_develop = serializers.CharField(allow_blank=True)
    can_offer = serializers.CharField(allow_blank=True)
    mentor_capacity = serializers.IntegerField(allow_null=True, help_text="Mentors only.")
    answer_hours = serializers.FloatField(
        allow_null=True, help_text="Mentors: the median hours she took to answer recent requests.")
    availability = serializers.CharField(allow_blank=True)
    contact_details = serializers.CharField(
        allow_null=True, allow_blank=True,
        help_text="null: not shown to her (its owner chose who sees it).")
    is_self = serializers.BooleanField()
    can_message = serializers.BooleanField(
        help_text="She may message her or ask her for mentoring.")


class OwnProfileSerializer(ProfileSerializer):
    """Her own profile, with what only she sets."""

    contact_visibility = serializers.ChoiceField(choices=Visibility.values)
    any_language = serializers.BooleanField(
        allow_null=True, help_text="Members who may ask for a mentor; null for mentors.")
    accepting_mentees = serializers.BooleanField(allow_null=True, help_text="Mentors only.")
    paused = serializers.BooleanField(
        help_text="Requests to her are paused after several went unanswered; "
                  "`accepting_mentees: true` reopens them.")
    relay_only_calls = serializers.BooleanField()


TOPIC_IDS = serializers.ListField(child=WholeNumber(min_value=1, max_value=ID_MAX),
                                  max_length=200, required=False)


class ProfileChangeSerializer(StrictSerializer):
    """What her profile page's form takes (no photo here): each field is optional and
    those not named stay as they are. The form's rules apply (a name too close to
    another member's is refused, a time zone must be one of the list, ...)."""

    name = Text(max_length=150, required=False)
    pronouns = Text(max_length=40, required=False, allow_blank=True)
    headline = Text(max_length=140, required=False, allow_blank=True)
    bio = Text(max_length=4000, required=False, allow_blank=True, trim_whitespace=False)
    expertise = serializers.ListField(child=WholeNumber(min_value=1, max_value=ID_MAX),
                                      max_length=200, required=False)
    skills = serializers.ListField(child=WholeNumber(min_value=1, max_value=ID_MAX),
                                   max_length=200, required=False)
    tags = serializers.ListField(child=Text(max_length=40), max_length=20, required=False)
    industry = Text(max_length=80, required=False, allow_blank=True)
    city = Text(max_length=80, required=False, allow_blank=True)
    time_zone = Text(max_length=64, required=False, allow_blank=True,
                     help_text="An IANA zone such as America/Toronto, or empty.")
    languages = serializers.ListField(child=serializers.ChoiceField(choices=list(languages.NAMES)),
                                      max_length=len(languages.NAMES), required=False)
    any_language = Flag(required=False, help_text="Only members who may ask for a mentor.")
    years_experience = WholeNumber(min_value=0, max_value=70, required=False, allow_null=True)
    wants_to_develop = Text(max_length=2000, required=False, allow_blank=True,
                            trim_whitespace=False)
    wants_topics = serializers.ListField(child=WholeNumber(min_value=1, max_value=ID_MAX),
                                         max_length=200, required=False)
    can_offer = Text(max_length=2000, required=False, allow_blank=True, trim_whitespace=False)
    mentor_capacity = WholeNumber(min_value=0, max_value=50, required=False,
                                  help_text="Mentors only.")
    accepting_mentees = Flag(required=False, help_text="Mentors only.")
    availability = Text(max_length=200, required=False, allow_blank=True)
    contact_details = Text(max_length=500, required=False, allow_blank=True,
                           trim_whitespace=False)
    contact_visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
    relay_only_calls = Flag(required=False)


# --- Payloads -------------------------------------------------------------------------------
def _topics(topics: Any) -> list[dict[str, Any]]:
    return [{"id": t.pk, "name": str(t)} for t in topics]


def person_payload(member: User) -> dict[str, Any]:
    profile = member.profile
    return {
        "id": member.pk, "name": member.name, "role": member.role,
        "pronouns": profile.pronouns, "headline": profile.headline,
        "expertise": _topics(profile.expertise.all()),
        "open_to_mentees": profile.open_to_mentees,
        "places_left": profile.places_left if member.is_mentor else None,
        "photo_url": reverse("profile_photo", args=[member.pk]) if profile.photo else None,
    }


def profile_payload(viewer: User, member: User) -> dict[str, Any]:
    """Her profile as `viewer` may see it: `member` comes from `selectors.member_get`."""
    profile: Profile = member.profile
    return {
        **person_payload(member),
        "bio": profile.bio, "bio_html": str(rendering.render_bio(profile.bio)),
        "skills": _topics(profile.skills.all()), "tags": list(profile.tags),
        "industry": profile.industry, "city": profile.city, "time_zone": profile.time_zone,
        "languages": [code for code in profile.languages if code in languages.NAMES],
        "years_experience": profile.years_experience,
        "wants_topics": _topics(profile.wants_topics.all()),
        "wants_to_develop": profile.wants_to_develop, "can_offer": profile.can_offer,
        "mentor_capacity": profile.mentor_capacity if member.is_mentor else None,
        "answer_hours": profile.answer_hours if member.is_mentor else None,
        "availability": profile.availability,
        "contact_details": (profile.contact_details
                            if permissions.can_view_contact_details(viewer, member) else None),
        "is_self": viewer.pk == member.pk,
        "can_message": permissions.can_contact(viewer, member),
    }


def own_profile_payload(member: User) -> dict[str, Any]:
    member = selectors.member_get(member, member.pk)
    profile = member.profile
    return {
        **profile_payload(member, member),
        "contact_visibility": profile.contact_visibility,
        "any_language": (profile.any_language if permissions.can_seek_mentor(member)
                         else None),
        "accepting_mentees": profile.accepting_mentees if member.is_mentor else None,
        "paused": profile.paused_at is not None,
        "relay_only_calls": profile.relay_only_calls or bool(settings.COHORT_CALLS_RELAY_ONLY),
    }


# --- Views ----------------------------------------------------------------------------------
SEARCH_PARAMETERS = (
    OpenApiParameter("q", str, description="Keywords (at most 200 characters), best match first."),
    OpenApiParameter("expertise", int, description="A field of expertise's id."),
    OpenApiParameter("skill", int, description="A skill's id."),
    OpenApiParameter("industry", str, description="Her industry, as written (case aside)."),
    OpenApiParameter("city", str, description="Her city (accents and case aside)."),
    OpenApiParameter("time_zone", str, description="An IANA zone, e.g. America/Toronto."),
    OpenApiParameter("language", str, enum=list(languages.NAMES),
                     description="A language she speaks."),
    OpenApiParameter("role", str, enum=[Role.MENTOR, Role.MEMBER, Role.ADMIN]),
    OpenApiParameter("open_to_mentees", bool,
                     description="true: mentors who can be asked now only."),
)


class PeopleView(PersonAPIView):
    pagination_class = RankedPagination
    query_parameters = SEARCH_PARAMETERS

    @extend_schema(operation_id="people_search", parameters=list(SEARCH_PARAMETERS),
                   responses=PersonSerializer(many=True), tags=["people"],
                   summary="The people she may see: by keywords and filters, or all by name")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        given = {name: value for name, value in request.query_params.items()
                 if name in {str(p.name) for p in SEARCH_PARAMETERS}}
        if given.get("open_to_mentees", "false") not in ("true", "false"):
            raise serializers.ValidationError({"open_to_mentees": [serializers.ErrorDetail(
                _("Must be a valid boolean."), "invalid")]})
        if given:
            form = PeopleSearchForm(given)
            if not form.is_valid():
                raise form_problems(form)
            limit_member("search", viewer)  # the people page's limit
            members = search.profile_search(viewer, query=form.cleaned_data["q"],
                                            filters=form.filters())
        else:
            members = search.profile_search(viewer)
        return self.paged([person_payload(m) for m in self.page(members)])


class PersonView(PersonAPIView):
    @extend_schema(operation_id="people_get", parameters=[USER_ID], responses=ProfileSerializer,
                   tags=["people"], summary="A member's profile, as she may see it")
    def get(self, request: Request, user_id: int) -> Response:
        viewer = caller(request)
        member = selectors.member_get(viewer, user_id)
        return Response(profile_payload(viewer, member))


def _form_data(form: ProfileForm) -> dict[str, Any]:
    """What the page's form would post for her profile as it is."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name in ("photo_upload", "remove_photo"):
            continue
        value = form[name].value()
        data[name] = "" if value is None and not field.required else value
    return data


class MyProfileView(PersonAPIView):
    @extend_schema(operation_id="my_profile_get", responses=OwnProfileSerializer, tags=["me"],
                   summary="Her own profile")
    def get(self, request: Request) -> Response:
        return Response(own_profile_payload(caller(request)))

    @extend_schema(operation_id="my_profile_change", request=ProfileChangeSerializer,
                   responses=OwnProfileSerializer, tags=["me"],
                   summary="Change her profile (the fields not named stay)")
    def patch(self, request: Request) -> Response:
        member = caller(request)
        data = validated(ProfileChangeSerializer, request.data)
        profile = member.profile
        form = ProfileForm(instance=profile, member=member)
        refused = sorted(name for name in data if name not in form.fields
                         or form.fields[name].disabled)
        if refused:
            raise serializers.ValidationError({name: [serializers.ErrorDetail(
                _("You cannot change this field."), "not_allowed")] for name in refused})
        posted = {**_form_data(form), **data}
        if "tags" in data:
            if any("," in tag for tag in data["tags"]):
                raise serializers.ValidationError({"tags": [serializers.ErrorDetail(
                    _("A tag cannot contain a comma."), "invalid")]})
            posted["tags"] = ", ".join(data["tags"])
        if posted.get("years_experience") is None:
            posted["years_experience"] = ""
        form = ProfileForm(posted, instance=profile, member=member)
        if not form.is_valid():
            member.profile.refresh_from_db()
            raise form_problems(form)
        try:
            services.profile_update(
                viewer=member, member=member, name=form.cleaned_data["name"],
                values=form.service_values(),
                expertise=list(form.cleaned_data["expertise"]),
                skills=list(form.cleaned_data["skills"]),
                wants_topics=list(form.cleaned_data["wants_topics"]))
        finally:
            member.profile.refresh_from_db()
        return Response(own_profile_payload(member))


class TopicListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Topic.Kind.values)
    name = serializers.CharField()


class TopicListView(PersonAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="topics_list", responses=TopicListSerializer(many=True),
                   tags=["people"],
                   summary="The topics a profile may name (fields of expertise and skills)")
    def get(self, request: Request) -> Response:
        caller(request)
        page = self.page(Topic.objects.choosable())
        return self.paged([{"id": t.pk, "kind": t.kind, "name": str(t)} for t in page])
