"""The workflow half of the OpenAPI schema: every operation documented with its errors and examples."""

import pytest

pytestmark = pytest.mark.django_db

WORKFLOW = "/api/v1/applications/"


@pytest.fixture
def openapi(api_client):
    return api_client.get("/api/schema/", {"format": "json"}).json()


def _operations(openapi):
    for path, item in openapi["paths"].items():
        if path.startswith(WORKFLOW):
            for method, operation in item.items():
                yield path, method, operation


def test_every_workflow_operation_has_its_errors_in_the_one_error_body(openapi):
    operations = list(_operations(openapi))

    assert len(operations) == 25
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "403", "429"} <= set(responses), (method, path)
        if "{id}" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "patch"):
            assert {"400", "409"} <= set(responses) or path == WORKFLOW, (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                assert response["content"]["application/json"]["examples"], (method, path, status)


def test_every_workflow_operation_has_a_summary_an_id_a_tag_and_examples(openapi):
    for path, method, operation in _operations(openapi):
        assert operation["summary"], (method, path)
        assert operation["operationId"], (method, path)
        assert operation["tags"], (method, path)
        success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
        for media_type, content in success.get("content", {}).items():  # 204: no content
            if media_type == "application/json":
                assert content.get("examples"), (method, path)
        if "requestBody" in operation:
            assert any(
                c.get("examples") or "multipart" in m for m, c in operation["requestBody"]["content"].items()
            )


def test_people_authenticate_with_a_token_or_a_session_never_a_partner_key(openapi):
    schemes = openapi["components"]["securitySchemes"]

    assert schemes["PersonalToken"]["type"] == "http"
    assert schemes["PersonalToken"]["scheme"] == "bearer"
    for path, method, operation in _operations(openapi):
        assert operation["security"] == [{"PersonalToken": []}, {"cookieAuth": []}], (method, path)


def test_documents_are_uploaded_as_multipart_and_downloaded_as_files(openapi):
    upload = openapi["paths"]["/api/v1/applications/{id}/documents/"]["post"]
    download = openapi["paths"]["/api/v1/applications/{id}/documents/{doc_id}/"]["get"]

    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"413", "415"} <= set(upload["responses"])
    upload_schema = openapi["components"]["schemas"]["DocumentUpload"]
    assert upload_schema["properties"]["file"] == {**upload_schema["properties"]["file"], "format": "binary"}
    assert set(download["responses"]["200"]["content"]) == {"application/pdf", "image/png", "image/jpeg"}


def test_the_list_is_paged_and_filtered(openapi):
    listing = openapi["paths"][WORKFLOW]["get"]

    assert {p["name"] for p in listing["parameters"]} == {"page", "page_size", "state", "region"}
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(openapi["components"]["schemas"][page]["properties"]) == {
        "count",
        "next",
        "previous",
        "results",
    }


def test_the_transitions_take_the_documented_bodies(openapi):
    def request_schema(action):
        operation = openapi["paths"][f"/api/v1/applications/{{id}}/{action}/"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert set(request_schema("submit")["properties"]) == {"comment"}
    assert request_schema("reject")["required"] == ["comment"]
    assert set(request_schema("start-review")["properties"]) == {"comment", "reviewers"}
    assert set(request_schema("open-vote")["properties"]) == {"comment", "deadline", "category"}
    assert set(request_schema("reviews")["properties"]) == {"recommendation", "comment"}
    assert set(request_schema("ballots")["properties"]) == {"choice"}
