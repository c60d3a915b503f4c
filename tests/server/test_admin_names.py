"""What the Django admin shows is translatable: every model it lists (and every inline)
is named through gettext_lazy, in the singular and the plural."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils.functional import Promise

from tests.community.factories import AdminFactory

pytestmark = pytest.mark.django_db


def _admin_models() -> list[type]:
    shown = []
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        shown.append(model)
        shown += [inline.model for inline in admin.site.get_model_admin(model).inlines]
    return shown


@pytest.mark.parametrize("model", _admin_models(), ids=lambda m: m._meta.label)
def test_model_names_are_translatable(model):
    assert isinstance(model._meta.verbose_name, Promise), model._meta.label
    assert isinstance(model._meta.verbose_name_plural, Promise), model._meta.label


def test_admin_index_names_the_models(client):
    client.force_login(AdminFactory())
    page = client.get(reverse("admin:index")).content.decode()
    for name in ("Members", "Mentor applications", "Sign-up domains", "Audit entries",
                 "Rooms", "Mentorships", "Matching weights"):
        assert f">{name}<" in page, name
