"""Search results as files a researcher can keep: CSV (spreadsheet-friendly, UTF-8 with BOM) and JSON."""

from __future__ import annotations

import csv
import io
import json

from kb.types import Hit

COLUMNS = ["rank", "score", "source", "title", "page", "language", "doc_type", "date", "chunk_id", "text"]


def hits_to_csv(hits: list[Hit]) -> str:
    """One row per passage; the text on one line. Cells that a spreadsheet would run as a formula are quoted
    with a leading apostrophe."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for h in hits:
        row = h.to_json()
        row["text"] = " ".join((row.get("text") or "").split())
        w.writerow([_cell(row.get(c)) for c in COLUMNS])
    return "\ufeff" + buf.getvalue()


def hits_to_json(query: str, filters: dict, hits: list[Hit]) -> str:
    return json.dumps({"query": query, "filters": filters, "hits": [h.to_json() for h in hits]},
                      ensure_ascii=False, indent=2)


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v
