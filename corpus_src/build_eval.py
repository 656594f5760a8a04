"""Turn the editable question list (corpus_src/eval_questions.jsonl) into the evaluation set
corpus/eval/planning_eval.jsonl: every evidence phrase is looked up in the parsed document (through the
project's own parsers), its page is filled in for paged formats, and the document's language is recorded.
A phrase that cannot be found stops the build with the question id, so the set never points at nothing.

    python corpus_src/build_eval.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.metadata import resolve  # noqa: E402
from ingest.parsers import parser_for  # noqa: E402

SRC = ROOT / "corpus_src" / "eval_questions.jsonl"
OUT = ROOT / "corpus" / "eval" / "planning_eval.jsonl"


def _squash(text: str) -> str:
    text = re.sub(r"\*\*|__", "", text)
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


@cache
def parsed(source: str):
    path = ROOT / source
    doc = parser_for(path)(path.read_bytes(), str(path))
    meta = resolve(path, doc.metadata, doc.properties, [])
    return doc, meta


def locate(source: str, evidence: str) -> tuple[int | None, str]:
    """(page or None, document language) of an evidence phrase; raises LookupError when it is not there."""
    doc, meta = parsed(source)
    want = _squash(evidence)
    for page in doc.pages:
        if want in _squash(page.text):
            return page.number, meta.get("language") or "und"
    raise LookupError(f"evidence not found in {source}: {evidence!r}")


def main() -> None:
    rows, problems = [], []
    for line in SRC.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        relevant = []
        for r in q.get("relevant", []):
            try:
                page, lang = locate(r["source"], r["evidence"])
            except (LookupError, FileNotFoundError) as e:
                problems.append(f"{q['id']}: {e}")
                continue
            entry = {"source": r["source"]}
            if page is not None:
                entry["page"] = page
            entry.update({"language": lang, "evidence": r["evidence"]})
            relevant.append(entry)
        out = {"id": q["id"], "question": q["question"], "language": q["language"],
               "answerable": bool(q["answerable"]), "relevant": relevant}
        for key in ("kind", "filters", "answer"):
            if q.get(key):
                out[key] = q[key]
        rows.append(out)
    if problems:
        sys.exit("evidence problems:\n" + "\n".join(problems))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    kinds = Counter(r.get("kind") for r in rows)
    langs = Counter(r["language"] for r in rows)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} questions; {dict(langs)}; {dict(kinds)}", file=sys.stderr)


if __name__ == "__main__":
    main()
