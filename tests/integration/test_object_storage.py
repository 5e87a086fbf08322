"""Documents in S3-compatible object storage, against a real S3 server on loopback (moto's server mode):
uploads land in a private bucket, downloads stream through the permission check, and
``copy_documents_to_storage`` copies MEDIA_ROOT there, verified by SHA-256."""

import hashlib
import urllib.error
import urllib.request
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient
from storages.backends.s3 import S3File, S3Storage

from tests.factories import PDF_BYTES, ApplicationFactory, applicant_user, pdf_upload, secretariat_user
from workflows import services
from workflows.models import ApplicationDocument

pytestmark = pytest.mark.django_db

PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@pytest.fixture(autouse=True)
def _officers_without_mfa(settings):
    settings.OFFICERS_REQUIRE_MFA = False


@pytest.fixture
def uploaded(object_storage):
    """A draft of its applicant with one PDF uploaded through the service."""
    application = ApplicationFactory(applicant=applicant_user())
    document = services.document_add(
        application=application,
        actor=application.applicant,
        kind="statutes",
        upload=pdf_upload("statutes.pdf"),
    )
    return document


def _portal_url(document) -> str:
    return reverse("application-document", args=[document.application_id, document.pk])


def _api_url(document) -> str:
    return f"/api/v1/applications/{document.application_id}/documents/{document.pk}/"


def _assert_download(response, document, content: bytes) -> None:
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == document.content_type
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- uploads and downloads -----------------------------------------------------------------------


def test_an_upload_through_the_service_lands_in_the_bucket(object_storage, uploaded):
    assert object_storage.keys() == [uploaded.file.name]
    assert uploaded.file.name.startswith(f"applications/{uploaded.application_id}/")
    assert object_storage.read(uploaded.file.name) == PDF_BYTES
    assert isinstance(default_storage._wrapped, S3Storage)


def test_the_stored_object_is_not_public(object_storage, uploaded):
    acl = object_storage.client.get_object_acl(Bucket=object_storage.name, Key=uploaded.file.name)
    grantees = [grant["Grantee"].get("URI") for grant in acl["Grants"]]
    assert not set(grantees) & set(PUBLIC_GROUPS)
    # Only the owner: no grant to anybody else.
    assert {grant["Grantee"]["Type"] for grant in acl["Grants"]} == {"CanonicalUser"}
    # moto's server answers anonymous requests by the object's ACL (a public-read object is served).
    anonymous = f"{object_storage.endpoint_url}/{object_storage.name}/{uploaded.file.name}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=10)
    assert refused.value.code == 403


def test_the_applicant_downloads_the_same_bytes_through_the_portal(client, uploaded):
    client.force_login(uploaded.application.applicant)

    _assert_download(client.get(_portal_url(uploaded)), uploaded, PDF_BYTES)


def test_the_api_streams_the_same_bytes_to_the_applicant_and_the_secretariat(uploaded):
    for user in (uploaded.application.applicant, secretariat_user()):
        api = APIClient()
        api.force_authenticate(user)
        _assert_download(api.get(_api_url(uploaded)), uploaded, PDF_BYTES)


def test_an_outsider_gets_404_on_the_portal_and_the_api(client, object_storage, uploaded):
    outsider = applicant_user()
    client.force_login(outsider)
    api = APIClient()
    api.force_authenticate(outsider)

    assert client.get(_portal_url(uploaded)).status_code == 404
    assert api.get(_api_url(uploaded)).status_code == 404
    assert object_storage.keys() == [uploaded.file.name]


def test_a_document_whose_object_is_gone_is_404(client, object_storage, uploaded):
    object_storage.client.delete_object(Bucket=object_storage.name, Key=uploaded.file.name)
    client.force_login(uploaded.application.applicant)

    assert client.get(_portal_url(uploaded)).status_code == 404


def test_a_large_document_is_streamed_in_blocks_never_read_whole(client, object_storage, monkeypatch):
    """The download reads the object's body as it comes, in 64 KiB blocks: django-storages' own
    reading (a whole copy of the object in a temporary buffer) is never used."""
    content = bytes(range(256)) * 4096 + b"end"  # 1 MiB and 3 bytes
    application = ApplicationFactory(applicant=applicant_user())
    name = default_storage.save(f"applications/{application.pk}/large.pdf", ContentFile(content))
    document = ApplicationDocument.objects.create(
        application=application,
        kind="other",
        file=name,
        original_name="large.pdf",
        size=len(content),
        content_type="application/pdf",
        uploaded_by=application.applicant,
    )

    def whole_copy(self):
        raise AssertionError("the object was copied whole before streaming")

    monkeypatch.setattr(S3File, "_get_file", whole_copy)
    client.force_login(application.applicant)
    response = client.get(_portal_url(document))

    blocks = list(response.streaming_content)
    assert b"".join(blocks) == content
    assert len(blocks) > 1
    assert max(len(block) for block in blocks) <= 64 * 1024
    assert response["Content-Length"] == str(len(content))


# --- copy_documents_to_storage ---------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """A MEDIA_ROOT with two documents, as the local storage left them."""
    root = tmp_path / "media"
    files = {"applications/1/a.pdf": PDF_BYTES, "applications/2/b.png": b"\x89PNG\r\n\x1a\n" + b"x" * 70_000}
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    settings.MEDIA_ROOT = root
    return files


def _copy() -> str:
    out = StringIO()
    call_command("copy_documents_to_storage", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_copies_media_root_and_verifies_each_file(object_storage, media_root):
    output = _copy()

    assert "2 copied, 0 present, 0 differs, 0 corrupt" in output
    assert object_storage.keys() == sorted(media_root)
    for name, content in media_root.items():
        stored = object_storage.read(name)
        assert hashlib.sha256(stored).digest() == hashlib.sha256(content).digest()


def test_the_command_run_again_copies_nothing(object_storage, media_root, monkeypatch):
    _copy()
    writes = []
    original_save = S3Storage._save
    monkeypatch.setattr(S3Storage, "_save", lambda self, *a: writes.append(a) or original_save(self, *a))

    output = _copy()

    assert "0 copied, 2 present, 0 differs, 0 corrupt" in output
    assert writes == []
    assert object_storage.keys() == sorted(media_root)


def test_an_object_with_other_bytes_under_the_name_is_reported_and_left_alone(object_storage, media_root):
    object_storage.client.put_object(Bucket=object_storage.name, Key="applications/1/a.pdf", Body=b"other")

    with pytest.raises(CommandError, match=r"applications/1/a\.pdf \(differs\)"):
        _copy()

    assert object_storage.read("applications/1/a.pdf") == b"other"
    assert object_storage.read("applications/2/b.png") == media_root["applications/2/b.png"]


def test_a_corrupted_upload_is_reported_removed_and_copied_on_the_next_run(
    object_storage, media_root, monkeypatch
):
    original_save = S3Storage._save

    def corrupting_save(self, name, content):
        data = content.read()
        return original_save(self, name, ContentFile(data[:-1] + bytes([data[-1] ^ 1])))

    monkeypatch.setattr(S3Storage, "_save", corrupting_save)
    with pytest.raises(CommandError, match=r"2 file\(s\) not copied.*\(corrupt\)"):
        _copy()
    assert object_storage.keys() == []  # nothing wrong left behind

    monkeypatch.setattr(S3Storage, "_save", original_save)
    assert "2 copied" in _copy()
    assert object_storage.read("applications/1/a.pdf") == PDF_BYTES


def test_the_command_refuses_local_files_as_the_target(settings, media_root):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }

    with pytest.raises(CommandError, match="STORAGE_URL is unset"):
        _copy()
