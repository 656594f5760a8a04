#!/usr/bin/env python3
"""Consistency check for the dev evaluation collection.

Run from anywhere:  python3 check.py
Checks: JSONL parses; ids unique and well-formed; required fields; every source exists;
every evidence is an exact substring of its document (raw file text, also for .html) and
4-20 words long; every document has metadata (YAML front matter for .md, sidecar
.meta.json for .txt/.html); kinds agree with question/evidence languages; and the
counts stated in README.md match the data. With --stats it prints the counts.
"""
import json, os, re, sys
from collections import Counter

ROOT = os.path.dirname(os.path.abspath(__file__))
LANGS = {"lt", "lv", "en"}
TYPES = {"guide", "seminar_notes", "study_visit", "strategy", "action_plan", "analysis",
         "conference", "brochure", "one_pager", "other"}
errors = []

def err(msg):
    errors.append(msg)

# ---------- documents and metadata
def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()

def doc_meta(rel):
    p = os.path.join(ROOT, rel)
    if rel.endswith(".md"):
        t = read(p)
        m = re.match(r"^---\n(.*?)\n---\n", t, re.S)
        if not m:
            err(f"{rel}: no YAML front matter"); return None
        meta = {}
        for line in m.group(1).splitlines():
            k, _, v = line.partition(":")
            meta[k.strip()] = v.strip()
        return meta
    side = p + ".meta.json"
    if not os.path.exists(side):
        err(f"{rel}: missing sidecar {rel}.meta.json"); return None
    try:
        return json.loads(read(side))
    except Exception as e:
        err(f"{rel}: bad sidecar json: {e}"); return None

docs = {}
for root, _, files in os.walk(os.path.join(ROOT, "docs")):
    for f in files:
        if f.endswith(".meta.json"):
            if not os.path.exists(os.path.join(root, f[:-len(".meta.json")])):
                err(f"orphan sidecar {f}")
            continue
        rel = os.path.relpath(os.path.join(root, f), ROOT)
        if not rel.endswith((".md", ".txt", ".html")):
            err(f"{rel}: unexpected file type"); continue
        try:
            read(os.path.join(ROOT, rel))
        except UnicodeDecodeError:
            err(f"{rel}: not UTF-8"); continue
        meta = doc_meta(rel)
        if meta is None:
            continue
        for k in ("title", "date", "language", "type"):
            if not meta.get(k):
                err(f"{rel}: metadata lacks {k}")
        if meta.get("language") not in LANGS:
            err(f"{rel}: bad language {meta.get('language')}")
        if meta.get("type") not in TYPES:
            err(f"{rel}: bad type {meta.get('type')}")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("date", ""))):
            err(f"{rel}: bad date {meta.get('date')}")
        if rel.endswith(".html"):
            t = read(os.path.join(ROOT, rel))
            if '<meta charset="utf-8">' not in t or "<title>" not in t or "<h1>" not in t:
                err(f"{rel}: HTML lacks charset/title/h1")
        docs[rel] = meta

# ---------- questions
qs, ids = [], set()
with open(os.path.join(ROOT, "questions.jsonl"), encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(f"questions.jsonl line {n}: empty line"); continue
        try:
            q = json.loads(line)
        except Exception as e:
            err(f"questions.jsonl line {n}: {e}"); continue
        qs.append(q)
        for k in ("id", "question", "language", "answerable", "relevant", "answer", "kind"):
            if k not in q:
                err(f"line {n}: missing {k}")
        qid = q.get("id")
        if not re.fullmatch(r"dev\d{3}", str(qid)):
            err(f"line {n}: bad id {qid}")
        if qid in ids:
            err(f"duplicate id {qid}")
        ids.add(qid)
        if q.get("language") not in LANGS:
            err(f"{qid}: bad language")
        kind = q.get("kind")
        if kind not in {"crosslingual", "monolingual", "near_miss"}:
            err(f"{qid}: bad kind {kind}")
        if q.get("answerable") is False:
            if q.get("relevant") != [] or kind != "near_miss":
                err(f"{qid}: unanswerable must have relevant [] and kind near_miss")
            continue
        if q.get("answerable") is not True:
            err(f"{qid}: answerable must be true/false"); continue
        if kind == "near_miss" or not q.get("relevant"):
            err(f"{qid}: answerable question needs relevant docs and a non-near_miss kind")
        ev_langs = set()
        seen = set()
        for r in q.get("relevant", []):
            src, ev = r.get("source"), r.get("evidence", "")
            if src in seen:
                err(f"{qid}: source listed twice {src}")
            seen.add(src)
            if src not in docs:
                err(f"{qid}: source not found or without metadata: {src}"); continue
            ev_langs.add(docs[src]["language"])
            text = read(os.path.join(ROOT, src))
            if ev not in text:
                err(f"{qid}: evidence not in {src}: {ev!r}")
            nw = len(ev.split())
            if not 4 <= nw <= 20:
                err(f"{qid}: evidence has {nw} words (4-20 expected)")
        if kind == "crosslingual" and q.get("language") in ev_langs:
            err(f"{qid}: crosslingual but question language equals an evidence language")
        if kind == "monolingual" and ev_langs != {q.get("language")}:
            err(f"{qid}: monolingual but evidence languages are {ev_langs}")
        q["_ev_langs"] = sorted(ev_langs)

# ---------- statistics
stats = Counter()
stats["documents"] = len(docs)
for m in docs.values():
    stats["docs_" + m["language"]] += 1
for rel in docs:
    stats["format_" + rel.rsplit(".", 1)[1]] += 1
stats["questions"] = len(qs)
for q in qs:
    stats["kind_" + q.get("kind", "?")] += 1
    stats["qlang_" + q.get("language", "?")] += 1
    stats["answerable_" + str(q.get("answerable")).lower()] += 1
    if q.get("answerable"):
        stats[f"dir_{q['language']}->{'+'.join(q['_ev_langs'])}"] += 1
        for el in q["_ev_langs"]:  # directions counted once per evidence language
            if el != q["language"]:
                stats[f"pair_{q['language']}->{el}"] += 1

if "--stats" in sys.argv:
    for k in sorted(stats):
        print(f"{k}: {stats[k]}")

# ---------- README counts: every row "| key | N |" inside the README count tables must match
readme = read(os.path.join(ROOT, "README.md"))
found = 0
for key, val in re.findall(r"^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|", readme, re.M):
    found += 1
    if stats.get(key, 0) != int(val):
        err(f"README: {key} says {val}, data has {stats.get(key, 0)}")
if found == 0:
    err("README: no count rows found")

# six directions, at least 7 each
for a in LANGS:
    for b in LANGS:
        if a != b and stats.get(f"pair_{a}->{b}", 0) < 7:
            err(f"direction {a}->{b} has fewer than 7 questions")

if errors:
    print("\n".join("ERROR: " + e for e in errors))
    print(f"{len(errors)} problem(s)")
    sys.exit(1)
print(f"OK: {len(docs)} documents, {len(qs)} questions, {found} README counts verified")
