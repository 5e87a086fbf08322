"""Checks on uploaded documents: the type by content, never by name; the size."""

from django.conf import settings
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
    return content_type


def clean_original_name(name: str) -> str:
    """A display name safe to store and show: no path, no control characters, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "\x00")
    return name.strip()[:200] or "document"
