"""Active content in PDFs: none of the generated hostile PDFs (``pdf_corpus.py``) gets through the
upload check, whatever the place, spelling, encoding or damage; ordinary PDFs do.

Each refusal is the upload check's: ``unsupported_type`` with ``details["file"]`` giving the
reason, which the portal shows on the file input and the API answers with 415.
"""

from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import ApplicationFactory, applicant_user
from tests.hardening.pdf_corpus import Sample, benign_pdfs, hostile_pdfs
from workflows.documents import clean_upload
from workflows.errors import ErrorCode, WorkflowError

HOSTILE = list(hostile_pdfs())
BENIGN = list(benign_pdfs())

# The evasion classes, and how many PDFs each must have at least.
CLASSES = {
    "action": 300,  # each forbidden action in each place, saved three ways by pikepdf
    "automatic-action": 30,  # harmless-looking actions where they run by themselves
    "forbidden-content": 20,  # XFA with scripts, embedded files, rich media, 3D
    "written-by-hand": 10,
    "escaped-names": 20,  # #xx escapes, one character or all of them
    "object-stream-encodings": 400,  # in object streams: chained filters, predictors, padding
    "padded-object-streams": 5,
    "needs-repair": 40,  # broken or missing cross-reference tables, truncated files
    "hidden-objects": 3,  # objects the table leaves out, that a repairing viewer would find
    "encrypted": 16,
    "bombs": 8,  # decompression bombs, too many objects, too deep, too wide
}


def _refusal(sample: Sample) -> WorkflowError | None:
    try:
        clean_upload(SimpleUploadedFile(f"{sample.kind}.pdf", sample.data))
    except WorkflowError as refused:
        return refused
    return None


def test_the_generator_makes_at_least_200_hostile_pdfs_in_every_class():
    counts = Counter(sample.kind for sample in HOSTILE)

    assert sum(counts.values()) >= 200
    assert set(counts) == set(CLASSES)
    for kind, least in CLASSES.items():
        assert counts[kind] >= least, (kind, counts[kind])
    assert len({sample.name for sample in HOSTILE}) == len(HOSTILE)  # no two alike by name


def test_no_hostile_pdf_is_accepted_and_each_is_refused_for_its_reason():
    accepted, wrong = [], []
    for sample in HOSTILE:
        refused = _refusal(sample)
        if refused is None:
            accepted.append(f"{sample.kind}: {sample.name}")
            continue
        assert refused.code == ErrorCode.UNSUPPORTED_TYPE
        (reason,) = refused.details["file"]
        found = "active" if reason.startswith("active content") else "unreadable"
        if sample.expect not in (None, found):
            wrong.append(f"{sample.kind}: {sample.name}: {reason}")

    assert accepted == []
    # The active content itself is found (not only an unreadable file refused), through object
    # streams, filters, predictors, padding and escapes.
    assert wrong == []


@pytest.mark.parametrize("sample", BENIGN, ids=[sample.name for sample in BENIGN])
def test_an_ordinary_pdf_is_accepted_and_stored_as_sent(sample):
    upload = SimpleUploadedFile("statutes.pdf", sample.data)

    clean = clean_upload(upload)

    assert clean.content_type == "application/pdf"
    assert clean.file is upload
    assert clean.size == len(sample.data)


# --- through the ways in ------------------------------------------------------------------------


@pytest.fixture
def draft_and_client(db):
    applicant = applicant_user()
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    client = Client()
    client.force_login(applicant, backend="django.contrib.auth.backends.ModelBackend")
    return ApplicationFactory(applicant=applicant, country="KE"), client


def _first_of_each_class() -> list[Sample]:
    firsts: dict[str, Sample] = {}
    for sample in HOSTILE:
        if sample.kind != "bombs":  # the bombs are checked above, once is enough
            firsts.setdefault(sample.kind, sample)
    return list(firsts.values())


@pytest.mark.parametrize("sample", _first_of_each_class(), ids=lambda sample: sample.kind)
def test_a_hostile_pdf_is_refused_by_the_api_with_415_and_by_the_page_on_its_input(draft_and_client, sample):
    application, client = draft_and_client

    api = client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("statutes.pdf", sample.data)},
    )
    page = client.post(
        f"/applications/{application.pk}/documents/",
        {
            "kind": "other",
            "expected_state": application.state,
            "file": SimpleUploadedFile("statutes.pdf", sample.data),
        },
    )

    assert api.status_code == 415
    assert api.json()["error"]["code"] == "unsupported_type"
    assert page.status_code == 200
    assert "PDF" in str(page.context["form"].errors["file"])
    assert application.documents.count() == 0


@pytest.mark.parametrize("sample", BENIGN[:3], ids=[sample.name for sample in BENIGN[:3]])
def test_an_ordinary_pdf_is_accepted_by_the_api(draft_and_client, sample):
    application, client = draft_and_client

    response = client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("statutes.pdf", sample.data)},
    )

    assert response.status_code == 201, response.content
    assert application.documents.get().size == len(sample.data)
