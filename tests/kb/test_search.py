"""Search over a real embedded store: modes, filters, the llama-index retriever; the real model where
quality is the point (cross-lingual evidence must reach the top)."""

from datetime import date

import pytest

from conftest import write
from ingest.pipeline import Ingestor
from kb.errors import ConfigError
from kb.knowledge_base import KnowledgeBase
from kb.retriever import KBRetriever
from kb.search import SearchOptions
from kb.settings import Settings
from kb.types import SearchFilters

DOCS = {
    "seminars/lt_transport.md": ("lt", "seminar_notes", "2022-03-15",
        "Seminare Klaipėdoje aptartas bendras viešojo transporto bilietas tarp Klaipėdos ir Liepojos. "
        "Dalyvavo 42 savivaldybių atstovai. Pasiūlyta suderinti autobusų tvarkaraščius pasienyje."),
    "seminars/lv_energy.md": ("lv", "seminar_notes", "2022-10-04",
        "Ventspils seminārā par enerģētiku pašvaldības apsprieda saules paneļus uz skolu jumtiem. "
        "Kuldīgas novads iepazīstināja ar siltumtīklu modernizāciju. Piedalījās 35 dalībnieki."),
    "study-visits/en_finland.md": ("en", "study_visit", "2023-05-10",
        "During the study visit to Southwest Finland the delegation learned how Turku coordinates regional "
        "innovation ecosystems with universities. The Finnish partners shared their data platform."),
    "study-visits/lv_pomerania.md": ("lv", "study_visit", "2022-09-20",
        "Studiju vizītē Pomerānijā dalībnieki iepazinās ar Gdaņskas metropoles sabiedriskā transporta "
        "vienoto biļeti un tās ieviešanas pieredzi."),
    "krss2030/en_strategy.md": ("en", "strategy", "2021-12-01",
        "The Klaipeda region specialisation strategy to 2030 sets the horizontal priority of an educating "
        "region, with action plans for schools, vocational training and lifelong learning."),
}


def _ingest(kb, root):
    for rel, (lang, typ, when, text) in DOCS.items():
        write(root / rel, f"---\ntitle: {rel}\nlanguage: {lang}\ntype: {typ}\ndate: {when}\n---\n{text}\n")
    report = Ingestor(kb).ingest([root / "seminars", root / "study-visits", root / "krss2030"])
    assert report.exit_code == 0


@pytest.fixture
def loaded(kb, tmp_path):
    _ingest(kb, tmp_path)
    return kb


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_every_mode_finds_a_lexically_matching_document(loaded, mode):
    hits = loaded.search("Ventspils seminārā enerģētiku saules paneļus", 3, options=SearchOptions(mode=mode))
    assert hits and hits[0].source == "seminars/lv_energy.md"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))


def test_filters_restrict_every_mode(loaded):
    for mode in ("dense", "sparse", "hybrid"):
        opts = SearchOptions(mode=mode)
        # each filter keeps some documents (a subset check alone would pass on zero hits) and only those
        in_lv = loaded.search("transport", 10, SearchFilters(languages=["lv"]), opts)
        assert in_lv and {h.payload["language"] for h in in_lv} == {"lv"}
        typed = loaded.search("transport", 10, SearchFilters(doc_types=["study_visit"]), opts)
        assert typed and {h.payload["doc_type"] for h in typed} == {"study_visit"}
        dated = loaded.search("transport", 10, SearchFilters(since=date(2022, 9, 1), until=date(2022, 12, 31)), opts)
        assert dated and {h.source for h in dated} <= {"seminars/lv_energy.md", "study-visits/lv_pomerania.md"}
        globbed = loaded.search("transport", 10, SearchFilters(source_glob="study-visits/*"), opts)
        assert globbed and {h.source for h in globbed} <= {"study-visits/en_finland.md",
                                                          "study-visits/lv_pomerania.md"}


def test_empty_date_range_and_unknown_mode_are_errors(loaded):
    with pytest.raises(ConfigError, match="date range is empty"):
        loaded.search("x", 5, SearchFilters(since=date(2023, 1, 1), until=date(2022, 1, 1)))
    with pytest.raises(ConfigError, match="unknown search mode"):
        loaded.search("x", 5, options=SearchOptions(mode="fuzzy"))


def test_blank_query_returns_nothing(loaded):
    assert loaded.search("   ", 5) == []


def test_llama_index_retriever_returns_nodes_with_provenance(loaded):
    nodes = KBRetriever(loaded, top_k=2).retrieve("Turku innovation ecosystems universities")
    assert len(nodes) == 2
    top = nodes[0]
    assert top.node.metadata["source"] == "study-visits/en_finland.md"
    assert "Turku" in top.node.get_content() and top.score is not None


def test_real_model_cross_lingual_evidence_reaches_the_top(e5, kb_home, tmp_path):
    """A Lithuanian question whose evidence is Latvian and English: hybrid search over the mixed collection
    ranks it first, with the real model."""
    settings = Settings(home=kb_home, source_root=tmp_path)
    with KnowledgeBase.open(settings, embedder=e5) as kb:
        _ingest(kb, tmp_path)
        hits = kb.search("Kokią patirtį su vieningu viešojo transporto bilietu dalyviai matė Pomeranijoje?", 5)
        assert hits[0].source == "study-visits/lv_pomerania.md"
        hits = kb.search("Kas buvo aptarta apie saulės elementus ant mokyklų stogų?", 5)
        assert hits[0].source == "seminars/lv_energy.md"
        hits = kb.search("Kaip Turku koordinuoja inovacijų ekosistemas?", 5)
        assert hits[0].source == "study-visits/en_finland.md"
