"""Forms of the mentoring pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Role, User
from mentoring.models import Agreement, Mentorship
from rooms.models import Room


class RequestForm(forms.Form):
    note = forms.CharField(
        label=_("Your note to the mentor"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say who you are, what you hope to work on, and how often you could meet."))


class AnswerForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline"),
                                        ("ask", "ask")])
    message = forms.CharField(required=False, max_length=2000)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["goals", "cadence", "duration_months"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 3})}


class GoalForm(forms.Form):
    title = forms.CharField(label=_("New goal"), max_length=200)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("New milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=600)
    topics = forms.CharField(label=_("Topics"), max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("My private notes"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 5}))


class EndForm(forms.Form):
    outcome = forms.ChoiceField(label=_("How did it end?"), choices=Mentorship.Outcome.choices,
                                widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Anything the programme team should know (only they will read it)"),
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    archive_room = forms.BooleanField(
        label=_("Archive our room"), required=False,
        help_text=_("Its messages, documents and calendar stay readable for both of you; "
                    "nobody can post in it any more."))

    def __init__(self, *args: Any, can_archive: bool = False, **kwargs: Any) -> None:
        """Offer to archive the room only to whom the rooms app lets archive it."""
        super().__init__(*args, **kwargs)
        if not can_archive:
            del self.fields["archive_room"]


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Cohort name"), max_length=120)
    topic = forms.CharField(label=_("What it is about"), max_length=300, required=False)
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=User.objects.none())
    mentees = forms.ModelMultipleChoiceField(
        label=_("Mentees"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mentors = User.objects.filter(is_active=True, role=Role.MENTOR)
        if not actor.is_admin:
            mentors = mentors.filter(pk=actor.pk)
            self.fields["mentor"].initial = actor.pk
        cast(forms.ModelChoiceField, self.fields["mentor"]).queryset = mentors
        cast(forms.ModelMultipleChoiceField, self.fields["mentees"]).queryset = (
            User.objects.filter(is_active=True, role=Role.MEMBER))


# What each weight does, said to the admin who tunes it (one sentence each).
WEIGHT_TEXTS = {
    "topics": (_("Topics in common"), _(
        "Topics the mentee wants to develop, picked or named in her own words (synonyms "
        "included, English or French), that the mentor offers, picked or named in her "
        "offer, headline or tags.")),
    "keywords": (_("Words in common"), _(
        "Words shared by what the mentee wants to develop and the mentor's headline, offer "
        "and tags, in English or French; the rarer a word among the mentors, the more it "
        "counts.")),
    "industry": (_("Same industry"), _(
        "Both work in the same industry; counts only as far as the mentor offers what the "
        "mentee wants.")),
    "languages": (_("A language in common"), _(
        "They speak at least one language in common. A mentor with none is never "
        "recommended, unless the mentee said any language is fine.")),
    "time_zone": (_("Close time zones"), _(
        "Counts fully up to two hours apart, less with each hour after that, not at all "
        "from seven hours apart.")),
    "city": (_("Same city"), _(
        "Both live in the same city; counts only as far as the mentor offers what the "
        "mentee wants.")),
    "experience": (_("Experience gap"), _(
        "Counts fully when the mentor has three to twenty more years of experience than "
        "the mentee, less for a smaller gap.")),
    "capacity": (_("Places left"), _(
        "Favours mentors with a larger share of their places free, so that requests "
        "spread across mentors.")),
    "responsiveness": (_("Quick answers"), _(
        "Favours mentors who usually answer requests quickly: most within a day, less "
        "within three days or a week.")),
}


class WeightsForm(forms.Form):
    """The weights as typed, and the mentee whose recommendations to preview.

    It only parses numbers: `mentoring.services.weights.weights_check` decides what is
    allowed, for the preview and the save alike."""

    mentee = forms.ModelChoiceField(
        label=_("Preview for"), required=False, queryset=User.objects.none(),
        empty_label=_("Choose a mentee"),
        help_text=_("Her recommendations as she would see them on Find a mentor."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, text) in WEIGHT_TEXTS.items():
            self.fields[name] = forms.FloatField(
                label=label, help_text=text, widget=forms.NumberInput(
                    attrs={"step": "any", "min": 0, "max": 10, "inputmode": "decimal"}))
        cast(forms.ModelChoiceField, self.fields["mentee"]).queryset = User.objects.filter(
            is_active=True, role=Role.MEMBER).order_by("name")

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WEIGHT_TEXTS]

    def weights(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in WEIGHT_TEXTS}


class RoundStartForm(forms.Form):
    """Whom a new matching round is for: a cohort (a group room still open) or everyone."""

    cohort = forms.ModelChoiceField(
        label=_("Match the members of"), required=False, queryset=Room.objects.none(),
        empty_label=_("The whole community"),
        help_text=_("Mentees: members with no mentor and no proposal waiting. Mentors: those "
                    "open to mentees, with free places."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["cohort"]).queryset = Room.objects.filter(
            kind=Room.Kind.GROUP, archived_at__isnull=True).order_by("name")
