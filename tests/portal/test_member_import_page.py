"""The secretariat's page for the member-list import: upload, the dry run's report, confirm."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from registry.models import Organization
from tests.factories import OrganizationFactory, UserFactory, secretariat_user
from workflows.models import MemberImportUpload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


HEADER = "name,acronym,country,region,city,website,email,founded_year,students_represented,kind,category,admitted_on"
KENYA = "National Union of Kenyan Students,NUKS,KE,,Nairobi,,,1990,,,full,2015-06-01"


def upload(client, *rows, name="members.csv", content=None):
    data = content if content is not None else "\n".join([HEADER, *rows]).encode()
    return client.post("/committee/import/", {"file": SimpleUploadedFile(name, data)})


def confirm_form(html: str) -> tuple[str, dict]:
    action = re.search(r'action="(/committee/import/\d+/confirm/)"', html).group(1)
    fields = dict(re.findall(r'name="(sha256|digest)" value="([0-9a-f]{64})"', html))
    return action, fields


def test_the_secretariat_uploads_reads_the_report_and_confirms(client_as, regions):
    client = client_as(secretariat_user())

    page = upload(client, KENYA, "Union,,Atlantis,,,,,,,,,2019-01-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 to create, 0 to update, 1 refused." in html
    assert "Unknown country “Atlantis”" in html
    assert "Import these rows" not in html  # a refused row: nothing to confirm

    page = upload(client, KENYA)
    html = page.content.decode()
    assert "<td>2</td>" in html
    assert "nuks-ke" in html
    action, fields = confirm_form(html)
    assert MemberImportUpload.objects.count() == 2  # kept server-side until confirmed or expired
    done = client.post(action, fields)

    assert done["Location"] == "/committee/import/"
    assert Organization.objects.get().slug == "nuks-ke"
    assert "1 unions created and 0 updated" in client.get("/committee/import/").content.decode()
    assert client.post(action, fields).status_code == 409  # once only: the file is forgotten


def test_the_confirmation_is_refused_when_the_registry_changed_since_the_dry_run(client_as, regions):
    client = client_as(secretariat_user())
    action, fields = confirm_form(upload(client, KENYA).content.decode())
    OrganizationFactory(name="National Union of Kenyan Students", acronym="", country="KE")

    refused = client.post(action, fields)

    assert refused.status_code == 409
    assert "The registry changed since the dry run" in refused.content.decode()
    assert Organization.objects.count() == 1


def test_a_confirmation_with_another_hash_or_by_someone_else_or_expired_is_refused(client_as, regions):
    client = client_as(secretariat_user())
    action, fields = confirm_form(upload(client, KENYA).content.decode())

    assert client.post(action, {**fields, "sha256": "0" * 64}).status_code == 409
    assert client_as(secretariat_user()).post(action, fields).status_code == 409  # not their upload
    MemberImportUpload.objects.update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert client_as(MemberImportUpload.objects.get().uploaded_by).post(action, fields).status_code == 409
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("members.csv", (HEADER + "\n" + KENYA).encode("utf-16"), "UTF-16"),
        ("members.csv", (HEADER + "\nUniversité,,KE,,,,,,,,,2019-01-01").encode("latin-1"), "not UTF-8 text"),
        ("members.xlsx", b"name,country\n", "not an XLSX workbook"),
        ("members.csv", b"name,acronym\n", "these are missing"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_form_error_and_nothing_is_kept(
    client_as, regions, name, content, message
):
    page = upload(client_as(secretariat_user()), name=name, content=content)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert not MemberImportUpload.objects.exists()


def test_only_the_secretariat_opens_the_import_page(client_as, regions):
    assert client_as(UserFactory()).get("/committee/import/").status_code == 403
    assert client_as(None).get("/committee/import/")["Location"].startswith("/accounts/login/")
    assert client_as(secretariat_user()).get("/committee/import/").status_code == 200
