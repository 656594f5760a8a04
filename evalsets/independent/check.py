#!/usr/bin/env python3
"""Consistency check for the independent test collection.

Run from anywhere:  python3 check.py
Checks: every line of questions.jsonl parses and has the expected fields; ids
are unique; every source exists; every evidence is an exact substring of its
document (for HTML: inside one text node, i.e. it contains no tag); evidence
length is 4-20 words; kinds agree with question/evidence languages; every
document has its metadata (front matter or sidecar .meta.json); the counts
written in README.md (the ```counts block) equal the real counts.
Exit status 0 when everything is fine, 1 otherwise.
"""
import json
import os
import re
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.abspath(__file__))
LANGS = {"lt", "lv", "en"}
TYPES = {"guide", "seminar_notes", "study_visit", "strategy", "action_plan", "analysis",
         "conference", "brochure", "one_pager", "other"}
KINDS = {"crosslingual", "monolingual", "near_miss"}
META_KEYS = ("title", "date", "language", "type")

errors = []


def err(msg):
    errors.append(msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def front_matter(text):
    m = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    if not m:
        return None
    meta = {}
    for line in m.group(1).split("\n"):
        if not line.strip():
            continue
        k, sep, v = line.partition(":")
        if not sep:
            return None
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            v = v[1:-1]
        meta[k.strip()] = v
    return meta


def check_meta(rel, meta):
    if meta is None:
        err(f"{rel}: metadata missing or unreadable")
        return None
    for k in META_KEYS:
        if not str(meta.get(k, "")).strip():
            err(f"{rel}: metadata key '{k}' missing or empty")
    if meta.get("language") not in LANGS:
        err(f"{rel}: bad language {meta.get('language')!r}")
    if meta.get("type") not in TYPES:
        err(f"{rel}: bad type {meta.get('type')!r}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("date", ""))):
        err(f"{rel}: bad date {meta.get('date')!r}")
    suffix = re.search(r"_(lt|lv|en)\.(md|txt|html)$", rel)
    if suffix and suffix.group(1) != meta.get("language"):
        err(f"{rel}: file name says {suffix.group(1)}, metadata says {meta.get('language')}")
    return meta.get("language")


# ---------------------------------------------------------------- documents
docs = {}  # rel path -> (language, text, ext)
for dirpath, _, files in os.walk(os.path.join(ROOT, "docs")):
    for name in sorted(files):
        full = os.path.join(dirpath, name)
        rel = os.path.relpath(full, ROOT).replace(os.sep, "/")
        if name.endswith(".meta.json"):
            target = full[: -len(".meta.json")]
            if not os.path.exists(target):
                err(f"{rel}: sidecar without document")
            continue
        ext = name.rsplit(".", 1)[-1]
        if ext not in ("md", "txt", "html"):
            err(f"{rel}: unexpected file type")
            continue
        text = read(full)
        if ext == "md":
            lang = check_meta(rel, front_matter(text))
        else:
            side = full + ".meta.json"
            if not os.path.exists(side):
                err(f"{rel}: sidecar {name}.meta.json missing")
                lang = None
            else:
                try:
                    lang = check_meta(rel, json.loads(read(side)))
                except json.JSONDecodeError as e:
                    err(f"{rel}: sidecar is not valid JSON ({e})")
                    lang = None
            if ext == "html":
                low = text.lower()
                for tag in ('<meta charset="utf-8">', "<title>", "<h1>", "<body>"):
                    if tag not in low:
                        err(f"{rel}: HTML lacks {tag}")
        docs[rel] = (lang, text, ext)

# ---------------------------------------------------------------- questions
questions = []
qpath = os.path.join(ROOT, "questions.jsonl")
for n, line in enumerate(read(qpath).split("\n"), 1):
    if not line.strip():
        continue
    try:
        q = json.loads(line)
    except json.JSONDecodeError as e:
        err(f"questions.jsonl line {n}: does not parse ({e})")
        continue
    questions.append((n, q))

ids = Counter(q.get("id") for _, q in questions)
for i, c in ids.items():
    if c > 1:
        err(f"duplicate id {i}")

directions = Counter()
kinds = Counter()
qlangs = Counter()
used_docs = set()
for n, q in questions:
    where = f"line {n} ({q.get('id')})"
    for k in ("id", "question", "language", "answerable", "relevant", "answer", "kind"):
        if k not in q:
            err(f"{where}: missing field {k}")
    if not re.fullmatch(r"ind\d{3}", str(q.get("id", ""))):
        err(f"{where}: bad id")
    lang = q.get("language")
    if lang not in LANGS:
        err(f"{where}: bad language {lang!r}")
    kind = q.get("kind")
    if kind not in KINDS:
        err(f"{where}: bad kind {kind!r}")
    if not str(q.get("question", "")).strip() or not str(q.get("answer", "")).strip():
        err(f"{where}: empty question or answer")
    kinds[kind] += 1
    qlangs[lang] += 1
    rel = q.get("relevant", [])
    if kind == "near_miss":
        if q.get("answerable") is not False or rel:
            err(f"{where}: near_miss must have answerable=false and empty relevant")
        continue
    if q.get("answerable") is not True:
        err(f"{where}: answerable must be true for kind {kind}")
    if not rel:
        err(f"{where}: answerable question without relevant documents")
    ev_langs = set()
    for r in rel:
        src, ev = r.get("source"), r.get("evidence", "")
        if src not in docs:
            err(f"{where}: source {src} does not exist")
            continue
        used_docs.add(src)
        dlang, text, ext = docs[src]
        ev_langs.add(dlang)
        if ev not in text:
            err(f"{where}: evidence not found verbatim in {src}: {ev!r}")
        if ext == "html" and ("<" in ev or ">" in ev):
            err(f"{where}: evidence crosses HTML tags in {src}")
        words = [w for w in ev.split() if re.search(r"\w", w)]
        if not 4 <= len(words) <= 20:
            err(f"{where}: evidence has {len(words)} words (want 4-20)")
    if kind == "crosslingual" and lang in ev_langs:
        err(f"{where}: crosslingual, but evidence is in the question language")
    if kind == "monolingual" and ev_langs != {lang}:
        err(f"{where}: monolingual, but evidence languages are {sorted(ev_langs)}")
    directions[f"{lang}->{'+'.join(sorted(l for l in ev_langs if l))}"] += 1

# ---------------------------------------------------------------- counts
computed = {
    "documents": len(docs),
    "documents lt": sum(1 for v in docs.values() if v[0] == "lt"),
    "documents lv": sum(1 for v in docs.values() if v[0] == "lv"),
    "documents en": sum(1 for v in docs.values() if v[0] == "en"),
    "documents md": sum(1 for v in docs.values() if v[2] == "md"),
    "documents txt": sum(1 for v in docs.values() if v[2] == "txt"),
    "documents html": sum(1 for v in docs.values() if v[2] == "html"),
    "questions": len(questions),
    "questions lt": qlangs["lt"],
    "questions lv": qlangs["lv"],
    "questions en": qlangs["en"],
    "answerable": kinds["crosslingual"] + kinds["monolingual"],
    "crosslingual": kinds["crosslingual"],
    "monolingual": kinds["monolingual"],
    "near_miss": kinds["near_miss"],
}
for d, c in sorted(directions.items()):
    computed[d] = c
near_by_lang = Counter(q.get("language") for _, q in questions if q.get("kind") == "near_miss")
for l in ("lt", "lv", "en"):
    computed[f"near_miss {l}"] = near_by_lang[l]

readme = read(os.path.join(ROOT, "README.md"))
m = re.search(r"```counts\n(.*?)```", readme, flags=re.S)
if not m:
    err("README.md: no ```counts block")
    stated = {}
else:
    stated = {}
    for line in m.group(1).strip().split("\n"):
        if not line.strip():
            continue
        k, _, v = line.rpartition(":")
        try:
            stated[k.strip()] = int(v.strip())
        except ValueError:
            err(f"README.md: unreadable count line {line!r}")
for k, v in computed.items():
    if stated.get(k) != v:
        err(f"README.md: '{k}' is {stated.get(k)} in README, real value {v}")
for k in stated:
    if k not in computed:
        err(f"README.md: unknown count '{k}' (real value 0)")

unused = sorted(set(docs) - used_docs)

# ---------------------------------------------------------------- report
print("Counts:")
for k, v in computed.items():
    print(f"  {k}: {v}")
cross_dirs = {d: c for d, c in directions.items() if d.split("->")[0] not in d.split("->")[1].split("+")}
print("Cross-lingual directions:", dict(sorted(cross_dirs.items())))
if unused:
    print("Documents never cited as evidence:", ", ".join(unused))
if errors:
    print(f"\n{len(errors)} problem(s):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nOK: no problems found.")
