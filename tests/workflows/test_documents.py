"""Uploaded documents: the type by content, the size, a generated name, and only while editable."""

import io
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from tests.cast import application_in, reload
from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, image_bytes, pdf_upload
from tests.workflows.helpers import snapshot
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


def _picture(content: bytes) -> tuple:
    """What an image file is: its format, size and mode."""
    with Image.open(io.BytesIO(content)) as image:
        return image.format, image.size, image.mode


def _pixels(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as image:
        return image.tobytes()


def _stored(document) -> bytes:
    with default_storage.open(document.file.name) as stored:
        return stored.read()


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
def test_pdf_png_and_jpeg_are_accepted_by_their_content(cast, name, content, content_type, suffix):
    application = application_in(S.DRAFT, cast)

    document = _add(application, _upload(name, content))

    document = ApplicationDocument.objects.get(pk=document.pk)
    assert document.content_type == content_type
    # The display name ends with an extension of the type found (a download opens as what it is).
    assert document.original_name == (name if name.lower().endswith((suffix, ".jpeg")) else name + suffix)
    assert document.uploaded_by == cast.applicant
    assert document.file.name.endswith(suffix)
    with default_storage.open(document.file.name) as stored:
        stored = stored.read()
    assert document.size == len(stored)
    if content_type == "application/pdf":
        assert stored == content  # a PDF is stored as sent
    else:  # an image is written again: the same picture, in the same format
        assert _picture(stored) == _picture(content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("statutes.pdf", b"These are our statutes, as plain text.\n"),
        ("statutes.pdf", b"<html><script>alert(1)</script></html>"),
        ("statutes.pdf", b"PK\x03\x04 a zip or docx file"),
        ("image.png", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_other_content_is_refused_whatever_its_name(cast, name, content):
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload(name, content))

    assert refused.value.code == ErrorCode.UNSUPPORTED_TYPE
    assert snapshot(application) == before


def test_a_file_over_the_size_limit_is_refused(cast, settings):
    limit = settings.DOCUMENT_MAX_BYTES = len(PDF_BYTES) + 100
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    _add(application, _upload("exact.pdf", PDF_BYTES.ljust(limit, b" ")))  # at the limit: fine
    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("big.pdf", PDF_BYTES.ljust(limit + 1, b" ")))

    assert refused.value.code == ErrorCode.TOO_LARGE
    assert refused.value.details["max_bytes"] == limit
    assert len(snapshot(application)["documents"]) == len(before["documents"]) + 1


def test_an_empty_file_is_refused(cast):
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("empty.pdf", b""))

    assert refused.value.code == ErrorCode.INVALID
    assert snapshot(application) == before


def test_an_unknown_document_kind_is_refused(cast):
    application = application_in(S.DRAFT, cast)
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
def test_the_stored_name_is_generated_and_the_original_kept_only_for_display(cast, name):
    application = application_in(S.DRAFT, cast)

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


def test_the_same_upload_twice_is_stored_under_two_names(cast):
    application = application_in(S.DRAFT, cast)

    first = _add(application, _upload("statutes.pdf", PDF_BYTES))
    second = _add(application, _upload("statutes.pdf", PDF_BYTES))

    assert first.file.name != second.file.name


def test_only_the_applicant_uploads_and_removes_documents(cast):
    application = application_in(S.DRAFT, cast)
    document = application.documents.first()
    before = snapshot(application)

    for who in (cast.anonymous, cast.other_applicant, cast.secretariat, cast.reviewers[0]):
        with pytest.raises(WorkflowError) as refused:
            services.document_add(application=application, actor=who, kind="other", upload=pdf_upload())
        assert refused.value.code == ErrorCode.FORBIDDEN
        with pytest.raises(WorkflowError) as refused:
            services.document_remove(document=document, actor=who)
        assert refused.value.code == ErrorCode.FORBIDDEN

    assert snapshot(application) == before


def test_removing_a_document_deletes_the_row_and_after_commit_the_file(
    cast, django_capture_on_commit_callbacks
):
    application = application_in(S.DRAFT, cast)
    document = application.documents.first()
    name = document.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(document=document, actor=cast.applicant)

    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(name)


def test_the_applicant_edits_and_uploads_again_when_information_is_requested(cast):
    application = application_in(S.INFO_REQUESTED, cast)

    services.application_update(application=application, actor=cast.applicant, data={"city": "Kisumu"})
    _add(application, pdf_upload("translation.pdf"))

    assert reload(application).city == "Kisumu"
    assert application.documents.filter(original_name="translation.pdf").exists()


@pytest.mark.parametrize("state", FROZEN_STATES)
def test_a_frozen_application_refuses_edits_uploads_and_removals(cast, state):
    application = application_in(state, cast)
    document = application.documents.first()
    before = snapshot(application)

    attempts = [
        lambda: services.application_update(
            application=application, actor=cast.applicant, data={"city": "X"}
        ),
        lambda: services.application_update(
            application=application, actor=cast.applicant, data={}, contacts=[]
        ),
        lambda: _add(application, pdf_upload()),
        lambda: services.document_remove(document=document, actor=cast.applicant),
    ]
    for attempt in attempts:
        with pytest.raises(WorkflowError) as refused:
            attempt()
        assert refused.value.code == ErrorCode.NOT_ALLOWED
        assert refused.value.details == {"state": state}

    assert snapshot(application) == before


# --- images are written again ------------------------------------------------------------------

ZIP_AFTER_THE_END = (
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00payload.exe" + b"\x00" * 32 + b"PK\x05\x06" + b"\x00" * 18
)
SCRIPT_AFTER_THE_END = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _photo_with_gps() -> bytes:
    """A JPEG as a phone writes it: EXIF with a GPS position, a camera maker, an orientation
    (turn 90 degrees), a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: the picture is to be turned 90 degrees clockwise
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    return image_bytes("JPEG", size=(64, 48), exif=exif, comment=b"taken at home")


@pytest.mark.parametrize("trailer", [ZIP_AFTER_THE_END, SCRIPT_AFTER_THE_END], ids=["zip", "script"])
def test_a_png_is_stored_without_what_follows_its_end_or_its_text_chunks(cast, trailer):
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 52.52N</x:xmpmeta>")
    original = image_bytes("PNG", size=(40, 30), pnginfo=text)
    application = application_in(S.DRAFT, cast)

    document = _add(application, _upload("scan.png", original + trailer))

    stored = _stored(document)
    assert document.content_type == "image/png"
    assert document.size == len(stored)
    for left_out in (b"PK\x03\x04", b"PK\x05\x06", b"<script", b"<html", b"tEXt", b"iTXt", b"xmpmeta"):
        assert left_out not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")  # nothing after the end
    assert _picture(stored) == ("PNG", (40, 30), "RGB")
    assert _pixels(stored) == _pixels(original)  # the same picture, pixel for pixel


def test_a_jpeg_is_stored_without_exif_gps_comment_or_trailing_data_and_upright(cast):
    original = _photo_with_gps() + ZIP_AFTER_THE_END
    application = application_in(S.DRAFT, cast)

    document = _add(application, _upload("photo.jpg", original))

    stored = _stored(document)
    assert document.content_type == "image/jpeg"
    assert document.size == len(stored)
    for left_out in (b"Exif\x00\x00", b"PhoneMaker", b"taken at home", b"PK\x03\x04", b"PK\x05\x06"):
        assert left_out not in stored
    assert stored.endswith(b"\xff\xd9")  # nothing after the end of the image
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert image.size == (48, 64)  # turned as the orientation said, which is then not needed


def test_a_jpeg_that_is_also_an_html_page_is_stored_as_only_a_jpeg(cast):
    """A polyglot: a valid JPEG whose comment and tail are an HTML page with a script."""
    page = b"<html><head><title>x</title></head><body><script>alert(document.domain)</script>"
    polyglot = image_bytes("JPEG", size=(16, 16), comment=page) + b"</body></html>"
    with Image.open(io.BytesIO(polyglot)) as image:
        assert image.format == "JPEG"  # it is a JPEG...
    assert page in polyglot  # ...and an HTML page
    application = application_in(S.DRAFT, cast)

    document = _add(application, _upload("letter.jpg", polyglot))

    stored = _stored(document)
    assert b"<html" not in stored
    assert b"<script" not in stored
    assert _picture(stored) == ("JPEG", (16, 16), "RGB")


def _with_png_size(content: bytes, width: int, height: int) -> bytes:
    """``content`` (a PNG) with the size its header declares changed (and its checksum fixed)."""
    start = content.index(b"IHDR")
    header = content[start : start + 17]  # the chunk type and its 13 bytes of data
    header = header[:4] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + header[12:]
    crc = zlib.crc32(header).to_bytes(4, "big")
    return content[:start] + header + crc + content[start + 21 :]


def _with_jpeg_size(content: bytes, width: int, height: int) -> bytes:
    """``content`` (a JPEG) with the size its frame header declares changed."""
    frame = content.index(b"\xff\xc0")
    header = frame + 5  # marker, length (2), precision (1), then height and width
    return content[:header] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + content[header + 4 :]


@pytest.mark.parametrize(
    "content",
    [
        _with_png_size(PNG_BYTES, 20_000, 20_000),  # declares 400 megapixels
        _with_jpeg_size(JPEG_BYTES, 65_000, 65_000),  # declares 4 gigapixels
        _with_jpeg_size(JPEG_BYTES, 8_000, 8_000),  # 64 megapixels: over the limit, under Pillow's
    ],
    ids=["png-400-megapixels", "jpeg-4-gigapixels", "jpeg-64-megapixels"],
)
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(cast, content):
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("bomb.png", content))

    assert refused.value.code == ErrorCode.UNSUPPORTED_TYPE
    assert refused.value.details == {"file": ["image too large"]}
    assert snapshot(application) == before


def _png_with_a_wrong_checksum() -> bytes:
    content = bytearray(PNG_BYTES)
    idat = content.index(b"IDAT")
    content[idat + 4] ^= 0xFF  # the first byte of the compressed pixels: the CRC no longer matches
    return bytes(content)


@pytest.mark.parametrize(
    "content",
    [
        PNG_BYTES[: len(PNG_BYTES) // 2],
        JPEG_BYTES[: len(JPEG_BYTES) // 2],
        _png_with_a_wrong_checksum(),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>",
    ],
    ids=[
        "png-truncated",
        "jpeg-truncated",
        "png-bad-checksum",
        "png-signature-only",
        "jpeg-signature-then-html",
    ],
)
def test_an_image_that_cannot_be_decoded_is_refused(cast, content):
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        _add(application, _upload("scan.png", content))

    assert refused.value.code == ErrorCode.UNSUPPORTED_TYPE
    assert refused.value.details == {"file": ["unreadable image"]}
    assert snapshot(application) == before
