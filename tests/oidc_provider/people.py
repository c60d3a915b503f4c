"""The provider's people: who signs in with which password, and the claims it gives
(`email`, `email_verified`, `name`), all from the JSON file the test writes, read at each
sign-in and each token, so a test changes them between steps."""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict[str, dict[str, Any]]:
    path = Path(os.environ["OIDC_PROVIDER_DIR"]) / "people.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


class PeopleBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        username = str(credentials.get("username") or "")
        person = people().get(username)
        if person is None or not hmac.compare_digest(
                str(person["password"]), str(credentials.get("password") or "")):
            return None
        user, _created = get_user_model().objects.get_or_create(username=username)
        return user


class ClaimsValidator(OAuth2Validator):
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = people()[request.user.username]
        claims = {"email": person["email"], "name": person["name"]}
        if person.get("email_verified") is not None:
            claims["email_verified"] = person["email_verified"]
        return claims
