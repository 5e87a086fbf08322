"""The workflow API takes exactly what its schema declares: JSON values of the declared type only
(a number is not a string, "12" is not a number, 1 is not true), the list's query parameters once
each and never empty, page sizes within the declared bounds; and the schema says so."""

import pytest

from tests.cast import new_draft
from workflows.models import MembershipApplication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

API = "/api/v1/applications/"


def details_of(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    return response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 0}, "name"),
        ({"name": ["Union"]}, "name"),
        ({"name": "Union", "city": 12}, "city"),
        ({"name": "Union", "founded_year": "1990"}, "founded_year"),
        ({"name": "Union", "founded_year": 1990.0}, "founded_year"),
        ({"name": "Union", "founded_year": True}, "founded_year"),
        ({"name": "Union", "students_represented": "5"}, "students_represented"),
        ({"name": "Union", "country": 1}, "country"),
        ({"name": "Union", "contacts": {"name": "A"}}, "contacts"),
        ({"name": "Union", "region": ["africa"]}, "region"),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_converted(cast, api_as, regions, body, field):
    response = api_as("applicant").post(API, body, format="json")

    assert field in details_of(response)
    assert not MembershipApplication.objects.exists()


def test_a_contact_s_values_are_typed_too(cast, api_as, regions):
    body = {"name": "Union", "contacts": [{"name": "Amani", "email": "a@kusu.example.org", "phone": 254}]}

    details = details_of(api_as("applicant").post(API, body, format="json"))

    assert list(details) == ["contacts"]
    assert "'phone': ['Must be a string.']" in str(details["contacts"])


def test_reviewer_ids_are_numbers_not_strings(cast, api_as):
    draft = new_draft(cast)
    response = api_as("secretariat").post(
        f"{API}{draft.pk}/start-review/", {"reviewers": ["3"]}, format="json"
    )

    assert details_of(response) == {"reviewers": ["Must be a whole number."]}


def test_values_of_the_declared_types_are_accepted(cast, api_as, regions):
    body = {"name": "Union", "city": "Accra", "founded_year": 1990, "country": "GH", "region": "africa-west"}

    response = api_as("applicant").post(API, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["founded_year"] == 1990


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=101", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=", "page_size"),
        ("page=", "page"),
        ("state=", "state"),
        ("region=", "region"),
        ("region=" + "a" * 21, "region"),
        ("region=atlantis", "region"),
        ("state=draft&state=submitted", "state"),
        ("page_size=5&page_size=6", "page_size"),
    ],
)
def test_the_list_refuses_what_its_schema_forbids(cast, api_as, regions, query, field):
    assert field in details_of(api_as("secretariat").get(f"{API}?{query}"))


def test_the_list_takes_the_largest_declared_page_size(cast, api_as):
    new_draft(cast)
    response = api_as("applicant").get(f"{API}?page_size=100&page=1")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_schema_declares_the_limits_the_server_enforces(api_client, regions):
    schema = api_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    write = components["ApplicationWrite"]
    parameters = {
        (path, p["name"]): p["schema"]
        for path in ("/api/v1/applications/", "/api/v1/affiliates/")
        for p in schema["paths"][path]["get"]["parameters"]
    }

    assert write["additionalProperties"] is False
    assert components["Contact"]["additionalProperties"] is False
    assert write["properties"]["name"]["maxLength"] == 200
    assert write["properties"]["name"]["minLength"] == 1
    assert write["properties"]["region"]["enum"][:-2] == sorted(r.code for r in regions.values())
    assert parameters["/api/v1/applications/", "page_size"]["maximum"] == 100
    assert parameters["/api/v1/applications/", "region"]["enum"] == sorted(r.code for r in regions.values())
    assert parameters["/api/v1/affiliates/", "region"]["enum"] == sorted(r.code for r in regions.values())
    assert "KE" in parameters["/api/v1/affiliates/", "country"]["enum"]
    assert "ke" not in parameters["/api/v1/affiliates/", "country"]["enum"]


def test_refusals_no_schema_can_express_are_documented_with_examples(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    open_vote = paths["/api/v1/applications/{id}/open-vote/"]["post"]
    start_review = paths["/api/v1/applications/{id}/start-review/"]["post"]
    link = paths["/api/v1/applications/{id}/link-organization/"]["post"]

    def examples(operation, status):
        return operation["responses"][status]["content"]["application/json"]["examples"]

    assert "not in the future" in open_vote["description"]
    assert {"DeadlineInThePast", "DeadlineTooFar"} <= set(examples(open_vote, "400"))
    assert "NotAPossibleReviewer" in examples(start_review, "400")
    assert {"UnknownOrganization", "AMemberNow"} <= set(examples(link, "400"))
    assert "WrongState" in examples(open_vote, "409")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "Union\x1b[31m"}, "name"),
        ({"name": "Union", "city": "Accra\nKumasi"}, "city"),
        ({"name": "Union", "acronym": "NUS\u202e"}, "acronym"),
        ({"name": "Union", "motivation": "We \x07 ring"}, "motivation"),
        ({"name": "Union", "email": "office@localhost"}, "email"),
        ({"name": "Union", "website": "ftp://nus.example.org"}, "website"),
        ({"name": "Union", "founded_year": 1799}, "founded_year"),
    ],
)
def test_text_outside_its_declared_pattern_or_range_is_refused(cast, api_as, regions, body, field):
    assert field in details_of(api_as("applicant").post(API, body, format="json"))


def test_text_is_taken_as_sent_and_free_text_keeps_its_lines(cast, api_as, regions):
    body = {"name": " Union ", "motivation": "First line.\n\tSecond line."}

    response = api_as("applicant").post(API, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["motivation"] == "First line.\n\tSecond line."
    assert response.json()["name"] == " Union "


def test_each_text_pattern_is_the_one_the_schema_declares(api_client, regions):
    from api.workflow_serializers import ApplicationWriteSerializer

    declared = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]["ApplicationWrite"]
    for name in ("name", "acronym", "city", "website", "email", "motivation"):
        validators = ApplicationWriteSerializer().fields[name].validators
        checked = [v.regex.pattern for v in validators if hasattr(v, "regex")][-1]
        assert declared["properties"][name]["pattern"] == checked.replace(r"\Z", "$"), name


def test_more_contacts_than_the_schema_allows_are_refused_and_the_bound_is_declared(cast, api_as, api_client):
    contacts = [{"name": f"Person {i}", "email": f"p{i}@nus.example.org"} for i in range(21)]

    details = details_of(
        api_as("applicant").post(API, {"name": "Union", "contacts": contacts}, format="json")
    )

    assert "contacts" in details
    schema = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schema["ApplicationWrite"]["properties"]["contacts"]["maxItems"] == 20


def test_an_empty_or_repeated_format_is_refused(cast, api_as):
    draft = new_draft(cast)

    assert "format" in details_of(api_as("applicant").get(f"{API}{draft.pk}/?format="))
    assert "format" in details_of(api_as("applicant").get(f"{API}{draft.pk}/?format=json&format=json"))
    assert api_as("applicant").get(f"{API}{draft.pk}/?format=json").status_code == 200


def test_an_address_with_an_encoded_line_break_is_a_json_404(api_client):
    response = api_client.get("/api/v1/applications/%0A12/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "website",
    [
        "https://nus.example.org",
        "http://nus.example.org:8080/about/",
        "https://nus.example.org/?lang=en#contact",
    ],
)
def test_a_website_with_a_path_query_or_fragment_is_accepted(cast, api_as, regions, website):
    response = api_as("applicant").post(API, {"name": "Union", "website": website}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["website"] == website


def test_a_cursor_with_a_nul_is_no_page_and_a_search_with_one_is_refused(api_client):
    assert api_client.get("/api/v1/affiliates/", {"cursor": "ab\x00cd"}).status_code == 404
    refused = api_client.get("/api/v1/affiliates/", {"q": "kenya\x00"})
    assert refused.status_code == 400
    assert "q" in refused.json()["error"]["details"]


def test_updated_since_with_a_far_offset_is_read_in_utc(api_client):
    # ISO 8601 allows offsets PostgreSQL does not (beyond ±15:59): the moment is compared in UTC.
    response = api_client.get("/api/v1/affiliates/", {"updated_since": "2020-07-22T14:36:49-21:25"})
    assert response.status_code == 200
    too_early = api_client.get("/api/v1/affiliates/", {"updated_since": "0001-01-01T00:30:00+01:00"})
    assert too_early.status_code == 400
    assert "updated_since" in too_early.json()["error"]["details"]
