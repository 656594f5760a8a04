"""Feedback on answers: 👍 / 👎 and an optional comment, kept in the data home (feedback.jsonl), listed for
editors, and exported as `kb eval` questions — the helpful answers become answerable questions whose relevant
sources are the ones the answer cited — so that staff grow an evaluation set from real questions."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

from kb.types import Answer

_lock = threading.Lock()


class Feedback:
    def __init__(self, home: Path):
        self.path = Path(home) / "feedback.jsonl"

    def add(self, question: str, answer: Answer, helpful: bool, comment: str = "", user: str = "",
            language: str | None = None) -> dict:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "user": user, "question": question,
                 "language": language, "helpful": bool(helpful), "comment": comment.strip()[:2000],
                 "grade": answer.grade, "answer": answer.answer[:4000],
                 "cited": [{"source": c.source, "page": c.page, "language": c.language} for c in answer.citations]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry

    def entries(self) -> list[dict]:
        """Every piece of feedback, newest first (a damaged line is skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out[::-1]

    def as_eval_questions(self) -> list[dict]:
        """Helpful answers as `kb eval` questions (DESIGN.md JSONL shape): relevant = the cited sources and
        pages; a helpful "not found" (the library really does not say) becomes an unanswerable question. The same
        question asked twice is exported once (its newest helpful answer). Unhelpful answers are not exported:
        what the right evidence would have been is for an editor to say."""
        seen, out = set(), []
        for e in self.entries():
            question = e.get("question") or ""
            if not e.get("helpful") or not question or question in seen:
                continue
            unanswerable = e.get("grade") == "not_found"
            if not unanswerable and not e.get("cited"):
                continue
            seen.add(question)
            relevant, keys = [], set()
            for c in [] if unanswerable else e["cited"]:
                key = (c["source"], c.get("page"))
                if key not in keys:
                    keys.add(key)
                    relevant.append({k: v for k, v in (("source", c["source"]), ("page", c.get("page"))) if v})
            qid = "fb-" + hashlib.sha256(question.encode("utf-8")).hexdigest()[:10]
            out.append({"id": qid, "question": question, "language": e.get("language") or "en",
                        "answerable": not unanswerable, "relevant": relevant, "from": "feedback",
                        "time": e.get("time"), "comment": e.get("comment", "")})
        return out

    def eval_jsonl(self) -> str:
        """as_eval_questions() as the JSONL file `kb eval FILE` reads."""
        return "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in self.as_eval_questions())
