"""The schema is the contract: docs/openapi.yaml is what the server describes of itself,
and it is valid OpenAPI 3.1 without a warning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
REGENERATE = (".venv/bin/python manage.py spectacular --validate --fail-on-warn "
              "--file docs/openapi.yaml")

pytestmark = pytest.mark.django_db


def generated() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return yaml.safe_load(OpenApiYamlRenderer().render(schema, renderer_context={}))


def test_the_committed_schema_is_the_generated_one():
    committed = yaml.safe_load(COMMITTED.read_text())
    assert committed == generated(), (
        f"docs/openapi.yaml differs from the API's own schema: regenerate it with\n"
        f"    {REGENERATE}\nand commit it (a change of the contract: see docs/api.md, "
        f"Versioning).")


def test_it_is_valid_openapi_3_1_and_served():
    schema = generated()
    assert schema["openapi"] == "3.1.0"
    validate_schema(schema)
    served = Client().get("/api/v1/schema/")  # public, like the repository's copy
    assert served.status_code == 200
    assert yaml.safe_load(served.content) == schema


def test_every_operation_documents_the_error_envelope():
    for path, operations in generated()["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "404", "429"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Errors"}, (
                    method, path, status)


def test_the_docs_page_lists_every_operation_under_the_sites_csp():
    page = Client().get("/api/v1/docs/")
    assert page.status_code == 200
    text = page.content.decode()
    scripts = re.findall(r"<script[^>]*>", text)
    assert all('src="/static/' in tag for tag in scripts), scripts  # the site's own only
    for path, operations in generated()["paths"].items():
        assert f"<code>{path}</code>" in text
        for method in operations:
            assert f"<code>{method.upper()}</code>" in text
    assert "'self'" in page["Content-Security-Policy"]
