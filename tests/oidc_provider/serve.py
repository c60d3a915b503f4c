"""Start the test provider: migrate its database, register Cohort as a client, serve.

    python -m tests.oidc_provider.serve PORT

Environment: OIDC_PROVIDER_DIR (its folder), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
OIDC_REDIRECT_URIS (space-separated: Cohort's callback addresses).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    Application.objects.create(
        name="Cohort", client_id=os.environ["OIDC_CLIENT_ID"],
        client_secret=os.environ["OIDC_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["OIDC_REDIRECT_URIS"], skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM)
    call_command("runserver", f"127.0.0.1:{int(sys.argv[1])}", use_reloader=False,
                 skip_checks=True)


if __name__ == "__main__":
    main()
