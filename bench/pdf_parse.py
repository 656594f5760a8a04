"""PDF parse time: a 2,000-page text PDF (bench/hostile_files.py), a generated PDF with a ruled table on every page,
and any PDFs named on the command line; optionally against another version of ingest/parsers/pdf.py.

usage: python bench/pdf_parse.py [--pages 50] [--before /tmp/pdf_before.py] [FILE.pdf ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hostile_files  # noqa: E402

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def tables_pdf(pages: int = 50) -> bytes:
    """`pages` pages, each a bold heading, a paragraph and a ruled table of 12 rows with a header row (DejaVu)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    for name, file in (("DejaVu", "DejaVuSans.ttf"), ("DejaVu-Bold", "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(DEJAVU / file)))
    body = ParagraphStyle("b", fontName="DejaVu", fontSize=10, leading=13)
    head = ParagraphStyle("h", fontName="DejaVu-Bold", fontSize=15, leading=19, spaceAfter=6)
    story = []
    for p in range(pages):
        story.append(Paragraph(f"{p + 1}. Keleivių srautai, maršrutų grupė {p + 1}", head))
        story.append(Paragraph("Lentelėje pateikiami vidutiniai keleivių srautai per dieną pagal kryptį ir "
                               "vežėją; duomenys surinkti 2023 m. rudenį.", body))
        rows = [["Kryptis", "Žmonių per dieną", "Vežėjas"]]
        rows += [[f"Liepoja → Klaipėda {p + 1}.{r}", str(300 + 7 * r + p), f"Vežėjas {r % 3 + 1}"] for r in range(12)]
        t = Table(rows)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "DejaVu", 9), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [t, Paragraph("Po lentelės: srautai didžiausi darbo dienų rytais.", body), PageBreak()]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=(595, 842)).build(story)
    return buf.getvalue()


def _parser(path: str | None):
    if path is None:
        from ingest.parsers.pdf import parse_pdf

        return parse_pdf
    spec = importlib.util.spec_from_file_location("pdf_other", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_pdf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--pages", type=int, default=50, help="pages of the generated table PDF")
    ap.add_argument("--text-pages", type=int, default=2000, help="pages of the generated text PDF")
    ap.add_argument("--before", help="another pdf.py to time beside the current one")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (the fastest is shown)")
    a = ap.parse_args()
    inputs = [(f"text PDF, {a.text_pages} pages", hostile_files.pdf_many_pages(a.text_pages)),
              (f"table PDF, {a.pages} pages", tables_pdf(a.pages))]
    inputs += [(f.name, f.read_bytes()) for f in a.files]
    versions = [("after", _parser(None))] + ([("before", _parser(a.before))] if a.before else [])
    print("| PDF | " + " | ".join(f"{name} (s)" for name, _ in versions) + " | warnings (after) |")
    print("|---|" + "---|" * len(versions) + "---|")
    for label, data in inputs:
        best = {name: float("inf") for name, _ in versions}
        warnings: list[str] = []
        for _ in range(a.repeat):  # the versions take turns, so that a busy machine slows both alike
            for name, parse in versions:
                t = time.perf_counter()
                doc = parse(data, label)
                best[name] = min(best[name], time.perf_counter() - t)
                warnings = doc.warnings if name == "after" else warnings
        times = [f"{best[name]:.2f}" for name, _ in versions]
        print(f"| {label} | " + " | ".join(times) + f" | {'; '.join(warnings)[:100]} |", flush=True)


if __name__ == "__main__":
    main()
