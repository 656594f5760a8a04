"""The sample corpus and its evaluation set stay what the README promises."""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from ingest.pipeline import iter_files

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "corpus_src"))
from build_eval import locate, parsed  # noqa: E402

EVAL = ROOT / "corpus" / "eval" / "planning_eval.jsonl"


def _documents():
    return [p for p, err in iter_files([ROOT / "corpus"]) if err is None]


def test_corpus_has_forty_documents_in_three_languages_and_four_formats():
    docs = _documents()
    assert len(docs) >= 40
    assert not any("eval" in p.parts for p in docs)  # .kbignore keeps the evaluation set out
    langs = Counter(parsed(p.relative_to(ROOT).as_posix())[1]["language"] for p in docs)
    assert all(langs[lang] >= 10 for lang in ("lt", "lv", "en")), langs
    formats = Counter(p.suffix for p in docs)
    assert {".pdf", ".docx", ".html", ".md", ".txt"} <= set(formats)
    types = Counter(parsed(p.relative_to(ROOT).as_posix())[1]["doc_type"] for p in docs)
    assert {"guide", "seminar_notes", "study_visit", "strategy", "action_plan", "analysis", "conference",
            "brochure", "one_pager"} <= set(types)
    assert types["one_pager"] >= 10


def test_guide_pdfs_are_multi_page_with_chapters():
    for name in ("cross_border_planning_guide_en.pdf", "tarpvalstybinio_planavimo_gidas_lt.pdf"):
        doc, meta = parsed(f"corpus/guide/{name}")
        assert len(doc.pages) >= 10 and meta["doc_type"] == "guide"
        chapters = {s.path.split(" > ")[0] for s in doc.sections if s.path}
        assert len(chapters) >= 6


def test_evaluation_set_meets_its_quotas_and_every_evidence_is_where_it_says():
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 120 and len({r["id"] for r in rows}) == len(rows)
    by_lang = Counter(r["language"] for r in rows)
    assert all(by_lang[lang] >= 40 for lang in ("lt", "lv", "en")), by_lang
    answerable = [r for r in rows if r["answerable"]]
    cross = [r for r in answerable if all(x["language"] != r["language"] for x in r["relevant"])]
    assert len(cross) >= 30
    assert sum(1 for r in rows if r.get("filters")) >= 10
    assert sum(1 for r in rows if not r["answerable"]) >= 15
    for r in answerable:
        assert r["relevant"], r["id"]
        for rel in r["relevant"]:
            page, lang = locate(rel["source"], rel["evidence"])
            assert (page, lang) == (rel.get("page"), rel["language"]), r["id"]
    for r in rows:
        if not r["answerable"]:
            assert r["relevant"] == []


def test_one_event_has_one_date_and_place_across_languages():
    """The final conference (17 May 2023, Ventspils) and the Pomerania visit (6-8 June 2022) agree in every
    document that has them in its metadata."""
    dates = {}
    for p in _documents():
        if "final_conference" in p.name or "pomerania" in p.name:
            dates[p.name] = parsed(p.relative_to(ROOT).as_posix())[1]["date"]
    assert {d for n, d in dates.items() if "final_conference" in n} == {"2023-05-17"}
    assert {d for n, d in dates.items() if "pomerania" in n} == {"2022-06-06"}


@pytest.mark.slow
def test_hybrid_beats_dense_on_the_project_set(e5, kb_home):
    from ingest.pipeline import Ingestor
    from kb.evaluation import load_questions, run_eval
    from kb.knowledge_base import KnowledgeBase
    from kb.search import SearchOptions
    from kb.settings import Settings

    with KnowledgeBase.open(Settings(home=kb_home, source_root=ROOT), embedder=e5) as kb:
        assert Ingestor(kb).ingest([ROOT / "corpus"]).exit_code == 0
        questions = load_questions(EVAL)
        hybrid = run_eval(kb, questions, SearchOptions(mode="hybrid"))["metrics"]["overall"]
        dense = run_eval(kb, questions, SearchOptions(mode="dense"))["metrics"]["overall"]
    assert hybrid["recall@10"] >= 0.9 and hybrid["mrr"] > dense["mrr"] and hybrid["recall@10"] > dense["recall@10"]
