"""The matching weights the admins tune: checked, saved in one row, audited.

`weights_check` is also what the preview uses, so a preview and a save refuse the same
input with the same words.
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.models import User
from mentoring import permissions
from mentoring.models import MatchWeights

HIGHEST = 10.0


def weights_check(values: dict[str, object]) -> MatchWeights:
    """Unsaved weights from `values` (every field), or a ValidationError naming each bad one."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, float] = {}
    for name in MatchWeights.FIELDS:
        raw = values.get(name)
        try:
            number = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[name] = [_("Enter a number.")]
            continue
        if not math.isfinite(number) or not 0 <= number <= HIGHEST:
            errors[name] = [_("Enter a number from 0 to %(highest)s.") % {"highest": 10}]
            continue
        clean[name] = round(number, 2)
    if errors:
        raise ValidationError(errors)
    if not any(clean.values()):
        raise ValidationError(
            _("At least one weight must be above 0, or every mentor would score the same."))
    return MatchWeights(pk=1, **clean)


def weights_update(*, actor: User, values: dict[str, object]) -> MatchWeights:
    """Save new weights; bad input changes nothing. The audit entry lists what changed."""
    if not permissions.can_tune_matching(actor):
        raise PermissionDenied
    checked = weights_check(values)
    with transaction.atomic():
        MatchWeights.current()
        weights = MatchWeights.objects.select_for_update().get(pk=1)
        changes = {name: [getattr(weights, name), getattr(checked, name)]
                   for name in MatchWeights.FIELDS
                   if getattr(weights, name) != getattr(checked, name)}
        if not changes:
            return weights
        for name in changes:
            setattr(weights, name, getattr(checked, name))
        weights.save(update_fields=list(changes))
        audit_record(actor=actor, action="matching.weights", target=weights, changes=changes)
    return weights
