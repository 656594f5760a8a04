"""PDF, DOCX, HTML and legacy formats with page-accurate provenance; bad files reported, the rest ingested."""

import datetime
import os
import unicodedata

import pytest

from conftest import shared_path, write
from docgen import encrypted, make_docx, make_pdf, with_page_labels
from ingest.parsers.docx import parse_docx
from ingest.parsers.html import decode_html, parse_html
from ingest.parsers.pdf import parse_pdf
from ingest.pipeline import Ingestor
from kb.search import SearchOptions
from kb.types import SearchFilters

PAGES = [
    ["Klaipėdos regiono plėtros taryba", "Turinys"],
    ["1. Įvadas", "Šis vadovas skirtas Klaipėdos ir Kuržemės planuotojams.",
     "Jame aptariamas funkcinių zonų planavi\u00ad", "mas ir bendradarbiavimas per sieną."],
    ["2. Judumas", "Pasiūlyta bandomoji autobusų linija Klaipėda–Palanga–Nīca–Liepoja.",
     "Efﬁcient ﬂows of commuters cross the border every morning."],
    ["3. Energetika", "Kurzemes plānošanas reģions saules paneļus uzstādīs uz 126 ēkām, kopā 9,4 MW."],
]
OUTLINE = [(2, "1. Įvadas", 0), (3, "2. Judumas", 0), (4, "3. Energetika", 0)]


@pytest.fixture
def guide_pdf():
    return with_page_labels(make_pdf(PAGES, OUTLINE, title="Bendrasis planavimo vadovas"), roman_pages=1)


def test_pdf_pages_numbers_labels_sections_and_clean_text(guide_pdf):
    doc = parse_pdf(guide_pdf, "guide.pdf")
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert [p.label for p in doc.pages] == ["i", "1", "2", "3"]
    assert doc.properties["title"] == "Bendrasis planavimo vadovas"
    p2, p3 = doc.pages[1].text, doc.pages[2].text
    assert "funkcinių zonų planavimas ir" in p2  # soft hyphen at the line end joined
    assert "\u00ad" not in p2 and unicodedata.is_normalized("NFC", p2)
    assert "Efficient flows" in p3  # ligatures split
    assert {s.path for s in doc.sections if s.page_index == 2} == {"2. Judumas"}
    assert not doc.warnings


def test_pdf_chunks_are_exact_slices_of_their_page_and_search_returns_the_page(kb, tmp_path, guide_pdf):
    f = write(tmp_path / "guide" / "vadovas.pdf", guide_pdf)
    report = Ingestor(kb).ingest([f])
    assert report.exit_code == 0 and report.files[0].pages == 4
    doc = parse_pdf(guide_pdf, "x")
    for r in kb.points():
        p = r.payload
        assert p["text"] == doc.pages[p["page"] - 1].text[p["char_start"]:p["char_end"]]
        assert p["page_end"] == p["page"] and p["page_count"] == 4
    hits = kb.search("saules paneļus uzstādīs uz 126 ēkām", 1)
    assert hits[0].payload["page"] == 4 and hits[0].payload["page_label"] == "3"
    assert hits[0].payload["section"] == "3. Energetika" and hits[0].payload["doc_type"] == "guide"


def test_pdf_pages_without_text_are_reported_not_indexed(kb, tmp_path):
    data = make_pdf(PAGES[:3], blank_pages={2})
    doc = parse_pdf(data, "scan.pdf")
    assert doc.pages[1].text == ""
    assert any("pages without a text layer, not indexed: 2" in w for w in doc.warnings)
    f = write(tmp_path / "scan.pdf", data)
    report = Ingestor(kb).ingest([f])
    assert report.files[0].status == "added" and "not indexed: 2" in " ".join(report.files[0].warnings)
    assert {r.payload["page"] for r in kb.points()} == {1, 3}


def test_pdf_of_unmappable_glyphs_is_reported():
    garbage = ["".join(chr(0xE000 + (i * 7 + j) % 200) for j in range(40)) for i in range(5)]
    doc = parse_pdf(make_pdf([PAGES[1], garbage]), "glyphs.pdf")
    assert doc.pages[1].text == "" and "mostly unmappable glyphs, not indexed: 2" in " ".join(doc.warnings)


def test_bad_pdfs_are_named_with_their_cause_and_the_rest_ingested(kb, tmp_path, guide_pdf):
    folder = tmp_path / "in"
    write(folder / "ok.pdf", guide_pdf)
    write(folder / "open.pdf", encrypted(guide_pdf, ""))
    write(folder / "locked.pdf", encrypted(guide_pdf, "slaptas"))
    write(folder / "truncated.pdf", guide_pdf[: len(guide_pdf) // 3])
    write(folder / "garbage.pdf", b"%PDF-1.7\n" + os.urandom(3000))
    write(folder / "scanned.pdf", make_pdf([["x"], ["y"]], blank_pages={1, 2}))
    write(folder / "zero.pdf", b"")
    write(folder / "broken.docx", b"PK\x03\x04 not really a zip file")
    write(folder / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    report = Ingestor(kb).ingest([folder])
    by = {os.path.basename(f.path): f for f in report.files}
    assert report.exit_code == 1
    assert by["ok.pdf"].status == "added"
    assert by["open.pdf"].status == "added" and "empty user password" in by["open.pdf"].warnings[0]
    assert "needs a password" in by["locked.pdf"].error
    assert "corrupt or truncated PDF" in by["truncated.pdf"].error or "no text layer" in by["truncated.pdf"].error
    assert "corrupt or truncated PDF" in by["garbage.pdf"].error
    assert "no text layer on any page" in by["scanned.pdf"].error
    assert "empty file" in by["zero.pdf"].error
    assert "not a readable .docx" in by["broken.docx"].error
    if by["old.doc"].status == "failed":
        assert "antiword" in by["old.doc"].error or "could not" in by["old.doc"].error


def test_docx_headings_tables_and_properties(kb, tmp_path):
    data = make_docx("Funkcinių zonų analizė", [
        ("h1", "Funkcinių zonų analizė"),
        ("p", "Analizė apima Klaipėdos, Telšių, Tauragės ir Kuržemės regionus."),
        ("h2", "Švytuoklinė migracija"),
        ("table", [["Kryptis", "Žmonių per dieną"], ["Kretinga → Klaipėda", "4 200"], ["Liepoja → Klaipėda", "310"]]),
        ("p", "Didžiausi srautai – į Klaipėdos miestą."),
    ], created=datetime.datetime(2022, 11, 3))
    doc = parse_docx(data, "zonos.docx")
    assert doc.properties["title"] == "Funkcinių zonų analizė" and doc.properties["date"] == "2022-11-03"
    body = doc.pages[0].text
    assert "Kryptis: Liepoja → Klaipėda; Žmonių per dieną: 310" in body
    assert "Švytuoklinė migracija" not in body  # headings are sections, not text
    paths = {s.path for s in doc.sections}
    assert "Funkcinių zonų analizė > Švytuoklinė migracija" in paths
    f = write(tmp_path / "krss2030" / "zonos.docx", data)
    Ingestor(kb).ingest([f])
    hit = kb.search("Liepoja Klaipėda žmonių per dieną", 1)[0]
    assert hit.payload["section"].endswith("Švytuoklinė migracija") and hit.payload["date"] == "2022-11-03"
    assert hit.payload["doc_type"] == "strategy"


SEIMAS_LIKE = """<!DOCTYPE html><html lang="lt"><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">
<title>Seminaro ataskaita</title><style>body {{ color: red }}</style><script>var x = "Nerodyti";</script></head>
<body><nav><a href="/">Pradžia</a> | <a href="/paieska">Paieška</a></nav>
<h1>Seminaras Palangoje</h1><p>Da\u00adlyvavo 42 žmo\u00adnės iš Klai\u00adpėdos ir Liepojos.</p>
<h2>Dalyviai</h2><table><tr><th>Savivaldybė</th><th>Dalyviai</th></tr><tr><td>Palanga</td><td>12</td></tr></table>
<p>{quote}Ugdantis regionas{quote2} – prioritetas.</p><footer>© 2023</footer></body></html>"""


def test_html_windows_1257_declared_scripts_and_navigation_dropped():
    html = SEIMAS_LIKE.format(cs="windows-1257", quote="„", quote2="“").encode("cp1257")
    doc = parse_html(html, "s.html")
    body = doc.pages[0].text
    assert doc.properties["encoding"] == "cp1257" and doc.properties["title"] == "Seminaro ataskaita"
    assert doc.properties["language"] == "lt"
    assert "Dalyvavo 42 žmonės iš Klaipėdos ir Liepojos." in body
    assert "„Ugdantis regionas“ – prioritetas." in body
    assert "Nerodyti" not in body and "color" not in body and "Paieška" not in body and "©" not in body
    assert "Savivaldybė: Palanga; Dalyviai: 12" in body
    assert [s.path for s in doc.sections] == ["Seminaras Palangoje", "Seminaras Palangoje > Dalyviai"]


@pytest.mark.parametrize("declared,actual", [("windows-1257", "iso-8859-13"), ("iso-8859-13", "cp1257"),
                                             ("iso-8859-1", "cp1257")])
def test_mislabelled_baltic_pages_decode_without_replacement_characters(declared, actual):
    quote, quote2 = ("”", "”") if actual == "iso-8859-13" else ("„", "“")
    html = SEIMAS_LIKE.format(cs=declared, quote=quote, quote2=quote2).replace(" – ", " - ").encode(actual)
    text, _ = decode_html(html, "m.html")
    assert "\ufffd" not in text and "\x84" not in text and "\x93" not in text
    assert f"{quote}Ugdantis regionas{quote2}" in text and "Klai\u00adpėdos" in text


def test_legacy_doc_without_a_converter_says_what_to_install(kb, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    f = write(tmp_path / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    report = Ingestor(kb).ingest([f])
    assert "needs a converter: install antiword" in report.failed[0].error


def test_a_file_that_vanishes_or_changes_during_ingestion(kb, tmp_path, monkeypatch):
    write(tmp_path / "in" / "a.md", "Pirmas dokumentas apie Klaipėdą.")
    b = write(tmp_path / "in" / "b.md", "Antras dokumentas apie Liepoją.")
    c = write(tmp_path / "in" / "c.md", "Trečias dokumentas apie Ventspilį.")

    def progress(done, total, path):
        if path.endswith("a.md"):
            b.unlink()  # gone after it was listed

    original = type(c).read_bytes

    def read_while_written(self):
        data = original(self)
        if self.name == "c.md":
            with open(self, "a") as fh:  # another program appends while we read
                fh.write(" Papildyta.")
        return data

    monkeypatch.setattr(type(c), "read_bytes", read_while_written)
    report = Ingestor(kb).ingest([tmp_path / "in"], progress=progress)
    by = {os.path.basename(f.path): f for f in report.files}
    assert by["a.md"].status == "added"
    assert "No such file" in by["b.md"].error
    assert "changed while it was being read" in by["c.md"].error


# -- real third-party documents (../shared/eval/files) -------------------------------------------------------

def test_lithuanian_thesis_pdf_page_and_clean_text(kb, tmp_path):
    src = shared_path("eval", "files", "lt_vu_mif_bakalaurinis_template.pdf")
    doc = parse_pdf(src.read_bytes(), src.name)
    page5 = doc.pages[4].text
    assert "neapibrėžtumą, kuris bus išspręstas darbe" in page5  # soft hyphen + line break joined
    assert "\u00ad" not in "".join(p.text for p in doc.pages)
    assert not page5.rstrip().endswith("\n5")  # the printed page number is not text
    f = write(tmp_path / "thesis.pdf", src.read_bytes())
    Ingestor(kb).ingest([f])
    hit = kb.search("Darbo įvadas neturi būti dėstymo santrauka. Įvado apimtis 2–4 puslapiai.", 1)[0]
    assert hit.payload["page"] == 5 and hit.payload["page_label"] == "5" and "Įvadas" in hit.payload["section"]


def test_latvian_pdf_pages_and_language(kb, tmp_path):
    src = shared_path("eval", "files", "lv_thesis_latviensis_main.pdf")
    f = write(tmp_path / "lv.pdf", src.read_bytes())
    report = Ingestor(kb).ingest([f])
    assert report.files[0].language == "lv" and report.files[0].pages == 19
    langs = {r.payload["chunk_language"] for r in kb.points()}
    assert langs <= {"lv", "en", "lt"}  # lorem ipsum pages are not labelled with a fourth language
    hit = kb.search("Eksakto zinātņu un tehnoloģiju fakultāte Datorikas nodaļa", 3,
                    SearchFilters(languages=["lv"]))[0]
    assert hit.payload["page"] is not None and hit.source == "lv.pdf"


def test_seimas_html_in_windows_1257(kb, tmp_path):
    src = shared_path("eval", "files", "stenogram_395116.html")
    doc = parse_html(src.read_bytes(), src.name)
    text = doc.pages[0].text
    assert doc.properties["encoding"] == "cp1257" and "\ufffd" not in text and "\u00ad" not in text
    assert "Savaitės darbotvarkė patvirtinta" in text
    assert "function" not in text and "w5_viewer" not in text
    f = write(tmp_path / "stenograma.html", src.read_bytes())
    Ingestor(kb).ingest([f])
    hit = kb.search("Savaitės darbotvarkė patvirtinta", 3, options=SearchOptions(mode="sparse"))
    assert any("Savaitės darbotvarkė patvirtinta" in h.text for h in hit)


def test_scanned_pages_are_read_by_ocr_where_tesseract_is_installed(kb, tmp_path):
    from docgen import make_scanned_pdf
    from ingest.ocr import ocr_available

    if not ocr_available():
        pytest.skip("tesseract with lit/lav/eng data and pdftoppm are not installed (Debian: tesseract-ocr, "
                    "tesseract-ocr-lit, tesseract-ocr-lav, tesseract-ocr-eng, poppler-utils)")
    data = make_scanned_pdf(["Klaipėdos regiono plėtros taryba", "patvirtino bendrą bilietą",
                             "tarp Palangos ir Liepojos."], text_page=["Pirmas puslapis su tekstu."])
    doc = parse_pdf(data, "scan.pdf")
    assert "pages read by OCR: 2" in " ".join(doc.warnings)
    ocr_text = doc.pages[1].text
    assert "Klaipėdos" in ocr_text and "Liepojos" in ocr_text
    f = write(tmp_path / "scan.pdf", data)
    Ingestor(kb).ingest([f])
    hit = kb.search("bendrą bilietą tarp Palangos ir Liepojos", 1, options=SearchOptions(mode="sparse"))[0]
    assert hit.payload["page"] == 2
