"""Write the hostile upload corpus (``uploads/``). Run once; the files are committed.

    .venv/bin/python tests/hardening/corpus/make_corpus.py

Each file is small (the zip bomb and the flate bomb are about 40-70 KB and expand to tens
of megabytes). Files larger than the upload limit are made by the tests themselves.
"""

import io
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent / "uploads"


def pdf(*objects: bytes, trailer: bytes = b"<< /Root 1 0 R >>") -> bytes:
    """A small PDF made of ``objects`` (numbered from 1), without a valid xref (viewers repair it)."""
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    for number, obj in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer\n" + trailer + b"\n%%EOF\n"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def object_stream(content: bytes, *, filters: bytes = b"/FlateDecode", data: bytes | None = None) -> bytes:
    raw = zlib.compress(content) if data is None else data
    return (
        b"<< /Type /ObjStm /N 1 /First 6 /Filter "
        + filters
        + b" /Length %d >>\nstream\n" % len(raw)
        + raw
        + b"\nendstream"
    )


FILES: dict[str, bytes] = {
    # Not what the name says.
    "not-a-pdf.pdf": b"These are our statutes, typed as plain text.\n",
    "statutes.pdf.exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"PE\x00\x00",
    "elf-binary.pdf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
    "php-shell.pdf.php": b"<?php system($_GET['c']); ?>\n",
    "html-page.pdf": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n",
    "gif-image.png": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "truncated.png": b"\x89PN",
    "leading-space.pdf": b" %PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n",
    # SVG: an image format that runs script in a browser.
    "script.svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>\n",
    "svg-named.png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n',
    # PDFs with active content.
    "javascript-openaction.pdf": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
        PAGES,
        PAGE,
    ),
    "javascript-names-tree.pdf": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
        PAGES,
        PAGE,
        b"<< /Names [(init) 5 0 R] >>",
        b"<< /S /JavaScript /JS 6 0 R >>",
        b"<< /Length 14 >>\nstream\napp.alert(1);\nendstream",
    ),
    "javascript-hex-escaped.pdf": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61va#53cript /J#53 (app.alert\\(1\\)) >> >>",
        PAGES,
        PAGE,
    ),
    "javascript-page-action.pdf": pdf(
        CATALOG,
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /AA << /O << /S /JavaScript /JS(this.exportDataObject\\(\\)) >> >> >>",
    ),
    "javascript-in-object-stream.pdf": pdf(
        CATALOG,
        PAGES,
        PAGE,
        object_stream(b"5 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>"),
    ),
    "launch-action.pdf": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) /P (/c calc) >> >>",
        PAGES,
        PAGE,
    ),
    "unreadable-object-stream.pdf": pdf(CATALOG, PAGES, PAGE, object_stream(b"", data=bytes(range(256)) * 4)),
    "unusual-filter-object-stream.pdf": pdf(
        CATALOG, PAGES, PAGE, object_stream(b"", filters=b"/ASCIIHexDecode", data=b"2F4A53>")
    ),
    "flate-bomb.pdf": pdf(CATALOG, PAGES, PAGE, object_stream(b"\x00" * (48 * 1024 * 1024))),
}


def zip_bomb() -> bytes:
    """A zip holding 64 MB of zeros in one member (about 64 KB on disk)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("statutes.pdf", "w", force_zip64=True) as member,
    ):
        for _ in range(64):
            member.write(b"\x00" * (1024 * 1024))
    return buffer.getvalue()


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for name, content in {**FILES, "bomb.zip": zip_bomb()}.items():
        (HERE / name).write_bytes(content)
        print(f"{name}: {len(content)} bytes")


if __name__ == "__main__":
    main()
