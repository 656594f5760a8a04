"""Conversations kept across reloads: per user where accounts exist, else per browser (the browser keeps a random
id). One JSON file per conversation under the data home; a list of past ones, delete, and an export to Markdown
with every answer's citations."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kb.types import Answer

_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(slots=True)
class Turn:
    question: str
    answer: Answer
    asked_at: str = ""

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.answer.to_json(), "asked_at": self.asked_at}

    @classmethod
    def from_json(cls, d: dict) -> "Turn":
        return cls(d["question"], Answer.from_json(d["answer"]), d.get("asked_at", ""))


@dataclass(slots=True)
class ConversationInfo:
    id: str
    title: str
    updated: str
    turns: int


class Conversations:
    """`owner` is "user:<name>" or "browser:<random id>"; it is stored only as a digest (a folder name)."""

    def __init__(self, home: Path):
        self.root = Path(home) / "conversations"

    def _folder(self, owner: str) -> Path:
        if not owner:
            raise ValueError("a conversation needs an owner (a user or a browser id)")
        return self.root / hashlib.sha256(owner.encode("utf-8")).hexdigest()[:32]

    def _file(self, owner: str, conversation_id: str) -> Path:
        if not _ID.match(conversation_id or ""):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return self._folder(owner) / f"{conversation_id}.json"

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def save(self, owner: str, conversation_id: str, turns: list[Turn]) -> None:
        path = self._file(owner, conversation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"id": conversation_id, "updated": time.strftime("%Y-%m-%d %H:%M"),
                "turns": [t.to_json() for t in turns]}
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, owner: str, conversation_id: str) -> list[Turn]:
        try:
            data = json.loads(self._file(owner, conversation_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [Turn.from_json(t) for t in data.get("turns", [])]

    def list(self, owner: str) -> list[ConversationInfo]:
        """Past conversations, newest first."""
        out = []
        if not owner:
            return out
        folder = self._folder(owner)
        for f in folder.glob("*.json") if folder.is_dir() else []:
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            turns = data.get("turns") or []
            if turns:
                out.append(ConversationInfo(data["id"], turns[0]["question"][:80], data.get("updated", ""),
                                            len(turns)))
        return sorted(out, key=lambda c: c.updated, reverse=True)

    def delete(self, owner: str, conversation_id: str) -> bool:
        try:
            self._file(owner, conversation_id).unlink()
            return True
        except (OSError, ValueError):
            return False


def to_markdown(turns: list[Turn], title: str = "Conversation") -> str:
    """The conversation with each answer's citations (source, page, language, the quote)."""
    lines = [f"# {title}", ""]
    for i, t in enumerate(turns, 1):
        a = t.answer
        lines += [f"## {i}. {t.question}", "", f"*{a.grade.replace('_', ' ')}*" + (f" · {t.asked_at}" if t.asked_at
                                                                                      else ""), ""]
        lines += [a.answer, ""]
        for c in a.citations:
            where = f", p. {c.page_label or c.page}" if c.page else ""
            lines.append(f"[{c.n}] {c.title} — `{c.source}`{where} ({c.language}{', ' + c.date if c.date else ''})")
            lines.append(f"> {' '.join(c.quote.split())}")
            lines.append("")
        for h in a.leads:
            lines.append(f"- {h.payload.get('title')} — `{h.source}`")
        lines.append("")
    return "\n".join(lines)
