"""Checks on uploaded documents: the type by content, never by name; the size; no active content.

``clean_upload`` returns what to store. A PDF is stored as sent, once qpdf (through pikepdf) has
read every object of it: one that can act on its own or carry other files is refused (see
``PDF_FORBIDDEN_NAMES``), and so is one qpdf cannot read exactly as written (damaged, so that a
viewer would have to guess; encrypted; too large or too complex to check within a budget). A
PNG or JPEG is decoded by Pillow and written again: what is stored is only its pixels, without
metadata (EXIF with its GPS position, text chunks, ICC profiles, comments) or anything appended.
"""

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, JpegImagePlugin

from .errors import ErrorCode, WorkflowError

# pikepdf says at import, at INFO, that its bridge from qpdf's log is ready: a line in every
# process's log and on every management command's stderr. Its warnings and errors still show.
logging.getLogger("pikepdf._core").setLevel(logging.WARNING)
import pikepdf  # noqa: E402
import pikepdf.settings  # noqa: E402

# Content type → the bytes a file of that type starts with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
ACCEPTED_DESCRIPTION = "PDF, PNG, JPEG"
# The file name extensions that go with each accepted type (the first is added when missing).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}

# PDF names that make a viewer run code or a program, send or fetch data, act on its own, or
# carry other files or media. Refused wherever they appear, as a dictionary key or a name value
# (``/S /JavaScript``, ``/Subtype /FileAttachment``), however they are spelled in the file.
PDF_FORBIDDEN_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/XFA",  # XML forms, which have their own scripts
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/FileAttachment",
        "/RichMedia",
        "/AA",  # additional actions: on opening or closing a page, on focus, on keystrokes
        "/GoToR",  # opens another file (a UNC path leaks the reader's Windows credentials)
        "/GoToE",  # opens an embedded file
        "/Rendition",
        "/Movie",
        "/Sound",
        "/3D",
    }
)
# /OpenAction is refused when it is an action (a dictionary). As an array it is only a
# destination, the page and zoom to open at (LaTeX and LibreOffice write one), and is accepted.
PDF_OPEN_ACTION = "/OpenAction"
# Link targets (/URI) may only be web and mail addresses: not javascript:, file:, data: or \\host.
PDF_URI_SCHEMES = (b"http://", b"https://", b"mailto:")

# The budget of the check: a PDF beyond it is refused, never expanded further.
PDF_MAX_OBJECTS = 100_000  # entries of the cross-reference table
PDF_MAX_ITEMS = 2_000_000  # objects and the values inside them, walked one by one
PDF_MAX_STREAM_BYTES = 64 * 1024 * 1024  # one stream, decoded
PDF_MAX_DECODED_BYTES = 256 * 1024 * 1024  # all streams, decoded
PDF_MAX_FILTERS = 4  # filters chained on one stream
# What may start a value in an object stream: whitespace and delimiters. Their number bounds how many
# values qpdf will make of an object stream, counted before it does (a small compressed stream of
# "0 0 0 ..." would otherwise become millions of objects in memory).
_PDF_SEPARATORS = (b"\x00", b"\t", b"\n", b"\x0c", b"\r", b" ", b"/", b"[", b"(", b"<", b"{")
# Image codecs: what they hold is pixels, decoded by the viewer's image decoder, not by qpdf.
# They must come last in a stream's filter chain; the filters before them are decoded.
PDF_IMAGE_FILTERS = frozenset({"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"})

# Images: the largest picture accepted, in pixels (a 50-megapixel camera's photo fits).
IMAGE_MAX_PIXELS = 60_000_000
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class CleanUpload:
    """An accepted upload: its type found by content, and the file to store (with its size)."""

    content_type: str
    file: File

    @property
    def size(self) -> int:
        return self.file.size


class _Refused(Exception):
    """A PDF or image refused, with the message for people and the reason for the API's details."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


def sniff_content_type(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    return None


def clean_upload(upload) -> CleanUpload:
    """Check ``upload`` and return what to store; raise ``WorkflowError`` when it is refused.

    Size (not empty, at most ``DOCUMENT_MAX_BYTES``), type by its first bytes, then by type: a PDF
    is read whole and kept as sent if it has no active content; a PNG or JPEG is decoded and a new
    file of the same type is returned in its place.
    """
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise WorkflowError(
            ErrorCode.TOO_LARGE,
            _("The file is too large: the limit is %(limit)s.") % {"limit": filesizeformat(limit)},
            details={"file": [f"max {limit} bytes"], "max_bytes": limit},
        )
    if upload.size == 0:
        raise WorkflowError(ErrorCode.INVALID, _("The file is empty."), details={"file": ["empty"]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise WorkflowError(
            ErrorCode.UNSUPPORTED_TYPE,
            _("This file type is not accepted. Please upload a PDF, PNG or JPEG file."),
            details={"file": [f"accepted: {ACCEPTED_DESCRIPTION}"]},
        )
    data = b"".join(upload.chunks())
    upload.seek(0)
    try:
        if content_type == "application/pdf":
            check_pdf(data)
            return CleanUpload(content_type, upload)
        return CleanUpload(content_type, ContentFile(reencode_image(data, content_type)))
    except _Refused as refused:
        raise WorkflowError(
            ErrorCode.UNSUPPORTED_TYPE, refused.message, details={"file": [refused.reason]}
        ) from None


# --- PDF ----------------------------------------------------------------------------------------


def _limit_qpdf() -> None:
    """qpdf's own limits, so that it stops a decompression bomb while it decodes a stream.

    They are process-wide (nothing else in this project reads PDFs), and set once, as this module
    is imported, before any request can read a PDF: qpdf does not synchronize them.
    """
    pikepdf.settings.set_qpdf_limits(
        flate_max_memory=PDF_MAX_STREAM_BYTES,
        png_max_memory=PDF_MAX_STREAM_BYTES,
        tiff_max_memory=PDF_MAX_STREAM_BYTES,
        run_length_max_memory=PDF_MAX_STREAM_BYTES,
        max_stream_filters=PDF_MAX_FILTERS,
    )


_limit_qpdf()


def check_pdf(data: bytes) -> None:
    """Raise ``_Refused`` unless the PDF ``data`` reads cleanly, within the budget, without active content.

    qpdf opens the file without repairing it: a damaged file is refused (qpdf's repair and a
    viewer's may not agree, and what one of them shows the check would not have seen). It reads
    the cross-reference table; then every object in it is read, those stored alone first (the
    object streams among them, whose decoded size is so counted before qpdf expands the objects
    they hold), then those in object streams. Each stream is decoded (all its filters but an image
    codec) and its size counted; each key and name in each dictionary, array and stream
    dictionary, and in the trailer, is compared with ``PDF_FORBIDDEN_NAMES``. Any warning qpdf
    reports meanwhile refuses the file.

    The file is then read again as a viewer that repairs it would, from every object written in
    it (with its ``startxref`` hidden, qpdf rebuilds the table from the objects it finds): an
    object the table leaves out, or an old revision's, is checked too.
    """
    _read_pdf(data, repair=False)
    _read_pdf(data.replace(b"startxref", b"%tartxref"), repair=True)


def _read_pdf(data: bytes, *, repair: bool) -> None:
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=repair, inherit_page_attributes=False) as pdf:
            if pdf.is_encrypted:
                raise _Refused(_unreadable(), "encrypted PDF")
            _walk_pdf(pdf)
            if pdf.get_warnings() and not repair:
                raise _Refused(_unreadable(), "damaged PDF")
    except _Refused:
        raise
    except pikepdf.PasswordError:
        raise _Refused(_unreadable(), "encrypted PDF") from None
    except pikepdf.DataDecodingError:
        raise _Refused(_unreadable(), "a stream cannot be decoded within the limits") from None
    except Exception:  # qpdf could not read it (damaged, over a limit), or anything else: refused
        raise _Refused(_unreadable(), "damaged PDF") from None


def _walk_pdf(pdf: pikepdf.Pdf) -> None:
    xref = pdf.get_xref_table()
    if len(xref) > PDF_MAX_OBJECTS:
        raise _Refused(_unreadable(), "too many objects")
    walk = _Walk()
    walk.visit(pdf.trailer)
    # Objects stored on their own (streams among them) first, then those inside object streams.
    for stored_alone in (True, False):
        for object_id, entry in xref.items():
            if entry.type == 0 or (entry.type == 1) != stored_alone:
                continue
            obj = pdf.get_object(object_id)
            if obj._type_code == pikepdf.ObjectType.stream:
                walk.decode(pdf, obj)
            walk.visit(obj)


class _Walk:
    """Visits objects and the direct values inside them, within the budget."""

    def __init__(self):
        self.items = 0
        self.decoded = 0
        self.packed = 0  # values in object streams, at most

    def visit(self, root: pikepdf.Object) -> None:
        stack = [root]
        while stack:
            obj = stack.pop()
            type_code = obj._type_code
            if type_code == pikepdf.ObjectType.name_:
                if str(obj) in PDF_FORBIDDEN_NAMES:
                    raise _Refused(_active_content(), f"active content: {obj}")
            elif type_code in (pikepdf.ObjectType.dictionary, pikepdf.ObjectType.stream):
                keys = obj.keys()  # a stream's keys are its dictionary's
                self._count(len(keys))
                for key in keys:
                    value = obj.get(key)
                    self._check_entry(key, value)
                    if isinstance(value, pikepdf.Object) and not value.is_indirect:
                        stack.append(value)
            elif type_code == pikepdf.ObjectType.array:
                self._count(len(obj))
                stack.extend(
                    item for item in obj if isinstance(item, pikepdf.Object) and not item.is_indirect
                )

    def _count(self, items: int) -> None:
        self.items += 1 + items
        if self.items > PDF_MAX_ITEMS:
            raise _Refused(_unreadable(), "too many objects")

    @staticmethod
    def _check_entry(key: str, value) -> None:
        if key in PDF_FORBIDDEN_NAMES:
            raise _Refused(_active_content(), f"active content: {key}")
        if key == PDF_OPEN_ACTION and not (
            isinstance(value, pikepdf.Object) and value._type_code == pikepdf.ObjectType.array
        ):
            raise _Refused(_active_content(), f"active content: {key}")
        # A link's target (a string; the catalog's /URI is a dictionary, its base address).
        if (
            key == "/URI"
            and isinstance(value, pikepdf.Object)
            and value._type_code == pikepdf.ObjectType.string
            and not bytes(value).strip(b"\x00\t\n\x0c\r ").lower().startswith(PDF_URI_SCHEMES)
        ):
            raise _Refused(_active_content(), "active content: /URI")

    def decode(self, pdf: pikepdf.Pdf, stream: pikepdf.Object) -> None:
        """Decode ``stream`` (all its filters but a final image codec), counting its size."""
        filters = stream.get("/Filter")
        if filters is None:
            names = []
        elif isinstance(filters, pikepdf.Array):
            names = [str(name) for name in filters]
        else:
            names = [str(filters)]
        images = [i for i, name in enumerate(names) if name in PDF_IMAGE_FILTERS]
        if images and images != [len(names) - 1]:
            raise _Refused(_unreadable(), "unusual stream encoding")
        if not images:
            data = stream.read_bytes(decode_level=pikepdf.StreamDecodeLevel.specialized)
            size = len(data)
            if stream.get("/Type") == pikepdf.Name.ObjStm:
                self.packed += sum(data.count(separator) for separator in _PDF_SEPARATORS)
                if self.packed > PDF_MAX_ITEMS:
                    raise _Refused(_unreadable(), "too many objects")
            del data
        elif len(names) == 1:
            size = len(stream.read_raw_bytes())
        else:  # decode the filters before the image codec, by qpdf, on a copy of the stream
            parms = stream.get("/DecodeParms")
            copy = pikepdf.Stream(pdf, stream.read_raw_bytes())
            copy.Filter = pikepdf.Array([pikepdf.Name(name) for name in names[:-1]])
            if isinstance(parms, pikepdf.Array):
                copy.DecodeParms = pikepdf.Array(list(parms)[:-1])
            size = len(copy.read_bytes(decode_level=pikepdf.StreamDecodeLevel.specialized))
        self.decoded += size
        if size > PDF_MAX_STREAM_BYTES or self.decoded > PDF_MAX_DECODED_BYTES:
            raise _Refused(_unreadable(), "too large decoded")


def _active_content() -> str:
    return _(
        "PDF files with scripts, actions that run by themselves, forms that send data, attached "
        "files or multimedia are not accepted. Please save the document again as a plain PDF (for "
        "example with “Print to PDF”)."
    )


def _unreadable() -> str:
    return _(
        "This PDF cannot be checked: it is damaged, encrypted, or too large or complex once "
        "decompressed. Please save it again as a plain PDF without a password (for example with "
        "“Print to PDF”)."
    )


# --- images -------------------------------------------------------------------------------------


def reencode_image(data: bytes, content_type: str) -> bytes:
    """Decode the PNG or JPEG ``data`` and write its pixels again, as a new file of the same type.

    Only the picture is kept: turned upright as its EXIF orientation says, then without EXIF
    (GPS position, camera), XMP, text chunks, comments, ICC profile or anything after its end.
    A JPEG keeps its quantization tables and chroma subsampling (the same quality and about the
    same size); a PNG its palette transparency. Refused: what Pillow cannot decode, a picture of
    more than ``IMAGE_MAX_PIXELS``.
    """
    image_format = IMAGE_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as probe:
                _check_pixels(probe)
                probe.verify()  # checksums and structure, without decoding
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                _check_pixels(image)
                image.load()
                options = {}
                if image_format == "JPEG":
                    options["qtables"] = image.quantization
                    sampling = JpegImagePlugin.get_sampling(image)
                    if sampling >= 0:
                        options["subsampling"] = sampling
                elif "transparency" in image.info and image.mode in ("P", "L", "RGB"):
                    options["transparency"] = image.info["transparency"]
                ImageOps.exif_transpose(image, in_place=True)
                image.info = {}  # else Pillow writes some of it again (ICC profile, comment, XMP)
                out = io.BytesIO()
                image.save(out, format=image_format, **options)
    except _Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused(_too_many_pixels(), "image too large") from None
    except Exception:  # Pillow could not read it: truncated, corrupt, not what it says
        raise _Refused(_unreadable_image(), "unreadable image") from None
    return out.getvalue()


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > IMAGE_MAX_PIXELS:
        raise _Refused(_too_many_pixels(), "image too large")


def _too_many_pixels() -> str:
    return _(
        "This image is too large (more than %(megapixels)s million pixels). Please send a smaller one."
    ) % {"megapixels": IMAGE_MAX_PIXELS // 1_000_000}


def _unreadable_image() -> str:
    return _("This image cannot be read: it is damaged or not a real PNG or JPEG file. Please save it again.")


# --- names --------------------------------------------------------------------------------------


def clean_original_name(name: str, content_type: str | None = None) -> str:
    """A display name safe to store and show: no path, no control or bidi characters, bounded,
    and ending with an extension of ``content_type`` (so that a download opens as what it is)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "\x00")
    name = name.strip()[:200] or "document"
    extensions = EXTENSIONS.get(content_type or "", ())
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name


# Downloads are read from the storage and sent on in blocks of this size.
DOWNLOAD_BLOCK_BYTES = 64 * 1024


def open_stored(storage, name: str) -> tuple[IO[bytes], int | None]:
    """The file ``name`` of ``storage`` open for reading from the start, block by block, and its size when the storage
    tells it: never read whole into memory or a temporary file. Raise ``FileNotFoundError`` when missing.

    Local files are opened as they are. An object in S3-compatible storage (django-storages' ``S3File``,
    which would first copy the whole object into a temporary buffer) is read from the body of one GET
    as the bytes arrive.
    """
    stored = storage.open(name, "rb")
    stored_object = getattr(stored, "obj", None)  # S3File: the object in the bucket
    if stored_object is None:
        return stored, None
    stored.close()
    answer = stored_object.get()
    return answer["Body"], answer["ContentLength"]


def document_response(document) -> FileResponse:
    """A stored document as a download, the same on every side (portal, API, admin), called after
    the access check: an attachment with its type, never sniffed or rendered (a sandbox CSP), never
    stored by a cache; streamed from the storage (``open_stored``). Raise ``FileNotFoundError`` when
    the file is missing."""
    stream, size = open_stored(document.file.storage, document.file.name)
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response.block_size = DOWNLOAD_BLOCK_BYTES
    if size is not None:
        response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
