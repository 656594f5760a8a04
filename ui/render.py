"""HTML for the conversation, citation cards and search results. Every piece of document text, title, file
name and question is escaped here (`html.escape`), so a document holding `<script>`, `<img onerror=…>` or a
Markdown `javascript:` link shows those characters as text; the only links are the app's own `/source/…`."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from kb.display import visible
from kb.highlight import matched_spans
from kb.store import doc_id_for
from kb.types import Answer, Citation, Hit
from ui.i18n import doc_type_name, language_name, t

_CITE = re.compile(r"\[(\d+)\]")

CSS = """
.kb-chat {display:flex; flex-direction:column; gap:14px}
.kb-q {align-self:flex-end; max-width:80%; background:var(--color-accent-soft); padding:8px 12px; border-radius:10px}
.kb-a {max-width:95%; padding:8px 12px; border-radius:10px; border:1px solid var(--border-color-primary)}
.kb-a p {margin:4px 0}
.kb-who {font-size:0.8em; opacity:0.7; margin-bottom:2px}
.kb-cite {font-weight:600; text-decoration:none}
.kb-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:6px 10px; margin:6px 0}
.kb-card summary {cursor:pointer}
.kb-card blockquote {margin:6px 0 6px 4px; padding-left:10px; border-left:3px solid var(--color-accent); \
white-space:pre-wrap}
.kb-meta {font-size:0.85em; opacity:0.8}
.kb-hit {border-bottom:1px solid var(--border-color-primary); padding:8px 0}
.kb-hit .kb-text {white-space:pre-wrap; margin-top:4px}
.kb-hit mark {background:#ffe58a; color:inherit; padding:0 1px}
.kb-notice {font-size:0.85em; opacity:0.8; font-style:italic}
.kb-a[data-grade="uncertain"] {border-left:4px solid #d9a400}
.kb-a[data-grade="not_found"] {border-left:4px solid var(--border-color-primary)}
.kb-grade {display:inline-block; font-size:0.75em; padding:0 6px; border-radius:6px; background:#fff3c4; color:#5c4500}
.kb-empty {opacity:0.75}
"""


def source_url(source: str, page: int | None = None, pdf: bool = False) -> str:
    """The app's link to a stored document (PDFs open at the page)."""
    url = "/source/" + quote(doc_id_for(source))
    return f"{url}#page={int(page)}" if pdf and page else url


def _is_pdf(source: str) -> bool:
    return source.lower().endswith(".pdf")


def _meta(lang: str, source: str, page, page_label, language, date, doc_type) -> str:
    parts = [escape(visible(source))]
    if page:
        parts.append(escape(t(lang, "page", page=page_label or page)))
    parts += [escape(language_name(lang, language or "")), escape(date or ""),
              escape(doc_type_name(lang, doc_type) if doc_type else "")]
    return " · ".join(p for p in parts if p)


def reader_url(chunk_id: str, start: int | None = None, end: int | None = None, lang: str = "en") -> str:
    """The reader view of a passage, the quote `start`:`end` of its text marked and scrolled to."""
    query = f"&s={int(start)}&e={int(end)}" if start is not None and end is not None else ""
    return f"/read/{quote(chunk_id)}?lang={quote(lang)}{query}#quote"


def _link(lang: str, source: str, page, chunk_id: str | None = None, start: int | None = None,
          end: int | None = None) -> str:
    links = []
    if chunk_id:
        links.append(f'<a class="kb-read" href="{escape(reader_url(chunk_id, start, end, lang))}" target="_blank" '
                     f'rel="noopener noreferrer">{escape(t(lang, "open_passage"))}</a>')
    pdf = _is_pdf(source)
    label = t(lang, "open_page", page=page) if pdf and page else t(lang, "open")
    links.append(f'<a href="{escape(source_url(source, page, pdf))}" target="_blank" rel="noopener noreferrer">'
                 f"{escape(label)}</a>")
    return " · ".join(links)


_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_BULLET = re.compile(r"(?m)^([ \t]*)[-*+•][ \t]+")
_HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*$")
_PIPE_ROW = re.compile(r"(?m)^[ \t]*\|(.*)\|[ \t]*$")
_PIPE_RULE = re.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*\n?")


def formatted(text: str) -> str:
    """Document text as readable HTML: escaped first, then a small known set of marks — bold, italics, code,
    Markdown headings (bold), list bullets, and pipe-table rows as cells separated by " · " (no link, image or
    raw HTML ever)."""
    text = _PIPE_RULE.sub("", text)
    text = _PIPE_ROW.sub(lambda m: " · ".join(c.strip() for c in m.group(1).split("|")), text)
    out = escape(text)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)
    out = _HEADING.sub(r"<strong>\1</strong>", out)
    return _BULLET.sub(r"\1• ", out)


def citation_card(lang: str, turn: int, c: Citation) -> str:
    title = escape(visible(c.title or c.source))
    end = c.start + len(c.quote) if c.start is not None else None
    link = _link(lang, c.source, c.page, c.chunk_id, c.start, end)
    return (f'<details class="kb-card" id="c-{turn}-{c.n}"><summary><b>[{c.n}]</b> {title}'
            f' <span class="kb-meta">— {_meta(lang, c.source, c.page, c.page_label, c.language, c.date, c.doc_type)}'
            f"</span></summary><blockquote>{formatted(c.quote)}</blockquote>{link}</details>")


def lead_card(lang: str, turn: int, i: int, h: Hit) -> str:
    p = h.payload
    text = " ".join(h.text.split())
    text = text if len(text) <= 500 else text[:500].rsplit(" ", 1)[0] + " …"
    meta = _meta(lang, h.source, p.get("page"), p.get("page_label"), p.get("chunk_language") or p.get("language"),
                 p.get("date"), p.get("doc_type"))
    best = h.best_sentence or (None, None)
    link = _link(lang, h.source, p.get("page"), h.chunk_id, *best)
    return (f'<details class="kb-card" id="l-{turn}-{i}"><summary>{escape(visible(p.get("title") or h.source))} '
            f'<span class="kb-meta">— {meta}'
            f"</span></summary><blockquote>{formatted(text)}</blockquote>{link}</details>")


def answer_html(lang: str, turn: int, a: Answer) -> str:
    """One answer: its statements with [n] linked to the cards below, then the cards (or the leads)."""
    lines = []
    for line in a.answer.splitlines():
        if line.strip():
            body = _CITE.sub(lambda m: f'<a class="kb-cite" href="#c-{turn}-{m.group(1)}">[{m.group(1)}]</a>',
                             formatted(line))
            lines.append(f"<p>{body}</p>")
    out = ["".join(lines)]
    if a.notice:
        out.append(f'<p class="kb-notice">{escape(t(lang, "llm_notice"))}: {escape(a.notice)}</p>')
    if a.abstained and a.leads:  # the hint in the answer's language, as the answer itself
        out.append(f'<p class="kb-meta">{escape(t(a.language or lang, "unanswered_hint"))}</p>')
        out.append("".join(lead_card(lang, turn, i, h) for i, h in enumerate(a.leads, 1)))
    elif a.citations:
        out.append(f'<div class="kb-meta">{escape(t(lang, "sources"))}</div>')
        out.append("".join(citation_card(lang, turn, c) for c in a.citations))
    return "".join(out)


def chat_html(lang: str, turns: list[tuple[str, Answer]]) -> str:
    """The whole conversation, oldest first."""
    if not turns:
        return f'<div class="kb-chat"><p class="kb-empty">{escape(t(lang, "chat_empty"))}</p></div>'
    parts = []
    for i, (question, a) in enumerate(turns, 1):
        parts.append(f'<div class="kb-q"><div class="kb-who">{escape(t(lang, "you"))}</div>{escape(question)}</div>')
        badge = f' <span class="kb-grade">{escape(t(lang, "grade_uncertain"))}</span>' if a.grade == "uncertain" else ""
        parts.append(f'<div class="kb-a" data-abstained="{str(a.abstained).lower()}" data-grade="{escape(a.grade)}">'
                     f'<div class="kb-who">{escape(t(lang, "kb"))}{badge}</div>{answer_html(lang, i, a)}</div>')
    return '<div class="kb-chat">' + "".join(parts) + "</div>"


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` as formatted HTML (see `formatted`), with the spans wrapped in <mark>."""
    text = text.replace("\x00", "").replace("\x01", "")
    out, pos = [], 0
    for a, b in spans:  # placeholders survive escaping and formatting, then become the marks
        out += [text[pos:a], "\x00", text[a:b], "\x01"]
        pos = b
    out.append(text[pos:])
    return formatted("".join(out)).replace("\x00", "<mark>").replace("\x01", "</mark>")


def hits_html(lang: str, query: str, hits: list[Hit], languages: list[str], header: str) -> str:
    """Ranked passages with the matched words marked, source, page and a link to the document."""
    if not hits:
        return f'<p class="kb-empty">{escape(t(lang, "no_results"))}</p>'
    parts = [f'<div class="kb-meta">{escape(header)}</div>']
    for h in hits:
        p = h.payload
        text = h.text.strip()
        spans = matched_spans(text, query, p.get("chunk_language") or p.get("language") or "en", languages)
        meta = _meta(lang, h.source, p.get("page"), p.get("page_label"), p.get("chunk_language") or p.get("language"),
                     p.get("date"), p.get("doc_type"))
        parts.append(
            f'<div class="kb-hit" data-rank="{h.rank}"><b>{h.rank}.</b> {escape(visible(p.get("title") or h.source))} '
            f'<span class="kb-meta">— {meta}'
            f' · {h.score:.3f} · {_link(lang, h.source, p.get("page"), h.chunk_id, *(h.best_sentence or (None, None)))}'
            f'</span>'
            f'<div class="kb-text">{highlighted(text, spans)}</div></div>')
    return "".join(parts)
