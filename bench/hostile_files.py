"""Hostile files, made on the spot (nothing is stored): decompression bombs, entity expansion, a zip of many
members, a long one-line file, a PDF of many pages, a PDF with a huge image, a PDF of deeply nested objects.
Used by bench/hostile.py (full size) and by tests/ingest/test_hostile.py (small sizes with small limits)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(document_xml_chunks, extra_members: int = 0) -> bytes:
    """A minimal DOCX whose word/document.xml is the concatenation of `document_xml_chunks` (streamed, so a
    gigabyte of XML never sits in memory here)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            for chunk in document_xml_chunks:
                f.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        for i in range(extra_members):
            z.writestr(f"word/media/part{i:05d}.xml", "<x/>")
    return buf.getvalue()


def _paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_bomb(paragraphs: int = 1100, paragraph_mb: float = 1.0) -> bytes:
    """Many paragraphs of repeated text: a few MB packed, `paragraphs` x `paragraph_mb` MB of XML unpacked."""
    word = "Klaipėda " * int(paragraph_mb * 1024 * 1024 / 10)

    def chunks():
        yield f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'
        for _ in range(paragraphs):
            yield _paragraph(word)
        yield "</w:body></w:document>"
    return _docx(chunks())


def docx_text_node_bomb(mb: int = 1200) -> bytes:
    """One text node of `mb` MB."""
    block = "a" * (1024 * 1024)

    def chunks():
        yield f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>'
        for _ in range(mb):
            yield block
        yield "</w:t></w:r></w:p></w:body></w:document>"
    return _docx(chunks())


def docx_entity_expansion(levels: int = 10) -> bytes:
    """The "billion laughs": entities that each expand to ten of the previous level."""
    ents = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, levels)]
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(ents)}]>'
           f'<w:document xmlns:w="{_W}"><w:body>{_paragraph("&l" + str(levels - 1) + ";")}</w:body></w:document>')
    return _docx([xml])


def zip_many_members(members: int = 10_000) -> bytes:
    """A DOCX of a few words with `members` more packed parts."""
    body = _paragraph("Trumpas tekstas.")
    xml = f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    return _docx([xml], extra_members=members)


def one_line_markdown(mb: float = 20.0) -> bytes:
    """Words without a single sentence end or line break."""
    words = "planavimas regionas savivaldybė autobusas Klaipėda Liepāja tiltas kelias "
    return ("---\nlanguage: lt\n---\n" + words * int(mb * 1024 * 1024 / len(words))).encode("utf-8")


def pdf_many_pages(pages: int = 2000) -> bytes:
    """A text PDF of `pages` pages (reportlab, the standard Helvetica: no font to embed)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for n in range(pages):
        c.setFont("Helvetica", 11)
        for i in range(20):
            c.drawString(50, 780 - 18 * i, f"Page {n + 1}, line {i + 1}: regional planning, transport and data.")
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_huge_image(side: int = 20_000) -> bytes:
    """One page of text and one image of side x side pixels (a flate stream of zeros: small packed, side^2
    bytes unpacked)."""
    import zlib

    raw = zlib.compress(b"\x00" * (side * side), 9)
    text = b"BT /F1 12 Tf 50 780 Td (A page with a very large image.) Tj ET"
    draw = b"q 500 0 0 500 50 200 cm /Im1 Do Q " + text
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>stream\n" % len(draw) + draw + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>stream\n" % (side, side, len(raw)) + raw + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_of(objects)


def pdf_deeply_nested(depth: int = 100_000) -> bytes:
    """A page whose resource dictionary nests `depth` arrays inside each other."""
    nested = b"[" * depth + b"]" * depth
    text = b"BT /F1 12 Tf 50 780 Td (Deeply nested objects.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> "
        b"/Deep " + nested + b" >> >>",
        b"<< /Length %d >>stream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_of(objects)


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of the given object bodies (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


HOSTILE = {
    "docx_bomb.docx": ("DOCX bomb: 1,100 paragraphs of 1 MB", lambda: docx_bomb(1100, 1.0)),
    "docx_text_node.docx": ("DOCX bomb: one 1.2 GB text node", lambda: docx_text_node_bomb(1200)),
    "docx_entities.docx": ("DOCX with XML entity expansion (billion laughs)", lambda: docx_entity_expansion(10)),
    "zip_members.docx": ("zip (DOCX) with 10,000 members", lambda: zip_many_members(10_000)),
    "one_line.md": ("20 MB Markdown on one line", lambda: one_line_markdown(20.0)),
    "pages_2000.pdf": ("PDF of 2,000 pages", lambda: pdf_many_pages(2000)),
    "huge_image.pdf": ("PDF with a 20,000 x 20,000 image", lambda: pdf_huge_image(20_000)),
    "nested.pdf": ("PDF with objects nested 100,000 deep", lambda: pdf_deeply_nested(100_000)),
}


def write_all(folder: Path) -> dict[str, str]:
    """Write every hostile file under `folder`; {file name: description}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (description, make) in HOSTILE.items():
        (folder / name).write_bytes(make())
        out[name] = description
    return out
