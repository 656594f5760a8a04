"""PDFs as planners have them: ruled tables stored as labelled rows, glyphs without a Unicode mapping recovered
from their glyph names (or left out with a count), headings as sections and never glued to the next sentence.
PDFs are made here with reportlab (an embedded DejaVu font) or written byte by byte where a font must be odd."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, shared_path, write
from ingest.normalize import normalize_extracted
from ingest.parsers import pdf_layout
from ingest.parsers.pdf import parse_pdf
from ingest.pipeline import Ingestor

sys.path.insert(0, str(ROOT / "bench"))
from hostile_files import pdf_of  # noqa: E402  (the bench's PDF writer: one copy)

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
UNREADABLE = re.compile("[\ue000-\uf8ff\ufffd\u00ad]")
HEADER = ["Kryptis", "Žmonių per dieną", "Vežėjas"]
ROWS = [["Liepoja → Klaipėda", "310", "Baltic Bus"], ["Palanga → Nīca", "45", "Kurzemes autobusi"],
        ["Klaipėda → Ventspils", "120", "Baltic Bus"]]


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not (DEJAVU / "DejaVuSans-Bold.ttf").is_file():
        pytest.skip("DejaVu Sans not installed (Debian package fonts-dejavu-core)")
    for name, file in (("DejaVu", "DejaVuSans.ttf"), ("DejaVu-Bold", "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(DEJAVU / file)))
    return "DejaVu", "DejaVu-Bold"


def _story_pdf(story_of) -> bytes:
    """A PDF built by reportlab's platypus from story_of(body style, heading style, table style)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import SimpleDocTemplate, TableStyle

    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    head = ParagraphStyle("head", fontName=bold, fontSize=16, leading=20, spaceAfter=6)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), regular, 9), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)])
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=(595, 842)).build(story_of(body, head, grid))
    return buf.getvalue()


def table_pdf(rows: list[list[str]] = ROWS) -> bytes:
    from reportlab.platypus import Paragraph, Table

    def story(body, head, grid):
        t = Table([HEADER] + rows)
        t.setStyle(grid)
        return [Paragraph("Keleivių srautai", head),
                Paragraph("Lentelėje pateikiami vidutiniai keleivių srautai per dieną.", body), t,
                Paragraph("Po lentelės: srautai didžiausi darbo dienų rytais.", body)]
    return _story_pdf(story)


# -- tables ----------------------------------------------------------------------------------------------------

def test_a_ruled_table_becomes_labelled_rows_where_it_stood_and_its_words_are_not_repeated():
    doc = parse_pdf(table_pdf(), "srautai.pdf")
    text = doc.pages[0].text
    assert "Kryptis | Žmonių per dieną | Vežėjas" in text
    row = "Kryptis: Liepoja → Klaipėda; Žmonių per dieną: 310; Vežėjas: Baltic Bus"
    assert row in text.split("\n")
    assert text.count("310") == 1 and text.count("Kurzemes autobusi") == 1  # not also left as running text
    before, after = text.index("vidutiniai keleivių srautai"), text.index("Po lentelės")
    assert before < text.index(row) < after
    assert not doc.warnings


def test_a_question_about_one_cell_is_answered_from_its_row(kb, tmp_path):
    f = write(tmp_path / "srautai.pdf", table_pdf())
    report = Ingestor(kb).ingest([f])
    assert report.exit_code == 0
    row = "Kryptis: Palanga → Nīca; Žmonių per dieną: 45; Vežėjas: Kurzemes autobusi"
    stored = [r.payload for r in kb.points() if row in r.payload["text"]]
    assert stored and stored[0]["page"] == 1
    hit = kb.search("Kiek žmonių per dieną važiuoja kryptimi Palanga → Nīca?", 1)[0]
    assert row in hit.text and hit.payload["page"] == 1


def test_a_table_continued_on_the_next_page_keeps_its_header_labels():
    rows = [[f"Maršrutas {i}", str(100 + i), "Baltic Bus"] for i in range(90)]
    doc = parse_pdf(table_pdf(rows), "ilga.pdf")
    assert len(doc.pages) >= 2
    second = doc.pages[1].text
    assert "Kryptis | Žmonių per dieną | Vežėjas" in second  # the header of page 1, reused
    n = int(re.search(r"Kryptis: Maršrutas (\d+);", second).group(1))
    assert f"Kryptis: Maršrutas {n}; Žmonių per dieną: {100 + n}; Vežėjas: Baltic Bus" in second


def test_a_new_table_under_its_own_heading_keeps_its_own_header():
    from reportlab.platypus import PageBreak, Paragraph, Table

    def story(body, head, grid):
        first = Table([HEADER] + [[f"Maršrutas {i}", str(i), "Baltic Bus"] for i in range(30)], colWidths=150)
        second = Table([["Lietuviškai", "Latviškai", "Angliškai"], ["bendrasis planas", "teritorijas plānojums",
                                                                   "comprehensive plan"]], colWidths=150)
        first.setStyle(grid)
        second.setStyle(grid)
        return [first, PageBreak(), Paragraph("Sąvokų žodynėlis", head), second]
    doc = parse_pdf(_story_pdf(story), "zodynelis.pdf")
    assert "Lietuviškai: bendrasis planas; Latviškai: teritorijas plānojums" in doc.pages[1].text
    assert "Kryptis" not in doc.pages[1].text


def test_table_detection_keeps_to_its_page_budget_and_says_so(monkeypatch):
    monkeypatch.setattr(pdf_layout, "TABLE_PAGE_BUDGET", 1)
    rows = [[f"Maršrutas {i}", str(100 + i), "Baltic Bus"] for i in range(150)]
    doc = parse_pdf(table_pdf(rows), "ilga.pdf")
    assert "Kryptis: Maršrutas 0; Žmonių per dieną: 100" in doc.pages[0].text
    assert "Maršrutas 80" in doc.text and "Kryptis: Maršrutas 80;" not in doc.text  # running text past the budget
    assert any(w.startswith("tables not looked for on pages 2") for w in doc.warnings)


# -- glyphs without a Unicode mapping --------------------------------------------------------------------------

def _cmap(pairs: list[tuple[int, int]]) -> bytes:
    body = "".join(f"<{c:02X}> <{u:04X}>\n" for c, u in pairs)
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def /CMapType 2 def\n"
            "1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{len(pairs)} beginbfchar\n{body}endbfchar endcmap CMapName currentdict /CMap defineresource pop "
            "end end").encode()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>stream\n" % len(data) + data + b"\nendstream"


def glyph_pdf() -> bytes:
    """One page, three fonts with custom encodings: F1 maps its accented glyphs to private-use code points in
    its ToUnicode map but names them in /Differences; F2 does the same with names that mean nothing ("g1");
    F3 has no ToUnicode map and names pypdf does not resolve ("eogonek.alt", "f_i")."""
    content = (b"BT /F1 12 Tf 72 760 Td (Planavimas: \\001\\002\\003\\004\\005 ir) Tj ET\n"
               b"BT /F2 12 Tf 72 740 Td (Kodai \\001\\002\\003 pabaiga) Tj ET\n"
               b"BT /F3 12 Tf 72 720 Td (Pavadinimas \\001\\002 galas) Tj ET\n")
    helvetica = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding " \
                b"/BaseEncoding /WinAnsiEncoding /Differences [1 %s] >> %s>>"
    return pdf_of([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >> >> >>",
        _stream(content),
        helvetica % (b"/aogonek /uni0173 /itilde /eogonek.sc /scaron", b"/ToUnicode 8 0 R "),
        helvetica % (b"/g1 /g2 /g3", b"/ToUnicode 9 0 R "),
        helvetica % (b"/eogonek.alt /f_i", b""),
        _stream(_cmap([(c, 0xE000 + c) for c in range(1, 6)])),
        _stream(_cmap([(c, 0xE010 + c) for c in range(1, 4)])),
    ])


def test_glyphs_mapped_to_private_use_are_recovered_from_their_glyph_names():
    from pypdf import PdfReader

    raw = PdfReader(io.BytesIO(glyph_pdf())).pages[0].extract_text()
    assert "\ue001\ue002" in raw and "/eogonek.alt" in raw  # what pypdf gives on its own
    text = parse_pdf(glyph_pdf(), "glifai.pdf").pages[0].text
    assert "Planavimas: ąųĩęš ir" in text
    assert "Pavadinimas ęfi galas" in text


def test_glyphs_without_any_meaning_are_left_out_with_a_count_per_page():
    doc = parse_pdf(glyph_pdf(), "glifai.pdf")
    text = doc.pages[0].text
    assert not UNREADABLE.search(text) and "/g1" not in text
    assert "Kodai" in text and "pabaiga" in text
    assert "page 1: 3 characters without a Unicode mapping left out" in doc.warnings


def test_soft_hyphens_in_pdf_text_are_joined_at_line_ends_and_shown_as_hyphens_inside_lines():
    assert normalize_extracted("iš\u00ad\nspręstas 2015\u00ad02\u00ad01") == "išspręstas 2015-02-01"
    assert normalize_extracted("a\ue00eb\ufffd") == "ab"


# -- headings --------------------------------------------------------------------------------------------------

def _canvas_pdf(draw) -> bytes:
    from reportlab.pdfgen import canvas

    fonts = _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    draw(c, *fonts)
    c.showPage()
    c.save()
    return buf.getvalue()


SENTENCE = "The guide is the main product of the project and was written by planners of both regions."


def test_an_outline_heading_glued_to_its_sentence_is_the_section_and_not_the_sentence(kb, tmp_path):
    def draw(c, regular, bold):
        c.bookmarkPage("made")
        c.addOutlineEntry("How the guide was made", "made", level=0)
        c.setFont(regular, 11)
        c.drawString(60, 780, "How the guide was made " + SENTENCE)
        c.drawString(60, 764, "It was tested in four seminars in Klaipėda, Liepāja and Ventspils.")
    data = _canvas_pdf(draw)
    doc = parse_pdf(data, "guide.pdf")
    (section,) = doc.sections
    assert section.path == "How the guide was made"
    assert doc.pages[0].text[section.start:].startswith("The guide is the main product")
    Ingestor(kb).ingest([write(tmp_path / "guide.pdf", data)])
    (chunk,) = [r.payload for r in kb.points()]
    assert chunk["text"].startswith("The guide is the main") and chunk["section"] == "How the guide was made"


def test_a_heading_line_in_a_larger_bold_font_is_a_section_without_an_outline():
    def draw(c, regular, bold):
        c.setFont(bold, 16)
        c.drawString(60, 780, "How the guide was made")
        c.setFont(regular, 11)
        c.drawString(60, 756, SENTENCE)
        c.drawString(60, 740, "It was tested in four seminars in Klaipėda, Liepāja and Ventspils.")
        c.setFont(bold, 11)
        c.drawString(60, 710, "Who took part")
        c.setFont(regular, 11)
        c.drawString(60, 694, "Planners of eleven municipalities took part in the seminars.")
    doc = parse_pdf(_canvas_pdf(draw), "guide.pdf")
    text = doc.pages[0].text
    got = [(s.path, text[s.start:s.end]) for s in doc.sections]
    assert [p for p, _ in got] == ["How the guide was made", "How the guide was made > Who took part"]
    assert got[0][1].startswith("The guide is the main") and got[1][1].startswith("Planners of eleven")


def test_the_document_title_on_its_cover_is_not_a_section():
    def draw(c, regular, bold):
        c.setTitle("Planning across the border: a guide for the Klaipėda region and Kurzeme")
        c.setFont(bold, 24)
        c.drawString(60, 700, "Planning across the border: a guide")
        c.drawString(60, 670, "for the Klaipėda region and Kurzeme")
        c.setFont(regular, 11)
        c.drawString(60, 600, "Interreg V-A Latvia–Lithuania, Smart Planning (LLI-612), 2023.")
        c.drawString(60, 584, "Prepared by the planners of both regions with the help of many partners.")
    doc = parse_pdf(_canvas_pdf(draw), "cover.pdf")
    (section,) = doc.sections
    assert section.path is None and section.start == 0  # one passage, the title in it, as before


# -- real third-party documents (../shared/eval/files) ---------------------------------------------------------

@pytest.mark.parametrize("name", ["lt_vu_mif_bakalaurinis_template.pdf", "lv_thesis_latviensis_main.pdf"])
def test_real_pdfs_have_no_unreadable_characters_and_headings_apart_from_their_text(name):
    doc = parse_pdf(shared_path("eval", "files", name).read_bytes(), name)
    for page in doc.pages:
        assert not UNREADABLE.search(page.text), (page.number, UNREADABLE.findall(page.text)[:5])
    assert not doc.warnings
    for s in doc.sections:
        if s.path:
            heading = s.path.split(" > ")[-1]
            first = doc.pages[s.page_index].text[s.start:s.end].split("\n")[0]
            assert not first.casefold().startswith(heading.casefold()), (s.path, first)


def test_lithuanian_thesis_headings_dates_and_table():
    doc = parse_pdf(shared_path("eval", "files", "lt_vu_mif_bakalaurinis_template.pdf").read_bytes(), "lt.pdf")
    paths = {s.path for s in doc.sections}
    assert {"Įvadas", "1. Medžiagos darbo tema dėstymo skyriai > 1.1. Poskyris", "Išvados"} <= paths
    assert "[žiūrėta 2015-02-01]" in doc.pages[9].text  # the hyphens the font maps to U+00AD
    assert "Algoritmas | ¯x | σ2" in doc.pages[12].text


def test_latvian_thesis_table_rows_across_pages_and_sections():
    doc = parse_pdf(shared_path("eval", "files", "lv_thesis_latviensis_main.pdf").read_bytes(), "lv.pdf")
    assert "Identificator: GRP-Alpha; Classis: Commodo; Descriptio: Sed ut perspiciatis" in doc.pages[6].text
    assert "Identificator: LIP-004; Classis: Pellentesque; Descriptio: Temporibus autem" in doc.pages[8].text
    assert doc.pages[8].text.count("Pellentesque") == 1
    first = [s for s in doc.sections if s.page_index == 6]
    assert first[0].path == "Lorem ipsum dolor sit amet"
    assert doc.pages[6].text[first[0].start:].startswith("Quisque ullamcorper")  # not "1. LOREM IPSUM ..."
