"""schemathesis against the served OpenAPI schemas, in-process through the WSGI application.

A site's /api/schema/ (the widget API, and the admin API with the owner's API token) and the
platform host's (signup) are each fuzzed operation by operation, then walked statefully along
the links schemathesis infers (post a comment, then edit, vote, flag, moderate it, ...). Every
answer must be free of server errors and match the schema, made strict as in the rest of the
suite (tests/openapi_check.py). Runs are bounded by example counts, so the whole module takes
a few minutes.

Requests run in the test's own thread and database connection, inside its transaction, so
what the fuzzer writes is rolled back like any test's writes.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from embed.models import Commenter
from embed.moderation.apitokens import api_token_create
from embed.tokens import commenter_token_issue
from tenants.models import Tenant
from tests.conftest import host_of
from tests.openapi_check import strict

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
STATEFUL = hypothesis_settings(FUZZ, max_examples=20, stateful_step_count=6)

pytestmark = pytest.mark.django_db


class PlainWSGIHandler(WSGIHandler):
    """Django's WSGI application, asked for unencoded answers: an HTTP client inflates a
    gzipped body before reading it, the fuzzer's in-process WSGI client does not."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["HTTP_ACCEPT_ENCODING"] = "identity"
        return super().__call__(environ, start_response)


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, kept on the test's connection: like the test client, it
    must not close the connection at the end of a request (that would end the test's
    transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield PlainWSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class Target:
    """A host's served schema (made strict) and how to call its operations."""

    schema: Any
    base_url: str
    headers_for: Callable[[str], dict[str, str]] = lambda path: {}

    def call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"base_url": self.base_url, "headers": self.headers_for(case.path)}


def load(app: WSGIHandler, host: str) -> Any:
    """The schema the host serves at /api/schema/, made strict, to be called on that host."""
    served = schemathesis.openapi.from_wsgi("/api/schema/", app, headers={"Host": host})
    loaded = schemathesis.openapi.from_dict(strict(served.raw_schema))
    loaded.app = app
    return loaded


@pytest.fixture
def site_credentials(alpha: Tenant) -> Callable[[str], dict[str, str]]:
    """Headers for an operation of the site: the owner's API token for the admin API, a
    reader's commenter token for the widget API."""
    with schema_context(alpha.schema_name):
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.get(email="owner@alpha.example")
        _, admin_key = api_token_create(name="fuzz", scope="owner", actor=owner)
        reader = Commenter.objects.create(name="Fuzz", email="fuzz@readers.example")
        reader_token = commenter_token_issue(reader.pk)

    def headers(path: str) -> dict[str, str]:
        if path.startswith("/api/v1/admin/"):
            return {"Authorization": f"Token {admin_key}"}
        return {"Authorization": f"Bearer {reader_token}"}

    return headers


@pytest.fixture
def site(wsgi_app: WSGIHandler, alpha: Tenant, site_credentials: Any) -> Target:
    host = host_of(alpha)
    return Target(load(wsgi_app, host), f"http://{host}", site_credentials)


@pytest.fixture
def platform(wsgi_app: WSGIHandler, db: None) -> Target:
    host = settings.PLATFORM_DOMAIN
    return Target(load(wsgi_app, host), f"http://{host}")


def fuzz(target: Target) -> list[str]:
    """Each operation with schema-valid and schema-invalid data; what failed, per operation.

    (schemathesis' own pytest loader for fixture-made schemas does not run under this
    pytest, so each operation gets a Hypothesis test here, as that loader would make.)
    """
    failures = []
    for result in target.schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @FUZZ
            def run(case: Any) -> None:
                kwargs = target.call_kwargs(case)
                response = case.call(**kwargs)
                case.validate_response(response, checks=CHECKS, headers=kwargs["headers"])

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid data exists for the operation (it takes no input)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all are reported
                failures.append(f"{operation.label} ({mode}): {exc}")
    return failures


def test_the_site_api_keeps_its_schema(site: Target) -> None:
    failures = fuzz(site)
    assert not failures, "\n\n".join(failures)


def test_signup_keeps_its_schema(platform: Target) -> None:
    failures = fuzz(platform)
    assert not failures, "\n\n".join(failures)


def test_the_site_api_keeps_its_schema_through_workflows(site: Target) -> None:
    class Workflow(site.schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return site.call_kwargs(case)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    Workflow.run(settings=STATEFUL)


def test_the_fuzzer_reports_an_answer_that_breaks_the_schema(
    wsgi_app: WSGIHandler, alpha: Tenant
) -> None:
    host = host_of(alpha)
    raw = load(wsgi_app, host).raw_schema
    counts = raw["paths"]["/api/v1/counts"]["get"]["responses"]["200"]
    counts["content"]["application/json"]["schema"]["additionalProperties"] = {"type": "string"}
    schema = schemathesis.openapi.from_dict(raw).include(path="/api/v1/counts", method="GET")
    schema.app = wsgi_app
    failures = fuzz(Target(schema, f"http://{host}"))
    assert failures and all(f.startswith("GET /api/v1/counts") for f in failures)
    assert "Response violates schema" in failures[0]
