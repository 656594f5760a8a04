"""planning-kb: a multilingual (lt/lv/en) knowledge base for regional planners — ingestion, hybrid search and
answers with verified citations over Qdrant.

The Python API::

    import kb

    with kb.open() as base:                           # settings from KB_* variables (or kb.open(kb.Settings(...)))
        report = kb.ingest(base, ["corpus/"])         # files -> chunks -> the store; report.to_json()
        for hit in base.search("Ventspils konference", k=5, filters=kb.parse_filters(languages="lv,lt")):
            print(hit.rank, hit.source, hit.payload["page"], hit.text[:80])
        answer = base.ask("Kiek kainavo studijų vizitas į Pomeraniją?")
        print(answer.grade, answer.answer, [c.source for c in answer.citations])

Names are loaded on first use, so `import kb` stays cheap.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["Answer", "Citation", "DocInfo", "Hit", "KBError", "KnowledgeBase", "SearchFilters", "Settings", "ingest",
           "open", "parse_filters"]
_LAZY = {"Settings": "kb.settings", "KnowledgeBase": "kb.knowledge_base", "Answer": "kb.types",
         "Citation": "kb.types", "DocInfo": "kb.types", "Hit": "kb.types", "SearchFilters": "kb.types",
         "KBError": "kb.errors", "parse_filters": "kb.filters"}
INGESTORS = "planning_kb.ingestors"  # entry-point group of the function that ingests files (ingest/ provides it)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")


def open(settings=None):  # noqa: A001 - the natural name: kb.open()
    """Open the knowledge base the settings name (default: Settings() from KB_* variables)."""
    from kb.knowledge_base import KnowledgeBase

    return KnowledgeBase.open(settings)


def ingest(base, paths, force: bool = False, prune: bool = False):
    """Ingest files or folders into an open knowledge base; returns the per-file report. The ingestion package
    registers itself as the `planning_kb.ingestors` entry point: the library never imports it."""
    from importlib.metadata import entry_points

    from kb.errors import ConfigError

    found = list(entry_points(group=INGESTORS))
    if not found:
        raise ConfigError("no ingestion package is installed (entry point group planning_kb.ingestors); "
                          "install planning-kb with `pip install -e .`")
    return found[0].load()(base, paths, force=force, prune=prune)
