"""JSON bodies of the API are capped in depth and size: 400 / 413 in the API's error body, never a 500."""

import io
import json

import pytest

from api.parsers import MAX_DEPTH, JSONParser, RequestTooLarge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

API = "/api/v1/applications/"


def post_raw(client, body: str | bytes):
    return client.generic("POST", API, data=body, content_type="application/json")


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def nested(depth: int) -> str:
    """An application whose ``contacts`` nests arrays so that the whole body is ``depth`` levels deep."""
    return json.dumps({"name": "Deep union", "contacts": "@"}).replace(
        '"@"', "[" * (depth - 1) + "]" * (depth - 1)
    )


def test_a_hundred_thousand_opening_brackets_are_400_not_500(cast, api_as):
    error = error_of(post_raw(api_as("applicant"), "[" * 100_000), 400)

    assert error["code"] == "parse_error"
    assert f"at most {MAX_DEPTH} levels" in error["message"]


def test_a_hundred_thousand_closed_arrays_are_400_too(cast, api_as):
    error = error_of(post_raw(api_as("applicant"), "[" * 100_000 + "]" * 100_000), 400)

    assert error["code"] == "parse_error"


def test_json_one_level_deeper_than_the_limit_is_refused(cast, api_as):
    error = error_of(post_raw(api_as("applicant"), nested(MAX_DEPTH + 1)), 400)

    assert error["code"] == "parse_error"
    assert "nested too deeply" in error["message"]


def test_json_as_deep_as_the_limit_reaches_the_serializer(cast, api_as):
    """At the limit the body is parsed; the serializer then says what is wrong with ``contacts``."""
    error = error_of(post_raw(api_as("applicant"), nested(MAX_DEPTH)), 400)

    assert error["code"] == "invalid"
    assert set(error["details"]) == {"contacts"}


def test_a_json_body_over_the_in_memory_limit_is_413(cast, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "Big union", "motivation": "x" * 2000})

    error = error_of(post_raw(api_as("applicant"), body), 413)

    assert error["code"] == "too_large"


def test_the_parser_itself_refuses_a_stream_over_the_in_memory_limit(settings):
    """DRF hands JSON parsers ``request.body`` (capped by Django); a stream read here is capped too."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    with pytest.raises(RequestTooLarge, match="at most 1000 bytes"):
        JSONParser().parse(io.BytesIO(b'["' + b"x" * 1000 + b'"]'))
    assert JSONParser().parse(io.BytesIO(b'["' + b"x" * 996 + b'"]')) == ["x" * 996]


def test_invalid_json_is_still_a_400_parse_error(cast, api_as):
    for body in ('{"name": ', b'{"name": "\xff"}', '{"name": NaN}'):
        assert error_of(post_raw(api_as("applicant"), body), 400)["code"] == "parse_error"


def test_an_ordinary_body_is_parsed_as_before(cast, api_as):
    response = api_as("applicant").post(
        API, {"name": "Plain union", "contacts": [{"name": "A", "email": "a@example.org"}]}, format="json"
    )

    assert response.status_code == 201, response.content
