"""Uploaded documents: the type by content, the size, a generated name, and only while editable."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, pdf_upload
from tests.workflows.helpers import application_in, reload, snapshot
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import EDITABLE_STATES, ApplicationDocument, ApplicationState

pytestmark = pytest.mark.django_db

S = ApplicationState
FROZEN_STATES = [s for s in S if s not in EDITABLE_STATES]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's content type is not trusted: always this one.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _add(application, upload, kind="other"):
    return services.document_add(
        application=application, actor=application.applicant, kind=kind, upload=upload
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("statutes.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("scan.png", PNG_BYTES, "image/png", ".png"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg", ".jpg"),
        ("statutes.png", PDF_BYTES, "application/pdf", ".pdf"),  # the name does not matter
        ("no-extension", JPEG_BYTES, "image/jpeg", ".jpg"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_by_their_content(people, name, content, content_type, suffix):
    application = application_in(S.DRAFT, people)

    document = _add(application, _upload(name, content))

    document = ApplicationDocument.objects.get(pk=document.pk)
    assert document.content_type == content_type
    # The display name ends with an extension of the type found (a download opens as what it is).
    assert document.original_name == (name if name.lower().endswith((suffix, ".jpeg")) else name + suffix)
    assert document.size == len(content)
    assert document.uploaded_by == people.applicant
    assert document.file.name.endswith(suffix)
    with default_storage.open(document.file.name) as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("statutes.pdf", b"These are our statutes, as plain text.\n"),
        ("statutes.pdf", b"<html><script>alert(1)</script></html>"),
        ("statutes.pdf", b"PK\x03\x04 a zip or docx file"),
        ("image.png", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_other_content_is_refused_whatever_its_name(people, name, content):
    application = application_in(S.DRAFT, people)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload(name, content))

    assert refused.value.code == ErrorCode.UNSUPPORTED_TYPE
    assert snapshot(application) == before


def test_a_file_over_the_size_limit_is_refused(people, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    application = application_in(S.DRAFT, people)
    before = snapshot(application)

    _add(application, _upload("exact.pdf", PDF_BYTES.ljust(100, b" ")))  # at the limit: fine
    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("big.pdf", PDF_BYTES.ljust(101, b" ")))

    assert refused.value.code == ErrorCode.TOO_LARGE
    assert refused.value.details["max_bytes"] == 100
    assert len(snapshot(application)["documents"]) == len(before["documents"]) + 1


def test_an_empty_file_is_refused(people):
    application = application_in(S.DRAFT, people)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("empty.pdf", b""))

    assert refused.value.code == ErrorCode.INVALID
    assert snapshot(application) == before


def test_an_unknown_document_kind_is_refused(people):
    application = application_in(S.DRAFT, people)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, pdf_upload(), kind="passport")

    assert refused.value.code == ErrorCode.INVALID
    assert snapshot(application) == before


@pytest.mark.parametrize(
    "name",
    [
        "Statuten der Studierendenschaft 2024 FINAL.pdf",
        "../../../etc/passwd.pdf",
        "C:\\Users\\amina\\Desktop\\registration.pdf",
        "évènement\x00\x1b[31m.pdf",
    ],
)
def test_the_stored_name_is_generated_and_the_original_kept_only_for_display(people, name):
    application = application_in(S.DRAFT, people)

    document = _add(application, _upload(name, PDF_BYTES))

    stored = document.file.name
    directory, _, filename = stored.rpartition("/")
    assert directory == f"applications/{application.pk}"
    assert len(filename) == len("0123456789abcdef0123456789abcdef.pdf")
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for part in [stem, *stem.replace("\x00", " ").split()]:
        if len(part) > 2:
            assert part.lower() not in stored.lower()
    assert "/" not in document.original_name
    assert "\\" not in document.original_name
    assert all(ch.isprintable() for ch in document.original_name)


def test_the_same_upload_twice_is_stored_under_two_names(people):
    application = application_in(S.DRAFT, people)

    first = _add(application, _upload("statutes.pdf", PDF_BYTES))
    second = _add(application, _upload("statutes.pdf", PDF_BYTES))

    assert first.file.name != second.file.name


def test_only_the_applicant_uploads_and_removes_documents(people):
    application = application_in(S.DRAFT, people)
    document = application.documents.first()
    before = snapshot(application)

    for who in (people.anonymous, people.other_applicant, people.secretariat, people.reviewers[0]):
        with pytest.raises(WorkflowError) as refused:
            services.document_add(application=application, actor=who, kind="other", upload=pdf_upload())
        assert refused.value.code == ErrorCode.FORBIDDEN
        with pytest.raises(WorkflowError) as refused:
            services.document_remove(document=document, actor=who)
        assert refused.value.code == ErrorCode.FORBIDDEN

    assert snapshot(application) == before


def test_removing_a_document_deletes_the_row_and_after_commit_the_file(
    people, django_capture_on_commit_callbacks
):
    application = application_in(S.DRAFT, people)
    document = application.documents.first()
    name = document.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(document=document, actor=people.applicant)

    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(name)


def test_the_applicant_edits_and_uploads_again_when_information_is_requested(people):
    application = application_in(S.INFO_REQUESTED, people)

    services.application_update(application=application, actor=people.applicant, data={"city": "Kisumu"})
    _add(application, pdf_upload("translation.pdf"))

    assert reload(application).city == "Kisumu"
    assert application.documents.filter(original_name="translation.pdf").exists()


@pytest.mark.parametrize("state", FROZEN_STATES)
def test_a_frozen_application_refuses_edits_uploads_and_removals(people, state):
    application = application_in(state, people)
    document = application.documents.first()
    before = snapshot(application)

    attempts = [
        lambda: services.application_update(
            application=application, actor=people.applicant, data={"city": "X"}
        ),
        lambda: services.application_update(
            application=application, actor=people.applicant, data={}, contacts=[]
        ),
        lambda: _add(application, pdf_upload()),
        lambda: services.document_remove(document=document, actor=people.applicant),
    ]
    for attempt in attempts:
        with pytest.raises(WorkflowError) as refused:
            attempt()
        assert refused.value.code == ErrorCode.NOT_ALLOWED
        assert refused.value.details == {"state": state}

    assert snapshot(application) == before
