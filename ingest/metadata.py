"""Metadata in the DESIGN.md order: front matter or a `NAME.meta.json` sidecar, the file's own properties,
the folder it sits in, then detection (language, title)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from kb.errors import IngestError
from kb.types import DOC_TYPES

FOLDER_TYPES = {
    "guide": "guide", "guides": "guide", "seminars": "seminar_notes", "seminar": "seminar_notes",
    "workshops": "seminar_notes", "innovation-camps": "seminar_notes", "camps": "seminar_notes",
    "study-visits": "study_visit", "study_visits": "study_visit", "visits": "study_visit",
    "strategy": "strategy", "krss2030": "strategy", "action-plans": "action_plan", "action_plans": "action_plan",
    "analysis": "analysis", "studies": "analysis", "conference": "conference", "conferences": "conference",
    "brochure": "brochure", "brochures": "brochure", "one-pagers": "one_pager", "one_pagers": "one_pager",
}
_TYPE_ALIASES = {"seminar": "seminar_notes", "workshop": "seminar_notes", "study-visit": "study_visit",
                 "action-plan": "action_plan", "one-pager": "one_pager", "onepager": "one_pager"}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(".meta.json")


def read_sidecar(path: Path) -> dict:
    """The `NAME.meta.json` next to a file, or {}."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IngestError(str(side), f"invalid metadata sidecar ({e}); fix the JSON or remove the file") from e
    if not isinstance(data, dict):
        raise IngestError(str(side), "a metadata sidecar must hold a JSON object")
    return {str(k).lower(): v for k, v in data.items()}


def normalize_date(value) -> str | None:
    """ISO date (YYYY-MM-DD) from a date, datetime or a string like 2022, 2022-03 or 2022-03-15."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    m = _DATE.match(str(value).strip())
    if not m:
        return None
    y, mo, d = m.group(1), m.group(2) or "01", m.group(3) or "01"
    try:
        return date(int(y), int(mo), int(d)).isoformat()
    except ValueError:
        return None


def normalize_type(value) -> str | None:
    if not value:
        return None
    v = str(value).strip().lower().replace(" ", "_")
    v = _TYPE_ALIASES.get(v, v)
    return v if v in DOC_TYPES else None


def folder_type(path: Path) -> str | None:
    """Document type from the nearest folder with a known name."""
    for parent in path.parents:
        t = FOLDER_TYPES.get(parent.name.lower())
        if t:
            return t
    return None


def resolve(path: Path, own: dict, properties: dict, warnings: list[str]) -> dict:
    """Merge the sources in order; the first one that gives a field wins."""
    layers = [own, read_sidecar(path), properties]
    merged: dict = {}
    for layer in layers:
        for k, v in layer.items():
            if v not in (None, "") and k not in merged:
                merged[k] = v
    out = dict(merged)
    out["doc_type"] = normalize_type(merged.get("doc_type") or merged.get("type")) or folder_type(path) or "other"
    raw_type = merged.get("doc_type") or merged.get("type")
    if raw_type and normalize_type(raw_type) is None:
        warnings.append(f"unknown document type {raw_type!r}; using {out['doc_type']!r} "
                        f"(known: {', '.join(DOC_TYPES)})")
    raw_date = merged.get("date")
    out["date"] = normalize_date(raw_date)
    if raw_date and out["date"] is None:
        warnings.append(f"unreadable date {raw_date!r}; expected YYYY-MM-DD")
    lang = merged.get("language") or merged.get("lang")
    out["language"] = str(lang).lower()[:2] if lang else None
    for k in ("type", "lang"):
        out.pop(k, None)
    return out
