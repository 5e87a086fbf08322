"""Checks on uploaded documents: the type by content, never by name; the size; no active content.

A PDF that runs code or programs when opened (a ``/JavaScript`` or ``/JS`` action, a ``/Launch``
action) is refused, wherever the name sits: in the file as written, spelled with ``#xx``
escapes (``/J#53``), or inside a compressed object stream. An object stream that cannot be
read (encrypted, or an unusual compression) cannot be checked, and is refused too.
"""

import re
import zlib

from django.conf import settings
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import ErrorCode, WorkflowError

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

# PDF names (dictionary keys and values) that make a viewer run code or a program.
PDF_ACTIVE_NAMES = frozenset({b"JavaScript", b"JS", b"Launch"})
# A PDF name: a slash, then regular characters or #xx escapes (ISO 32000-1, 7.3.5).
_PDF_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r ()<>\[\]{}/%#]|#[0-9A-Fa-f]{2})+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
# How much an object stream may inflate to, in all: a "flate bomb" is refused, not expanded.
PDF_INFLATE_BUDGET = 32 * 1024 * 1024


def sniff_content_type(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    return None


def validate_upload(upload) -> str:
    """Return the content type of an accepted upload; raise ``WorkflowError`` otherwise."""
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
    if content_type == "application/pdf":
        upload.seek(0)
        data = b"".join(upload.chunks())
        upload.seek(0)
        problem = pdf_active_content(data)
        if problem is not None:
            raise WorkflowError(
                ErrorCode.UNSUPPORTED_TYPE,
                problem,
                details={"file": ["active content: PDF scripts and launch actions are not accepted"]},
            )
    return content_type


def _pdf_names(data: bytes):
    """Every PDF name in ``data``, its ``#xx`` escapes decoded (``/J#53`` is ``JS``)."""
    for match in _PDF_NAME.finditer(data):
        yield _PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _has_active_name(data: bytes) -> bool:
    return any(name in PDF_ACTIVE_NAMES for name in _pdf_names(data))


def _object_streams(data: bytes):
    """(names in its dictionary, raw bytes) of each object stream (``/Type /ObjStm``) in ``data``."""
    for match in _PDF_STREAM.finditer(data):
        if data[max(0, match.start() - 3) : match.start()] == b"end":
            continue  # "endstream"
        dictionary = data[max(0, match.start() - 1024) : match.start()].rsplit(b"obj", 1)[-1]
        names = set(_pdf_names(dictionary))
        if b"ObjStm" in names:
            end = data.find(b"endstream", match.end())
            yield names, data[match.end() : end if end != -1 else len(data)]


def pdf_active_content(data: bytes) -> str | None:
    """Why the PDF ``data`` is refused (a message for people), or None when it has no active content."""
    if _has_active_name(data):
        return _active_content()
    budget = PDF_INFLATE_BUDGET
    for names, raw in _object_streams(data):
        filters = {name for name in names if name.endswith(b"Decode")}
        if not filters:
            continue  # not compressed: scanned above as written
        if filters != {b"FlateDecode"}:
            return _unreadable()
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(raw, budget)
        except zlib.error:  # encrypted, or not what it says
            return _unreadable()
        budget -= len(inflated)
        if budget <= 0 or inflater.unconsumed_tail:
            return _unreadable()
        if _has_active_name(inflated):
            return _active_content()
    return None


def _active_content() -> str:
    return _(
        "PDF files that contain scripts or launch actions are not accepted. Please save the document "
        "again as a plain PDF (for example with “Print to PDF”)."
    )


def _unreadable() -> str:
    return _(
        "This PDF cannot be checked (it is encrypted or compressed in an unusual way). Please save it "
        "again as a plain PDF without a password (for example with “Print to PDF”)."
    )


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


def document_response(document) -> FileResponse:
    """A stored document as a download, the same on every side (portal, API, admin), called after
    the access check: an attachment with its type, never sniffed or rendered (a sandbox CSP), never
    stored by a cache. Raise ``FileNotFoundError`` when the file is missing."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
