"""Real documents made for tests: PDFs with reportlab and an embedded DejaVu font, DOCX with python-docx."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not DEJAVU.is_file():
        pytest.skip("DejaVu Sans not installed (Debian package fonts-dejavu-core)")
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(DEJAVU)))
    return "DejaVu"


def make_pdf(pages: list[list[str]], outline: list[tuple[int, str, int]] | None = None,
             title: str | None = None, blank_pages: set[int] = frozenset()) -> bytes:
    """A PDF whose page i shows the lines pages[i] (1-based `blank_pages` get only a drawing, no text).
    `outline` entries are (page number, title, level)."""
    from reportlab.pdfgen import canvas

    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    if title:
        c.setTitle(title)
    for n, lines in enumerate(pages, 1):
        if n in blank_pages:
            c.rect(100, 400, 300, 200, fill=1)
        else:
            c.setFont(font, 11)
            y = 780
            for line in lines:
                c.drawString(60, y, line)
                y -= 16
        for page, text, level in outline or []:
            if page == n:
                key = f"p{n}-{text}"
                c.bookmarkPage(key)
                c.addOutlineEntry(text, key, level=level)
        c.showPage()
    c.save()
    return buf.getvalue()


def with_page_labels(data: bytes, roman_pages: int) -> bytes:
    """The same PDF with roman page labels (i, ii, ...) on the first pages and 1, 2, ... after them."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    n = len(w.pages)
    w.set_page_label(0, roman_pages - 1, style="/r")
    w.set_page_label(roman_pages, n - 1, style="/D", start=1)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def encrypted(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    w.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def make_docx(title: str, blocks: list, created=None) -> bytes:
    """blocks: ("h1"|"h2"|"p", text) or ("table", rows)."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    if created:
        d.core_properties.created = created
    for kind, content in blocks:
        if kind == "table":
            t = d.add_table(rows=len(content), cols=len(content[0]))
            for r, row in enumerate(content):
                for col, cell in enumerate(row):
                    t.cell(r, col).text = cell
        elif kind.startswith("h"):
            d.add_heading(content, int(kind[1]))
        else:
            d.add_paragraph(content)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_scanned_pdf(lines: list[str], text_page: list[str] | None = None) -> bytes:
    """A PDF whose page 1 has real text (optional) and whose last page is only an image of `lines`
    (as a scanner would make it: no text layer)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font_name = _font()
    img = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(DEJAVU), 64)
    for i, line in enumerate(lines):
        draw.text((120, 120 + i * 110), line, fill=0, font=font)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    if text_page:
        c.setFont(font_name, 11)
        for i, line in enumerate(text_page):
            c.drawString(60, 780 - 16 * i, line)
        c.showPage()
    c.drawImage(ImageReader(img), 0, 842 - 288, width=595, height=288)
    c.showPage()
    c.save()
    return buf.getvalue()
