"""Forms of the room pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.models import User


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)
    members = MemberChoiceField(label=_("Members"), queryset=User.objects.none(),
                                required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = candidates


class AddMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Add a member"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["user"])
        field.queryset = candidates
        field.label_from_instance = lambda obj: str(obj.name)  # type: ignore[method-assign]


class BreakGlassForm(forms.Form):
    """Why and for how long an admin reads a pair's or a direct room (the service checks
    both again: rooms.services.break_glass_open)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both members will read it in their conversation, with your name and "
                    "the end of your access."))
    hours = forms.IntegerField(
        label=_("For how many hours"), min_value=1, max_value=72, initial=24,
        help_text=_("At most 72 hours. You can end it earlier."))
