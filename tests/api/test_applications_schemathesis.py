"""Schemathesis over the whole OpenAPI schema, in process against the WSGI application.

For each caller (the secretariat and an applicant with personal tokens, a partner with its
key) and each operation, Hypothesis generates ``EXAMPLES`` requests, valid and invalid ones
(derandomized: the same requests every run), with the path's ids sometimes those of real
applications and documents. No answer may be a server error or break the schema. Each
request runs in a savepoint that is rolled back, so every request meets the same world.

About a minute on SQLite. Deselect locally with ``-m "not schemathesis"``; ``make test`` runs it.
"""

import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application as wsgi_application
from tests.api.workflow_fixtures import token_for
from tests.cast import application_in, new_draft
from tests.factories import PDF_BYTES, MembershipFactory, PartnerKeyFactory
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
EXAMPLES = 50
CHECKS = [not_a_server_error, response_schema_conformance]


@dataclass
class Report:
    examples: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, set] = field(default_factory=dict)


@pytest.fixture
def wsgi_requests_keep_the_test_transaction():
    """Django closes "old" connections around each WSGI request: inside the test's transaction
    that would close it. The test client disconnects the same handlers; do it here too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(cast, regions, settings):
    """A few applications of applicant A in different states, an affiliate, the callers' credentials."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "partner": "100000/min", "user": "100000/min"},
    }
    MembershipFactory(organization__region=regions["africa-east"], organization__slug="knus")
    applications = [
        new_draft(cast, region=regions["africa-west"], country="GH"),
        application_in(S.SUBMITTED, cast),
        application_in(S.INFO_REQUESTED, cast),
        application_in(S.UNDER_REVIEW, cast, reviews_in=False),
        application_in(S.UNDER_REVIEW, cast),  # every review in
        application_in(S.REVIEWED, cast),
        application_in(S.EXECUTIVE_VOTE, cast),
    ]
    return {
        "applications": applications,
        "callers": {
            "secretariat": f"Token {token_for(cast.secretariat)}",
            "applicant": f"Bearer {token_for(cast.applicant)}",
            "partner": f"Api-Key {PartnerKeyFactory().key}",
        },
    }


def _real_path_parameters(operation, applications) -> list[dict]:
    names = {parameter.name for parameter in operation.path_parameters}
    if names == {"id"}:
        return [{"id": a.pk} for a in applications]
    if names == {"id", "doc_id"}:
        return [{"id": a.pk, "doc_id": a.documents.order_by("pk").first().pk} for a in applications]
    if names == {"slug"}:
        return [{"slug": "knus"}]
    return []


def _strategy(operation, applications):
    """Valid and invalid requests; with path parameters, also ones aimed at the world's objects."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    for path_parameters in _real_path_parameters(operation, applications):
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters))
        if operation.method.upper() == "POST" and operation.path.endswith("/documents/"):
            # Random bytes are never a PDF: send a real one too, so that uploads get stored.
            body = {"kind": "statutes", "file": PDF_BYTES}
            strategies.append(operation.as_strategy(path_parameters=path_parameters, body=body))
    return st.one_of(strategies)


def _run(operation, strategy, authorization: str, report: Report) -> None:
    label = operation.label
    report.examples[label] = 0
    report.statuses[label] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        report.examples[label] += 1
        with transaction.atomic():
            response = case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)
            report.statuses[label].add(response.status_code)
            transaction.set_rollback(True)

    check()


@pytest.mark.parametrize("caller", ["secretariat", "applicant", "partner"])
def test_no_request_breaks_the_api_or_its_schema(world, caller, wsgi_requests_keep_the_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_application)
    report = Report()
    failures = []
    started = time.monotonic()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        try:
            _run(operation, _strategy(operation, world["applications"]), world["callers"][caller], report)
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, then fail once
            failures.append(f"{operation.label}: {exc!r}\n{exc}")

    elapsed = time.monotonic() - started
    print(f"\nschemathesis as {caller}: {sum(report.examples.values())} requests in {elapsed:.1f}s")
    for label in sorted(report.examples):
        print(f"  {label}: {report.examples[label]} examples, statuses {sorted(report.statuses[label])}")
    assert not failures, "\n\n".join(failures)
    assert all(n >= 1 for n in report.examples.values())
