"""Retrieval quality on real third-party text (FLORES en/lt/lv in ../shared/eval/retrieval), through the real
pipeline and the real model. Slow: run with `pytest -m slow`."""

import pytest

from conftest import shared_path, write
from ingest.pipeline import Ingestor
from kb.evaluation import average, flores_source, load_flores, ranked_sources, score_ranking
from kb.knowledge_base import KnowledgeBase
from kb.search import SearchOptions
from kb.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flores_kb(e5, tmp_path_factory):
    data = shared_path("eval", "retrieval")
    passages, questions = load_flores(data)
    pids = sorted({p.pid for p in passages})
    keep = set(pids[::3])  # a third of the articles, in all three languages
    root = tmp_path_factory.mktemp("flores")
    for p in passages:
        if p.pid in keep:
            write(root / flores_source(p.lang, p.pid), f"---\ntitle: {p.pid}\nlanguage: {p.lang}\n---\n{p.text}\n")
    settings = Settings(home=root / "home", source_root=root)
    with KnowledgeBase.open(settings, embedder=e5) as kb:
        report = Ingestor(kb).ingest([root / "flores"])
        assert report.exit_code == 0 and len(report.files) == 3 * len(keep)
        yield kb, [q for q in questions if q.relevant[0]["source"].split("/")[-1][:-3] in keep]


def _mixed(kb, questions, options):
    any_rows, other_rows = [], []
    for q in questions:
        ranked = ranked_sources(kb.search(q.question, 30, None, options))
        any_rows.append(score_ranking(ranked, q.relevant))
        other_rows.append(score_ranking(ranked, [r for r in q.relevant if r["language"] != q.language]))
    return average(any_rows), average(other_rows)


def test_hybrid_beats_dense_in_the_mixed_collection(flores_kb):
    kb, questions = flores_kb
    dense_any, dense_other = _mixed(kb, questions, SearchOptions(mode="dense"))
    hybrid_any, hybrid_other = _mixed(kb, questions, SearchOptions(mode="hybrid"))
    # the same first hit as dense (MRR 0.779 vs 0.781 with the OpenVINO fp16 encoder), a better top 10 ...
    assert hybrid_any["mrr"] >= dense_any["mrr"] - 0.01
    assert hybrid_any["ndcg@10"] >= dense_any["ndcg@10"]
    assert hybrid_any["recall@10"] >= dense_any["recall@10"] - 0.01
    # the other-language version must not be crowded out by same-language passages
    assert hybrid_other["recall@10"] >= dense_other["recall@10"] + 0.05
    assert hybrid_other["recall@10"] >= 0.75


def test_score_blending_keeps_other_language_evidence_that_rank_fusion_buries(flores_kb):
    """Equal-weight RRF ranks same-language matches slightly higher, but pushes the other-language versions out
    of the top 10; the score blend keeps them (the reason it is the default). Measured with the OpenVINO fp16
    encoder: other-language recall@10 0.887 (blend) vs 0.745 (RRF)."""
    kb, questions = flores_kb
    blend_any, blend_other = _mixed(kb, questions, SearchOptions(mode="hybrid"))
    rrf_any, rrf_other = _mixed(kb, questions, SearchOptions(mode="hybrid", fusion="rrf"))
    assert blend_other["recall@10"] >= rrf_other["recall@10"] + 0.10
    assert blend_other["mrr"] >= rrf_other["mrr"] + 0.05
    assert blend_any["recall@10"] >= rrf_any["recall@10"] - 0.03
