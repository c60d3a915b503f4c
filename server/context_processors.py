"""Values every page's frame needs."""

from django.conf import settings
from django.http import HttpRequest

from community.adapters import signup_open


def site(request: HttpRequest) -> dict[str, object]:
    # signup_open is passed uncalled: the template calls it only on pages that ask.
    return {"site_name": settings.SITE_NAME, "signup_open": signup_open}
