#!/usr/bin/env python3
"""Verify the shared QA evaluation set against the real texts in ../shared/eval.

Run from anywhere:  python evalsets/shared_qa/check.py   (needs pypdf for the PDF checks)
The texts are read at run time from <project root>/../shared/eval (override with SHARED_EVAL=...);
when that folder is absent the script says so and exits 0 (skip).
"""
from __future__ import annotations

import html
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVAL = Path(os.environ.get("SHARED_EVAL") or Path(__file__).resolve().parents[2].parent / "shared" / "eval")
INC = ["en", "lt", "lv"]
LANGS = set(INC)
KINDS = {"crosslingual", "monolingual", "near_miss"}
FILE_LANG = {  # language of the text of each real file
    "lt_vu_mif_bakalaurinis_template.pdf": "lt",
    "lv_thesis_latviensis_main.pdf": "lv",
    "stenogram_395116.html": "lt",
    "questions_-9209.html": "lt",
}
FLORES_RE = re.compile(r"^flores/(en|lt|lv)/(flores-(\d+))\.md$")

errors: list[str] = []
warnings: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def norm(s: str) -> str:
    """For file texts: drop soft hyphens, collapse all whitespace (incl. no-break spaces), casefold."""
    return re.sub(r"\s+", " ", s.replace("\u00ad", "")).strip().casefold()


def included_lang(pid: str) -> str:
    return INC[int(pid.split("-")[1]) % 3]


def load_flores() -> dict[tuple[str, str], str]:
    out = {}
    with open(EVAL / "retrieval" / "flores_ict_corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out[(r["pid"], r["lang"])] = r["text"]
    return out


_pdf_cache: dict[str, list[str]] = {}
_html_cache: dict[str, str] = {}


def pdf_pages(name: str) -> list[str]:
    if name not in _pdf_cache:
        from pypdf import PdfReader  # noqa: PLC0415

        _pdf_cache[name] = [p.extract_text() or "" for p in PdfReader(str(EVAL / "files" / name)).pages]
    return _pdf_cache[name]


def html_text(name: str) -> str:
    if name not in _html_cache:
        raw = (EVAL / "files" / name).read_bytes().decode("windows-1257")
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        raw = re.sub(r"(?s)<!--.*?-->", " ", raw)
        raw = re.sub(r"<[^>]+>", " ", raw)
        _html_cache[name] = html.unescape(raw)
    return _html_cache[name]


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s.casefold())


def shared_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of consecutive words shared by a and b."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def main() -> int:
    if not EVAL.is_dir():
        print(f"SKIP: {EVAL} not found (the shared texts are not here)")
        return 0
    try:
        import pypdf  # noqa: F401, PLC0415
    except ImportError:
        print("ERROR: pypdf is needed for the PDF checks (use the project's .venv)")
        return 2
    flores = load_flores()
    pids = {p for p, _ in flores}

    coll = json.loads((HERE / "collection.json").read_text(encoding="utf-8"))
    if coll.get("rule") != "flores-N included in [en, lt, lv][N % 3]":
        err("collection.json: unexpected rule string")
    withheld = set(coll.get("withheld", []))
    for p in withheld:
        if p not in pids:
            err(f"collection.json: withheld {p} is not a FLORES pid")
    files = coll.get("files", [])
    if sorted(files) != sorted(FILE_LANG):
        err(f"collection.json: files {files} != {sorted(FILE_LANG)}")
    for name in files:
        if not (EVAL / "files" / name).is_file():
            err(f"collection.json: file {name} missing in {EVAL / 'files'}")

    qs = []
    with open(HERE / "questions.jsonl", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                err(f"line {n}: empty line")
                continue
            try:
                qs.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"line {n}: does not parse: {e}")

    ids = Counter(q.get("id") for q in qs)
    for i, c in ids.items():
        if c > 1:
            err(f"id {i} used {c} times")

    counts: Counter[str] = Counter()
    withheld_asked = set()
    required = ["id", "question", "language", "answerable", "relevant", "answer", "answer_terms", "kind", "about"]
    for q in qs:
        qid = q.get("id", "?")
        missing = [k for k in required if k not in q]
        if missing:
            err(f"{qid}: missing fields {missing}")
            continue
        lang, kind, about = q["language"], q["kind"], q["about"]
        if lang not in LANGS:
            err(f"{qid}: bad language {lang}")
        if kind not in KINDS:
            err(f"{qid}: bad kind {kind}")
        if not isinstance(q["question"], str) or len(q["question"].strip()) < 10:
            err(f"{qid}: question too short")
        if not isinstance(q["answer"], str) or not q["answer"].strip():
            err(f"{qid}: empty answer")
        terms = q["answer_terms"]
        counts["total"] += 1
        counts[f"lang/{lang}"] += 1
        counts[f"kind/{kind}"] += 1

        if q["answerable"] is not True:
            # ---- unanswerable near miss ----
            if q["answerable"] is not False:
                err(f"{qid}: answerable must be true or false")
            if kind != "near_miss":
                err(f"{qid}: unanswerable question must have kind near_miss")
            if q["relevant"] or terms:
                err(f"{qid}: unanswerable question must have empty relevant and answer_terms")
            counts["unanswerable"] += 1
            counts[f"near_miss/lang/{lang}"] += 1
            if about in withheld:
                withheld_asked.add(about)
                counts["near_miss/withheld"] += 1
            elif about in pids:
                counts["near_miss/fact_absent"] += 1
                counts["near_miss/fact_absent/flores"] += 1
            elif about in FILE_LANG:
                counts["near_miss/fact_absent"] += 1
                counts["near_miss/fact_absent/files"] += 1
            else:
                err(f"{qid}: near-miss about {about!r} is neither a withheld pid, a pid nor a file")
            continue

        # ---- answerable ----
        counts["answerable"] += 1
        if kind == "near_miss":
            err(f"{qid}: answerable question cannot be near_miss")
        if not q["relevant"]:
            err(f"{qid}: answerable question without relevant sources")
        if not (1 <= len(terms) <= 3):
            err(f"{qid}: needs 1-3 answer_terms, has {len(terms)}")
        for t in terms:
            if not isinstance(t, str) or not t.strip() or len(t.split()) > 3 or len(t) > 40:
                err(f"{qid}: answer term {t!r} must be a short string (at most 3 words)")
        doc_langs = set()
        for rel in q["relevant"]:
            src = rel.get("source", "")
            m = FLORES_RE.match(src)
            if m:
                slang, pid = m.group(1), m.group(2)
                if pid not in pids:
                    err(f"{qid}: {pid} is not in the corpus")
                    continue
                if slang != included_lang(pid):
                    err(f"{qid}: {pid} is included in {included_lang(pid)}, not {slang}")
                if pid in withheld:
                    err(f"{qid}: {pid} is withheld")
                if about != pid:
                    err(f"{qid}: about {about!r} != relevant pid {pid}")
                text = flores[(pid, slang)].casefold()
                for t in terms:
                    if t.casefold() not in text:
                        err(f"{qid}: term {t!r} not in {src}")
                doc_langs.add(slang)
                # paraphrase guard: no long verbatim run from any language version of the article
                qw = words(q["question"])
                for l2 in INC:
                    run = shared_run(qw, words(flores[(pid, l2)]))
                    if run >= 7:
                        err(f"{qid}: question copies {run} consecutive words of {pid} [{l2}]")
                    elif run >= 5:
                        warnings.append(f"{qid}: question shares {run} consecutive words with {pid} [{l2}]")
                counts["source/flores"] += 1
            elif src.startswith("files/"):
                name = src[len("files/"):]
                if name not in files:
                    err(f"{qid}: {name} is not a collection file")
                    continue
                if name.endswith(".pdf"):
                    page = rel.get("page")
                    pages = pdf_pages(name)
                    if not isinstance(page, int) or not (1 <= page <= len(pages)):
                        err(f"{qid}: bad page {page!r} for {name} ({len(pages)} pages)")
                        continue
                    text = norm(pages[page - 1])
                    where = f"{name} p.{page}"
                else:
                    text = norm(html_text(name))
                    where = name
                for t in terms:
                    if norm(t) not in text:
                        err(f"{qid}: term {t!r} not found in {where}")
                doc_langs.add(FILE_LANG[name])
                counts["source/files"] += 1 if rel is q["relevant"][0] else 0
                if rel is q["relevant"][0] and about != name:
                    err(f"{qid}: about {about!r} != first relevant file {name}")
            else:
                err(f"{qid}: bad source {src!r}")
        if len(doc_langs) == 1:
            dl = next(iter(doc_langs))
            prefix = "direction" if q["relevant"][0]["source"].startswith("flores/") else "files/direction"
            counts[f"{prefix}/{lang}->{dl}"] += 1
            if kind == "crosslingual" and dl == lang:
                err(f"{qid}: crosslingual but question and document are both {lang}")
            if kind == "monolingual" and dl != lang:
                err(f"{qid}: monolingual but question is {lang} and document {dl}")
        elif doc_langs:
            err(f"{qid}: relevant sources in several languages {sorted(doc_langs)}")

    for p in sorted(withheld - withheld_asked):
        err(f"withheld {p} has no question")

    # README counts must match exactly
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    stated = {m.group(1): int(m.group(2)) for m in re.finditer(r"(?m)^- `([^`]+)`: (\d+)\s*$", readme)}
    actual = {k: v for k, v in counts.items() if v}
    for k in sorted(set(stated) | set(actual)):
        if stated.get(k) != actual.get(k):
            err(f"README.md: `{k}` says {stated.get(k)}, actual {actual.get(k)}")

    for w in warnings:
        print("warning:", w)
    if errors:
        for e in errors:
            print("ERROR:", e)
        print(f"{len(errors)} error(s)")
        return 1
    print(f"OK: {len(qs)} questions")
    for k in sorted(actual):
        print(f"- `{k}`: {actual[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
