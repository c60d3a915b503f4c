"""Background work of the community app: e-mails leave through the task worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from community import search


@task()
def email_send(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    """Render `<template>_subject.txt` and `_body.txt` in `language`, send.

    A bare name is one of `community/email/`; other apps pass `app/email/name`.
    """
    prefix = template if "/" in template else f"community/email/{template}"
    with translation.override(language):
        context = {**context, "site_name": settings.SITE_NAME}
        subject = render_to_string(f"{prefix}_subject.txt", context)
        body = render_to_string(f"{prefix}_body.txt", context)
    send_mail(
        subject=" ".join(subject.split()),
        message=body,
        from_email=None,
        recipient_list=[to],
    )


@task()
def profiles_reindex() -> int:
    """Recompute every profile's search texts and matching words: after the vocabulary's
    other words change, any profile may now mention (or no longer mention) a topic."""
    return search.profiles_reindex()


@task()
def my_data_export(*, export_id: int, language: str) -> str:
    """Build a member's "Download my data" zip (`community.my_data`)."""
    from community import my_data

    return my_data.export_build(export_id=export_id, language=language)
