"""The webhook form: it parses and shows errors; the services check the address and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.webhooks.events import EVENTS


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver’s address"), max_length=500,
        help_text=_("An https:// address on the public internet."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}))
    description = forms.CharField(
        label=_("Description"), max_length=200, required=False,
        help_text=_("What this system is, for the other admins."))
    events = forms.MultipleChoiceField(
        label=_("Events to send"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one of the events listed.")})
    enabled = forms.BooleanField(label=_("On: send events to this address"), required=False,
                                 initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = self.fields["events"]
        assert isinstance(events, forms.MultipleChoiceField)  # nosec B101  # narrows the type
        events.choices = list(EVENTS.items())
        if not editing:
            del self.fields["enabled"]
