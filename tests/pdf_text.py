"""The text of a PDF drawn by fpdf2 with an embedded font (certificates, invoices)."""

import io
import re

import pikepdf


def _decode(raw: bytes, cmap: dict[int, str]) -> str:
    return "".join(cmap.get(int.from_bytes(raw[i : i + 2]), "") for i in range(0, len(raw), 2))


def pdf_text(content: bytes) -> str:
    """Every page's text, glyph ids mapped back through each font's ToUnicode table (an Arabic
    shaped form maps back to its letter); a line break after each text object."""
    out = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            cmaps = {}
            for name, font in page.Resources.Font.items():
                mapping = {}
                for line in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", font.ToUnicode.read_bytes()):
                    mapping[int(line[0], 16)] = bytes.fromhex(line[1].decode()).decode("utf-16-be")
                cmaps[name] = mapping
            current: dict[int, str] = {}
            for operands, operator in pikepdf.parse_content_stream(page):
                if operator == pikepdf.Operator("Tf"):
                    current = cmaps.get(str(operands[0]), {})
                elif operator == pikepdf.Operator("Tj"):
                    out.append(_decode(bytes(operands[0]), current))
                elif operator == pikepdf.Operator("TJ"):
                    out.extend(
                        _decode(bytes(part), current)
                        for part in operands[0]
                        if isinstance(part, pikepdf.String)
                    )
                elif operator == pikepdf.Operator("ET"):
                    out.append("\n")
    return "".join(out)
