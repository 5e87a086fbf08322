"""The OpenAPI schema is valid, describes what the endpoints return, and the docs work offline."""

import copy
import re

import jsonschema
import pytest
from django.core.management import call_command

from api.serializers import AffiliateSerializer, RegionSerializer
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_served(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/affiliates/" in (tmp_path / "schema.yaml").read_text()


def test_schema_documents_the_directory(openapi):
    paths = openapi["paths"]
    listing = paths["/api/v1/affiliates/"]["get"]
    params = {p["name"] for p in listing["parameters"]}

    assert {
        "region",
        "country",
        "category",
        "q",
        "updated_since",
        "ordering",
        "page_size",
        "cursor",
    } <= params
    assert {"/api/v1/affiliates/{slug}/", "/api/v1/regions/"} <= set(paths)
    assert set(listing["responses"]) >= {"200", "304", "400", "403", "406", "429"}
    assert set(listing["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert openapi["components"]["securitySchemes"]["PartnerApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": openapi["components"]["securitySchemes"]["PartnerApiKey"]["description"],
    }
    assert {"PartnerApiKey": []} in listing["security"]
    assert {} in listing["security"]  # anonymous use is allowed


def _as_json_schema(openapi: dict, name: str) -> dict:
    """An OpenAPI 3.0 component as JSON Schema: `nullable` becomes a "null" type."""
    components = copy.deepcopy(openapi["components"])

    def convert(node):
        if isinstance(node, dict):
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            for value in node.values():
                convert(value)
        elif isinstance(node, list):
            for value in node:
                convert(value)

    convert(components)
    return {"$ref": f"#/components/schemas/{name}", "components": components}


def test_responses_match_the_schema(api_client, partner_client, openapi, regions):
    MembershipFactory(organization__region=regions["africa-east"], organization__slug="knus")
    MembershipFactory(organization__region=regions["africa-west"], organization__country="GH")
    listing = openapi["paths"]["/api/v1/affiliates/"]["get"]["responses"]
    page_ref = listing["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    error_ref = listing["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    for client in (api_client, partner_client):
        page = client.get("/api/v1/affiliates/", {"page_size": 1}).json()
        jsonschema.validate(page, _as_json_schema(openapi, page_ref))
        jsonschema.validate(
            client.get("/api/v1/affiliates/knus/").json(), _as_json_schema(openapi, "Affiliate")
        )
    for region in api_client.get("/api/v1/regions/").json():
        jsonschema.validate(region, _as_json_schema(openapi, "Region"))
    jsonschema.validate(
        api_client.get("/api/v1/affiliates/", {"country": "XX"}).json(), _as_json_schema(openapi, error_ref)
    )
    jsonschema.validate(
        api_client.get("/api/v1/affiliates/nope/").json(), _as_json_schema(openapi, error_ref)
    )


def test_items_have_exactly_the_documented_fields(api_client, partner_client, regions):
    MembershipFactory(organization__region=regions["africa-east"], organization__slug="knus")
    documented = set(AffiliateSerializer().fields)

    assert set(partner_client.get("/api/v1/affiliates/knus/").json()) == documented
    assert set(api_client.get("/api/v1/affiliates/knus/").json()) == documented - {"email"}
    assert set(api_client.get("/api/v1/regions/").json()[0]) == set(RegionSerializer().fields)


def test_schema_examples_have_the_real_shape(openapi, api_client, regions):
    MembershipFactory(organization__region=regions["africa-east"])
    real = api_client.get("/api/v1/affiliates/").json()
    examples = openapi["paths"]["/api/v1/affiliates/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]

    for example in examples.values():
        assert set(example["value"]) == set(real)
        assert set(example["value"]["results"][0]) - {"email"} == set(real["results"][0])


EXTERNAL_URL = re.compile(r"https?://")


def test_swagger_ui_is_served_without_any_cdn(api_client):
    page = api_client.get("/api/docs/")
    script = api_client.get("/api/docs/", {"script": ""})  # the start-up script (no inline script)

    assert page.status_code == 200
    assert script.status_code == 200
    html, js = page.content.decode(), script.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "/api/schema/" in js
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.findall(html)
    assert not EXTERNAL_URL.search(js), EXTERNAL_URL.findall(js)


def test_redoc_is_served_without_any_cdn_or_inline_script(api_client):
    response = api_client.get("/api/redoc/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<redoc spec-url="/api/schema/">' in html
    assert '<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js">' in html
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.findall(html)
    assert not re.search(r"<script>|<style", html)


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/api/v1/affiliates/", "listAffiliates"),
        ("/api/v1/affiliates/{slug}/", "getAffiliate"),
        ("/api/v1/regions/", "listRegions"),
    ],
)
def test_as_of_is_documented_with_its_day_boundary_and_its_refusals(openapi, path, operation):
    get = openapi["paths"][path]["get"]
    assert get["operationId"] == operation
    [as_of] = [p for p in get["parameters"] if p["name"] == "as_of"]
    assert as_of["in"] == "query"
    assert as_of["schema"] == {"type": "string", "format": "date"}
    assert "end of this day (UTC" in as_of["description"]
    assert "before the registry's records begin is refused (400)" in as_of["description"]
    assert as_of["examples"]["APastDay"]["value"] == "2025-01-31"
    refused = get["responses"]["400"]["content"]["application/json"]["examples"]
    assert any("records begin on" in str(example["value"]) for example in refused.values())
