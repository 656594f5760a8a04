"""The reader view: a cited passage shown in its document, the quoted sentence marked and scrolled into view.

The document is read again from its file by the same bounded parser as ingestion (the parsing worker, with its
memory limit and time budget), so the page shows exactly the text the passage's offsets point into: the whole
text of a Markdown, DOCX, HTML or text file, or the cited page of a PDF with a link to that page of the
original. All document text is escaped; the page carries no script (the browser scrolls to `#quote` by itself)
and is served with a Content-Security-Policy that allows none."""

from __future__ import annotations

import threading
from collections import OrderedDict
from html import escape

from ingest.isolation import ParseLimits, ParseWorker, parse_bounded
from kb.display import visible
from kb.errors import IngestError
from kb.knowledge_base import KnowledgeBase
from ui.i18n import doc_type_name, language_name, t
from ui.render import formatted, source_url

RECENT_DOCUMENTS = 4  # parsed documents kept, so that opening several quotes of one document parses it once
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"
CSS = """
body {font-family: system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.5;
      color: #1f2328}
header {border-bottom: 1px solid #d0d7de; margin-bottom: 1rem; padding-bottom: .6rem}
header h1 {font-size: 1.25rem; margin: 0 0 .3rem}
.meta {font-size: .9rem; color: #57606a}
.doc {white-space: pre-wrap; overflow-wrap: anywhere}
.passage {background: #f3f6fa}
mark {background: #ffe58a; padding: 0 1px}
.note {background: #fff8c5; border: 1px solid #d4a72c; padding: .4rem .7rem; border-radius: 6px}
"""


def shown(piece: str) -> str:
    """A piece of document text as HTML: escaped, emphasis formatted; a mark split by the quote's edge is dropped."""
    return formatted(piece).replace("**", "").replace("__", "")


class Reader:
    """Builds reader pages for one knowledge base (one parsing worker, started on first use)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.limits = ParseLimits.from_settings(kb.settings)
        self._worker: ParseWorker | None = None
        self._lock = threading.Lock()  # one parse at a time: a burst of views cannot multiply the parsers
        self._recent: OrderedDict[tuple, list] = OrderedDict()  # (path, size, mtime) -> pages, the last few

    def _pages(self, path) -> list:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
            data = path.read_bytes()
            if not self.kb.settings.parse_isolated:
                pages = parse_bounded(path.suffix.lower(), data, str(path), self.limits).pages
            else:
                if self._worker is None:
                    self._worker = ParseWorker(self.limits)
                pages = self._worker.parse(path.suffix.lower(), data, str(path)).pages
            self._recent[key] = pages
            while len(self._recent) > RECENT_DOCUMENTS:
                self._recent.popitem(last=False)
            return pages

    def page(self, chunk_id: str, start: int | None, end: int | None, lang: str) -> str | None:
        """The reader page for a passage (None when there is no such passage); `start`/`end` mark a quote
        within the passage's text (the whole passage when not given or out of range)."""
        p = self.kb.chunk(chunk_id)
        if p is None:
            return None
        text = p.get("text", "")
        if start is None or end is None or not 0 <= start < end <= len(text):
            start, end = 0, len(text)
        source = p.get("source", "")
        path = self.kb.settings.source_path(source)

        pdf = source.lower().endswith(".pdf")
        page_no = p.get("page")
        link = source_url(source, page_no, pdf)
        note, body = "", ""
        try:
            pages = self._pages(path) if path.is_file() else None
        except (IngestError, OSError) as e:
            pages, note = None, str(e)
        full = None
        if pages:
            index = (page_no - 1) if page_no else 0
            if 0 <= index < len(pages):
                full = pages[index].text
        a, b = int(p.get("char_start", 0)), int(p.get("char_end", 0))
        if full is not None and full[a:b] == text:
            body = (shown(full[:a]) + '<span class="passage">' + shown(text[:start]) + '<mark id="quote">' +
                    shown(text[start:end]) + "</mark>" + shown(text[end:]) + "</span>" + shown(full[b:]))
        else:  # the file changed or is gone since it was indexed: the stored passage alone
            note = note or t(lang, "reader_changed")
            body = ('<span class="passage">' + shown(text[:start]) + '<mark id="quote">' + shown(text[start:end])
                    + "</mark>" + shown(text[end:]) + "</span>")
        title = escape(visible(p.get("title") or source))
        where = [escape(visible(source))]
        if page_no:
            where.append(escape(t(lang, "page", page=p.get("page_label") or page_no)))
        where += [escape(language_name(lang, p.get("chunk_language") or p.get("language") or "")),
                  escape(doc_type_name(lang, p.get("doc_type") or "other")), escape(p.get("date") or "")]
        section = escape(p.get("section") or "") if (p.get("section") or "") != (p.get("title") or "") else ""
        open_label = t(lang, "open_page", page=page_no) if pdf and page_no else t(lang, "open_original")
        return (f"<!doctype html><html lang=\"{escape(lang)}\"><head><meta charset=\"utf-8\"><title>{title}</title>"
                f"<style>{CSS}</style></head><body><header><h1>{title}</h1>"
                f"<div class=\"meta\">{' · '.join(x for x in where if x)}</div>"
                + (f"<div class=\"meta\">{section}</div>" if section else "")
                + f"<div class=\"meta\"><a href=\"{escape(link)}\" rel=\"noopener noreferrer\">{escape(open_label)}</a>"
                f"</div></header>" + (f"<p class=\"note\">{escape(note)}</p>" if note else "")
                + f"<div class=\"doc\">{body}</div></body></html>")

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
