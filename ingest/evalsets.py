"""Evaluation collections: the documents and questions of each answer set, built into a data home of their own.

Four sets, each with answerable questions (most of them cross-lingual) and near-miss unanswerable ones:
- `own`: the sample corpus (`corpus/`) with `corpus/eval/planning_eval.jsonl` — written with the corpus;
- `dev`: `evalsets/dev/`, an independent collection (other regions and topics) written by someone who had not
  seen `corpus/`; with `own` it is where parameters are chosen;
- `independent`: `evalsets/independent/`, a second independent collection, only ever reported on;
- `shared`: questions written about real third-party text in `../shared/eval` (FLORES passages, each article in
  one language only, some withheld to make near misses; two real PDFs and two parliament pages), only reported
  on; skipped where `../shared` is absent.
The FLORES retrieval set (`kb eval ../shared/eval/retrieval`) is built here too."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError
from kb.evaluation import Question, load_flores, load_questions, write_flores_docs
from kb.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]
SHARED_EVAL = PROJECT.parent / "shared" / "eval"
FLORES_LANGUAGES = ("en", "lt", "lv")


@dataclass(frozen=True, slots=True)
class AnswerSet:
    """One evaluation collection: what to ingest (relative to `source_root`) and its questions."""

    name: str
    questions: Path
    source_root: Path
    documents: tuple[Path, ...]
    role: str  # "fit": parameters are chosen on it; "report": figures only

    def available(self) -> bool:
        return self.questions.is_file() and all(p.exists() for p in self.documents)

    def load_questions(self) -> list[Question]:
        return load_questions(self.questions)


def answer_sets(project: Path = PROJECT, shared_eval: Path = SHARED_EVAL) -> dict[str, AnswerSet]:
    """The four sets by name (a set whose files are missing is left out)."""
    sets = [
        AnswerSet("own", project / "corpus" / "eval" / "planning_eval.jsonl", project, (project / "corpus",), "fit"),
        AnswerSet("dev", project / "evalsets" / "dev" / "questions.jsonl", project / "evalsets" / "dev",
                  (project / "evalsets" / "dev" / "docs",), "fit"),
        AnswerSet("independent", project / "evalsets" / "independent" / "questions.jsonl",
                  project / "evalsets" / "independent", (project / "evalsets" / "independent" / "docs",), "report"),
    ]
    shared_q = project / "evalsets" / "shared_qa" / "questions.jsonl"
    if shared_eval.is_dir() and shared_q.is_file():
        # the documents are materialised into the set's data home at build time (see build)
        sets.append(AnswerSet("shared", shared_q, Path(), (), "report"))
    return {s.name: s for s in sets if s.name == "shared" or s.available()}


def _materialise_shared(folder: Path, project: Path, shared_eval: Path) -> Path:
    """Write the shared set's collection under `folder`: each FLORES article in its one language, minus the
    withheld ones, and the real files (copied from ../shared/eval, outside the project)."""
    spec = json.loads((project / "evalsets" / "shared_qa" / "collection.json").read_text(encoding="utf-8"))
    withheld = set(spec.get("withheld", []))
    passages, _ = load_flores(shared_eval / "retrieval")
    keep = [p for p in passages if p.pid not in withheld
            and p.lang == FLORES_LANGUAGES[int(p.pid.rsplit("-", 1)[1]) % 3]]
    write_flores_docs(keep, folder)
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    for name in spec.get("files", []):
        target = files / name
        if not target.exists():
            shutil.copyfile(shared_eval / "files" / name, target)
    return folder


def build(answer_set: AnswerSet, home: Path, settings: Settings | None = None, project: Path = PROJECT,
          shared_eval: Path = SHARED_EVAL) -> Settings:
    """Ingest the set's documents into `home` (incremental: unchanged files are skipped) and return the
    settings that open it. A store built with another configuration is rebuilt."""
    from ingest.library import Library
    from kb.errors import IdentityMismatchError
    from kb.knowledge_base import KnowledgeBase

    base = settings or Settings()
    if answer_set.name == "shared":
        root = _materialise_shared(home / "docs", project, shared_eval)
        documents: tuple[Path, ...] = (root / "flores", root / "files")
    else:
        root, documents = answer_set.source_root, answer_set.documents
    s = base.model_copy(update={"home": home, "source_root": root})
    with KnowledgeBase.open(s) as kb:
        try:
            kb.prepare_for_writes()
        except IdentityMismatchError:
            kb.delete_all()
        library = Library(kb)
        report = library.add(list(documents), "eval")
        library.prune([p for p in documents if p.is_dir()])
    failed = [f for f in report.files if f.status == "failed"]
    if failed:
        raise KBError(f"{len(failed)} documents of the {answer_set.name!r} set failed to ingest, e.g. "
                      f"{failed[0].path}: {failed[0].error}")
    return s


def build_flores(eval_dir: Path, home: Path, settings: Settings | None = None) -> tuple[Settings, list[Question]]:
    """The FLORES retrieval set (every article in en/lt/lv, one mixed collection) ingested under `home`."""
    from ingest.pipeline import Ingestor
    from kb.knowledge_base import KnowledgeBase

    passages, questions = load_flores(eval_dir)
    docs = write_flores_docs(passages, home / "docs")
    s = (settings or Settings()).model_copy(update={"home": home, "source_root": home / "docs"})
    with KnowledgeBase.open(s) as kb:
        report = Ingestor(kb).ingest([docs])
    if report.failed:
        raise KBError(f"{len(report.failed)} FLORES passages failed to ingest: {report.failed[0].error}")
    return s, questions
