"""Render the editable Markdown sources in corpus_src/ into the sample corpus's PDF, DOCX and HTML files.

    python corpus_src/build.py        (needs reportlab, python-docx and the DejaVu Sans font)

The generated files are committed, so the corpus works without running this. Metadata that a format cannot
carry (type, region) goes into a `NAME.meta.json` sidecar next to the file."""

from __future__ import annotations

import datetime
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "corpus_src"
OUT = ROOT / "corpus"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# source (in corpus_src/) -> (output path in corpus/, format, encoding for html)
TARGETS = {
    "guide_en.md": ("guide/cross_border_planning_guide_en.pdf", "pdf", None),
    "guide_lt.md": ("guide/tarpvalstybinio_planavimo_gidas_lt.pdf", "pdf", None),
    "ugdantis_regionas_action_plan_lt.md": ("krss2030/ugdantis_regionas_action_plan_lt.docx", "docx", None),
    "functional_zones_analysis_lv.md": ("krss2030/functional_zones_analysis_lv.docx", "docx", None),
    "final_conference_ventspils_en.md": ("conference/final_conference_ventspils_en.html", "html", "utf-8"),
    "op06_indicator_dashboard_en.md": ("one-pagers/op06_indicator_dashboard_en.html", "html", "windows-1257"),
}


@dataclass
class Block:
    kind: str  # h1..h6, p, ul, ol, table
    text: str = ""
    items: list = field(default_factory=list)


def parse(md: str) -> tuple[dict, list[Block]]:
    """Front matter and blocks of a simple Markdown document."""
    meta = {}
    m = re.match(r"\A---\n(.*?\n)---\n", md, re.DOTALL)
    if m:
        meta = yaml.safe_load(m.group(1))
        md = md[m.end():]
    blocks: list[Block] = []
    para: list[str] = []

    def end_para():
        if para:
            blocks.append(Block("p", " ".join(para)))
            para.clear()

    for line in md.splitlines():
        s = line.strip()
        h = re.match(r"^(#{1,6})\s+(.*)$", s)
        if not s:
            end_para()
        elif h:
            end_para()
            blocks.append(Block(f"h{len(h.group(1))}", h.group(2).strip()))
        elif s.startswith("|"):
            end_para()
            cells = [c.strip() for c in s.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                continue
            if not blocks or blocks[-1].kind != "table":
                blocks.append(Block("table"))
            blocks[-1].items.append(cells)
        elif re.match(r"^([-*+]|\d+[.)])\s+", s):
            end_para()
            kind = "ol" if s[0].isdigit() else "ul"
            item = re.sub(r"^([-*+]|\d+[.)])\s+", "", s)
            if not blocks or blocks[-1].kind != kind:
                blocks.append(Block(kind))
            blocks[-1].items.append(item)
        elif blocks and blocks[-1].kind in ("ul", "ol") and not para and line.startswith("  "):
            blocks[-1].items[-1] += " " + s
        else:
            para.append(s)
    end_para()
    return meta, blocks


def _inline_html(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)


def _plain(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)


def _sidecar(path: Path, meta: dict, keys=("type", "region", "date", "language")) -> None:
    side = path.with_name(path.name + ".meta.json")
    data = {k: str(meta[k]) for k in keys if meta.get(k) is not None}
    side.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build_pdf(meta: dict, blocks: list[Block], out: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_BOLD)))
    from reportlab.pdfbase.pdfmetrics import registerFontFamily
    registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold", italic="DejaVu", boldItalic="DejaVu-Bold")
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=10.5, leading=14.5, spaceAfter=6)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11, spaceAfter=0)
    h1 = ParagraphStyle("h1", parent=body, fontName="DejaVu-Bold", fontSize=17, leading=21, spaceBefore=6,
                        spaceAfter=10)
    h2 = ParagraphStyle("h2", parent=body, fontName="DejaVu-Bold", fontSize=12.5, leading=16, spaceBefore=8,
                        spaceAfter=5)
    title_style = ParagraphStyle("title", parent=h1, fontSize=24, leading=30, spaceBefore=180)

    class Heading(Paragraph):
        def __init__(self, text, style, level):
            super().__init__(text, style)
            self.level = level
            self.plain = _plain(text)

    class Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable):
            if isinstance(flowable, Heading):
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.plain, key, level=flowable.level)

    def footer(canvas, doc):
        canvas.setFont("DejaVu", 9)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, str(doc.page))

    story = [Paragraph(_inline_html(meta["title"]), title_style),
             Paragraph(_inline_html("Interreg V-A Latvia–Lithuania · Smart Planning (LLI-612) · "
                                    + str(meta.get("date", ""))), body), PageBreak()]
    first_chapter = True
    for b in blocks:
        if b.kind == "h1":
            if not first_chapter:
                story.append(PageBreak())
            first_chapter = False
            story.append(Heading(_inline_html(b.text), h1, 0))
        elif b.kind.startswith("h"):
            story.append(Heading(_inline_html(b.text), h2, 1))
        elif b.kind == "p":
            story.append(Paragraph(_inline_html(b.text), body))
        elif b.kind in ("ul", "ol"):
            story.append(ListFlowable([ListItem(Paragraph(_inline_html(i), body)) for i in b.items],
                                      bulletType="bullet" if b.kind == "ul" else "1", bulletFontName="DejaVu",
                                      leftIndent=14))
        elif b.kind == "table":
            data = [[Paragraph(_inline_html(c), cell) for c in row] for row in b.items]
            t = Table(data, repeatRows=1, hAlign="LEFT")
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [t, Spacer(1, 8)]
    doc = Doc(str(out), pagesize=A4, leftMargin=2.2 * cm, rightMargin=2.2 * cm, topMargin=2 * cm,
              bottomMargin=2.2 * cm, title=meta["title"], author="Klaipėda region development council; "
              "Kurzeme planning region", subject="Smart Planning (LLI-612)", invariant=1)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def build_docx(meta: dict, blocks: list[Block], out: Path) -> None:
    import docx

    d = docx.Document()
    props = d.core_properties
    props.title = meta["title"]
    props.language = {"lt": "lt-LT", "lv": "lv-LV", "en": "en-GB"}[meta["language"]]
    when = meta["date"] if isinstance(meta["date"], datetime.date) else datetime.date.fromisoformat(str(meta["date"]))
    props.created = props.modified = datetime.datetime.combine(when, datetime.time(9, 0))
    props.author = "Klaipėdos regiono plėtros taryba / Kurzemes plānošanas reģions"

    def add_runs(par, text):
        for i, part in enumerate(re.split(r"\*\*(.+?)\*\*", text)):
            if part:
                par.add_run(_plain(part)).bold = bool(i % 2)

    for b in blocks:
        if b.kind.startswith("h"):
            d.add_heading(_plain(b.text), int(b.kind[1]))
        elif b.kind == "p":
            add_runs(d.add_paragraph(), b.text)
        elif b.kind in ("ul", "ol"):
            for item in b.items:
                add_runs(d.add_paragraph(style="List Bullet" if b.kind == "ul" else "List Number"), item)
        elif b.kind == "table":
            t = d.add_table(rows=len(b.items), cols=max(len(r) for r in b.items))
            t.style = "Table Grid"
            for r, row in enumerate(b.items):
                for c, value in enumerate(row):
                    t.cell(r, c).text = _plain(value)
    d.save(str(out))
    _sidecar(out, meta, keys=("type", "region"))


def build_html(meta: dict, blocks: list[Block], out: Path, encoding: str) -> None:
    parts = []
    for b in blocks:
        if b.kind.startswith("h"):
            parts.append(f"<{b.kind}>{_inline_html(b.text)}</{b.kind}>")
        elif b.kind == "p":
            parts.append(f"<p>{_inline_html(b.text)}</p>")
        elif b.kind in ("ul", "ol"):
            items = "".join(f"<li>{_inline_html(i)}</li>" for i in b.items)
            parts.append(f"<{b.kind}>{items}</{b.kind}>")
        elif b.kind == "table":
            head = "".join(f"<th>{_inline_html(c)}</th>" for c in b.items[0])
            rows = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>" for r in b.items[1:])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    page = f"""<!DOCTYPE html>
<html lang="{meta['language']}">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={encoding}">
<title>{html.escape(meta['title'])}</title>
<style>body {{ font-family: sans-serif; max-width: 52em; margin: auto; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #999; padding: .2em .5em; }}</style>
<script>document.documentElement.classList.add("js");</script>
</head>
<body>
<header><a href="https://www.example.org/smart-planning/">Smart Planning</a></header>
<nav><a href="/">Home</a> | <a href="/events">Events</a> | <a href="/results">Results</a> | \
<a href="/contacts">Contacts</a></nav>
<main>
{chr(10).join(parts)}
</main>
<footer>Interreg V-A Latvia–Lithuania programme · Smart Planning (LLI-612)</footer>
</body>
</html>
"""
    out.write_bytes(page.encode(encoding))
    _sidecar(out, meta, keys=("type", "region", "date"))


def main() -> None:
    for name, (target, fmt, encoding) in TARGETS.items():
        src = SRC / name
        meta, blocks = parse(src.read_text(encoding="utf-8"))
        out = OUT / target
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            build_pdf(meta, blocks, out)
            _sidecar(out, meta, keys=("type", "region", "date", "language"))
        elif fmt == "docx":
            build_docx(meta, blocks, out)
        else:
            build_html(meta, blocks, out, encoding)
        print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
