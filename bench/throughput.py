"""Ingestion throughput beside raw encoder throughput on the same chunks, in the same run.

Ingests a folder (default: the FLORES passages written as Markdown, else corpus/) into a fresh data home
through the real pipeline (parse, chunk, detect language, embed, sparse-encode, upsert), then encodes the very
same chunk texts with the bare embedder. The ratio ingest/encoder shows what the pipeline costs on top of the
model; since ingestion also embeds every sentence of every chunk (the answers' evidence), the bare encoder is
timed on those sentences too, and `ingest_vs_encoder_same_work` compares like with like. Also prints peak
memory (ru_maxrss) and the model load time.

usage: python bench/throughput.py [PATH] [--threads N] [--batch N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.pipeline import Ingestor  # noqa: E402
from kb.evaluation import load_flores, write_flores_docs  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.sentences import contextual, evidence_spans, readable, sentence_context  # noqa: E402
from kb.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def flores_folder(work: Path) -> Path | None:
    data = ROOT.parent / "shared/eval/retrieval"
    if not (data / "flores_ict_corpus.jsonl").is_file():
        return None
    passages, _ = load_flores(data)
    return write_flores_docs(passages, work)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", type=Path)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kb-tp-"))
    work = home / "docs"
    src = a.path or flores_folder(work) or ROOT / "corpus"
    overrides = {k: v for k, v in {"embed_threads": a.threads, "embed_batch_size": a.batch,
                                   "embed_device": a.device}.items() if v}
    settings = Settings(home=home, source_root=src.parent, **overrides)
    with KnowledgeBase.open(settings) as kb:
        t = time.perf_counter()
        kb.embedder.embed_passages(["warm up"])
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        report = Ingestor(kb).ingest([src])
        ingest_s = time.perf_counter() - t
        rows = [r.payload for r in kb.points(["text", "section", "title"])]
        texts = [f"{p['section']}\n{p['text']}" if p.get("section") else p["text"] for p in rows]
        sentences = [contextual(readable(p["text"][x:y]), sentence_context(p.get("title"), p.get("section")))
                     for p in rows for x, y in (evidence_spans(p["text"]) or [(0, len(p["text"]))])]
        bare = kb.embedder.inner  # the model itself, no cache
        t = time.perf_counter()
        bare.embed_passages(texts)
        encode_s = time.perf_counter() - t
        t = time.perf_counter()
        bare.embed_passages(sentences)
        sentences_s = time.perf_counter() - t
    n = report.chunks()
    out = {"source": str(src), "files": len(report.files), "chunks": n, "threads": settings.embed_threads,
           "batch": settings.embed_batch_size, "device": settings.embed_device, "model_load_s": round(load_s, 1),
           "ingest_s": round(ingest_s, 1), "ingest_chunks_per_s": round(n / ingest_s, 2),
           "encoder_s": round(encode_s, 1), "encoder_chunks_per_s": round(len(texts) / encode_s, 2),
           "ingest_vs_encoder": round((n / ingest_s) / (len(texts) / encode_s), 3),
           # the pipeline also embeds every sentence (the answers' evidence): against the encoder doing the same work
           "sentences": len(sentences), "encoder_sentences_s": round(sentences_s, 1),
           "ingest_vs_encoder_same_work": round(((encode_s + sentences_s) / ingest_s), 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
