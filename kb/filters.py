"""Search filters from what people type: the one parser for the CLI, the JSON API, the app and evaluation files."""

from __future__ import annotations

from datetime import date

from kb.errors import ConfigError, FilterError
from kb.types import DOC_TYPES, SearchFilters


def _list(value, name: str) -> list[str] | None:
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [str(v).strip() for v in items if str(v).strip()]
    return items or None


def _date(value, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FilterError(f"{name}: {value!r} is not a date; use YYYY-MM-DD", name, str(value)) from None


def parse_filters(languages=None, doc_types=None, since=None, until=None, source=None,
                  chunk_languages=None) -> SearchFilters:
    """SearchFilters from strings ("lt,lv", "2022-01-01") or lists; unknown document types and impossible dates
    or ranges are refused with a message naming the field and the fix."""
    types = _list(doc_types, "type")
    bad = [t for t in types or [] if t not in DOC_TYPES]
    if bad:
        raise FilterError(f"type: unknown document type {', '.join(bad)}; use {', '.join(DOC_TYPES)}", "type",
                          ", ".join(bad))
    f = SearchFilters(languages=_list(languages, "lang"), doc_types=types, since=_date(since, "since"),
                      until=_date(until, "until"), source_glob=(str(source).strip() or None) if source else None,
                      chunk_languages=_list(chunk_languages, "chunk languages"))
    if f.since and f.until and f.since > f.until:
        raise ConfigError(f"the date range is empty: since {f.since} is after until {f.until}")
    return f


def filters_from_dict(d: dict | None) -> SearchFilters:
    """SearchFilters from a mapping with the keys languages, doc_types, since, until, source (evaluation files,
    the JSON API)."""
    d = d or {}
    return parse_filters(d.get("languages"), d.get("doc_types"), d.get("since"), d.get("until"), d.get("source"))


def filters_to_dict(f: SearchFilters | None) -> dict:
    """The inverse of filters_from_dict (ISO dates), for the JSON API and exports."""
    if f is None:
        return {}
    return {k: v for k, v in {"languages": f.languages, "doc_types": f.doc_types,
                              "since": f.since.isoformat() if f.since else None,
                              "until": f.until.isoformat() if f.until else None, "source": f.source_glob}.items()
            if v}
