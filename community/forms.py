"""Forms of the community pages. They parse and show errors; services decide and write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from community import languages, names, permissions, time_zones
from community.adapters import domain_allowed
from community.audit import ACTIONS
from community.models import MentorApplication, MessagePolicy, Profile, Role, Topic, User
from community.search import Filters


class SignupForm(forms.Form):
    """The base of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): a name, and only
    addresses of the domains the admins listed."""

    name = forms.CharField(label=_("Full name"), max_length=150)

    def clean_name(self) -> str:
        return names.form_name_clean(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email = data.get("email")
        if email and not domain_allowed(email):
            self.add_error("email", _(
                "Sign-up is open only to the e-mail domains of this community. "
                "Ask the programme team for an invitation."))
        return data

    def signup(self, request: Any, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])


class InvitationAcceptForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150)

    def clean_name(self) -> str:
        return names.form_name_clean(self.cleaned_data["name"])
    password = forms.CharField(
        label=_("Choose a password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validation.password_validators_help_text_html, str)())
    password_again = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class InviteCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One row per person, with a first line naming the columns: "
                    "name, email, role (member, mentor or admin)."))


class ZoneInput(forms.TextInput):
    """A text box that searches the list of zones (an `<input list>` and its `<datalist>`,
    no script needed); with `guess`, static/js/zones.js fills an empty one with the
    browser's zone."""

    template_name = "community/widgets/zone_input.html"

    def __init__(self, *, guess: bool = False) -> None:
        attrs = {"autocomplete": "off", "spellcheck": "false", "class": "zone-input"}
        if guess:
            attrs["data-zone-guess"] = ""
        super().__init__(attrs)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["list"] = f"{widget['attrs'].get('id') or name}-zones"
        widget["zone_names"] = time_zones.names()
        return context


class ZoneField(forms.CharField):
    """An IANA time zone typed or picked from the list; case and spaces are forgiven, an
    unknown zone is refused with a message that says what to do."""

    def __init__(self, *, guess: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", ZoneInput(guess=guess))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        typed = super().clean(value)
        if not typed:
            return ""
        zone = time_zones.parse(typed) or (typed if typed in time_zones.known() else None)
        if zone is None:
            raise forms.ValidationError(
                _("“%(typed)s” is not a time zone we know. Type a region or a city and pick "
                  "a zone from the list, for example America/Toronto."),
                code="unknown_zone", params={"typed": typed[:64]})
        return zone


class TagsField(forms.CharField):
    """Free tags typed as a comma-separated list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [t.strip() for t in text.split(",") if t.strip()]


class ProfileForm(forms.ModelForm):
    name = forms.CharField(label=_("Full name"), max_length=150)
    photo_upload = forms.ImageField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    tags = TagsField(
        label=_("Other tags"), required=False,
        help_text=_("Words or short phrases, separated by commas."))
    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"), required=False, widget=forms.CheckboxSelectMultiple)
    time_zone = ZoneField(
        label=_("Time zone"), required=False, guess=True,
        help_text=_("Type to search the list: Montréal and Toronto are America/Toronto."))

    class Meta:
        model = Profile
        fields = [
            "pronouns", "headline", "bio", "expertise", "skills", "tags", "industry", "city",
            "time_zone", "languages", "any_language", "years_experience", "wants_to_develop",
            "wants_topics", "can_offer", "mentor_capacity", "accepting_mentees", "availability",
            "contact_details", "contact_visibility", "relay_only_calls",
        ]
        help_texts = {
            "bio": _("Markdown works as in chat: **bold**, *italics*, lists, links."),
            "any_language": _("Unticked, only mentors who speak one of your languages are "
                              "recommended to you."),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "wants_to_develop": forms.Textarea(attrs={"rows": 3}),
            "can_offer": forms.Textarea(attrs={"rows": 3}),
            "contact_details": forms.Textarea(attrs={"rows": 2}),
            "expertise": forms.CheckboxSelectMultiple,
            "skills": forms.CheckboxSelectMultiple,
            "wants_topics": forms.CheckboxSelectMultiple,
            "contact_visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = member.name
        cast(forms.ChoiceField, self.fields["languages"]).choices = languages.choices()
        cast(forms.ModelMultipleChoiceField, self.fields["expertise"]).queryset = (
            Topic.objects.choosable().filter(kind=Topic.Kind.EXPERTISE))
        cast(forms.ModelMultipleChoiceField, self.fields["skills"]).queryset = (
            Topic.objects.choosable().filter(kind=Topic.Kind.SKILL))
        cast(forms.ModelMultipleChoiceField, self.fields["wants_topics"]).queryset = (
            Topic.objects.choosable())
        if not member.is_mentor:
            del self.fields["mentor_capacity"]
            del self.fields["accepting_mentees"]
        if not permissions.can_seek_mentor(member):
            del self.fields["any_language"]
        if not self.instance.photo:
            del self.fields["remove_photo"]
        self.order_fields(["name", "photo_upload", "remove_photo", "pronouns", "headline"])
        self.member = member
        if settings.COHORT_CALLS_RELAY_ONLY:
            field = self.fields["relay_only_calls"]
            field.disabled, field.initial = True, True
            field.help_text = _("This community hides every member’s address in calls.")

    def clean_name(self) -> str:
        return names.form_name_clean(self.cleaned_data["name"], member=self.member)

    def service_values(self) -> dict[str, Any]:
        """The cleaned plain fields, as profile_update takes them."""
        skip = {"name", "photo_upload", "remove_photo", "expertise", "skills", "wants_topics"}
        if self.fields["relay_only_calls"].disabled:
            skip.add("relay_only_calls")  # the community's rule, not her choice: keep hers
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class MentorApplicationForm(forms.ModelForm):
    class Meta:
        model = MentorApplication
        fields = ["motivation", "expertise", "capacity"]
        widgets = {
            "motivation": forms.Textarea(attrs={"rows": 5}),
            "expertise": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "motivation": _("Why you want to mentor, and what mentees can expect from you."),
            "capacity": _("How many mentees you can take at the same time."),
        }

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        """Her profile's fields of expertise come ticked: she says them once, and what she
        ticks here joins her profile when the application is approved."""
        super().__init__(*args, **kwargs)
        expertise = cast(forms.ModelMultipleChoiceField, self.fields["expertise"])
        expertise.queryset = Topic.objects.choosable().filter(kind=Topic.Kind.EXPERTISE)
        mine = [t.pk for t in applicant.profile.expertise.all() if t.kind == Topic.Kind.EXPERTISE]
        if mine:
            expertise.initial = mine
            expertise.help_text = _("Ticked from your profile. Change them here if you like: "
                                    "they join your profile when you are approved.")
        if applicant.profile.mentor_capacity:
            self.fields["capacity"].initial = applicant.profile.mentor_capacity


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the applicant"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional when approving; required when declining."))


class AuditFilterForm(forms.Form):
    """The audit log's filters: who, what, and the days from and to (a GET form)."""

    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int,
                                   empty_value=None)
    action = forms.ChoiceField(label=_("What"), required=False)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actors: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["actor"])
        field.choices = [("", _("Anyone")), *((u.pk, u.name or u.email) for u in actors)]
        what = cast(forms.ChoiceField, self.fields["action"])
        what.choices = [("", _("Any action")),
                        *((code, action.label) for code, action in ACTIONS.items())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return data


class PeopleSearchForm(forms.Form):
    """The filters of the people page; an invalid value is reported, never silently ignored."""

    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    expertise = forms.ModelChoiceField(
        label=_("Field of expertise"), required=False, queryset=Topic.objects.none(),
        empty_label=_("Any"))
    skill = forms.ModelChoiceField(
        label=_("Skill"), required=False, queryset=Topic.objects.none(), empty_label=_("Any"))
    industry = forms.CharField(label=_("Industry"), required=False, max_length=80)
    city = forms.CharField(label=_("City"), required=False, max_length=80)
    time_zone = ZoneField(label=_("Time zone"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[
        ("", _("Everyone")), (Role.MENTOR, _("Mentors")), (Role.MEMBER, _("Members")),
        (Role.ADMIN, _("Programme team"))])
    open_to_mentees = forms.BooleanField(label=_("Open to new mentees"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["expertise"]).queryset = (
            Topic.objects.choosable().filter(kind=Topic.Kind.EXPERTISE))
        cast(forms.ModelChoiceField, self.fields["skill"]).queryset = (
            Topic.objects.choosable().filter(kind=Topic.Kind.SKILL))
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("Any")), *languages.choices()]
        self.fields["time_zone"].widget.attrs["placeholder"] = _("Any")

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            expertise=data["expertise"].pk if data.get("expertise") else None,
            skill=data["skill"].pk if data.get("skill") else None,
            industry=data.get("industry", "").strip(), city=data.get("city", "").strip(),
            time_zone=data.get("time_zone", ""), language=data.get("language", ""),
            role=data.get("role", ""), open_to_mentees=bool(data.get("open_to_mentees")))


class WordsField(forms.CharField):
    """Words or phrases, one per line (commas separate them too); the service trims them,
    drops repeats and checks them against the rest of the vocabulary."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "true"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [w.strip() for line in text.splitlines() for w in line.split(",") if w.strip()]

    def run_validators(self, value: Any) -> None:
        for word in value:  # each word, not the list: a null character is refused
            super().run_validators(word)


def words_fields(rows: int = 4) -> dict[str, WordsField]:
    """The two lists of other words; `rows` tall enough to see them without scrolling."""
    return {
        "synonyms": WordsField(
            label=_("Other words for it, in English"), required=False,
            widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true", "lang": "en"}),
            help_text=_("One word or phrase per line: what members may write instead of the "
                        "name, such as “coding” for Software engineering.")),
        "synonyms_fr": WordsField(
            label=_("Other words for it, in French"), required=False,
            widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true", "lang": "fr"}),
            help_text=_("One word or phrase per line, such as “programmation”.")),
    }


class TopicForm(forms.Form):
    """A new topic of the vocabulary (with its other words), or new names for one."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Topic.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=80)
    name_fr = forms.CharField(label=_("Name in French"), max_length=80, required=False,
                              help_text=_("Shown to members who read the site in French."))

    def __init__(self, *args: Any, rename: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rename:
            del self.fields["kind"]
        else:
            self.fields.update(words_fields())


class TopicSynonymsForm(forms.Form):
    """The other words of one topic, in both languages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(words_fields(rows=10))


class TopicMergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Topic.objects.none(),
                                  empty_label=_("Choose a topic"))

    def __init__(self, *args: Any, topic: Topic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["into"]).queryset = (
            Topic.objects.choosable().filter(kind=topic.kind).exclude(pk=topic.pk))


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password"),
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))


class RetentionForm(forms.Form):
    messages = forms.ChoiceField(
        label=_("When a member’s account is erased, her messages and comments in "
                           "rooms are"),
        choices=MessagePolicy.choices, widget=forms.RadioSelect)
