"""A llama-index retriever over the same search, for pipelines built with llama-index."""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from kb.knowledge_base import KnowledgeBase
from kb.search import SearchOptions
from kb.types import SearchFilters


class KBRetriever(BaseRetriever):
    """Returns each hit as a TextNode (id = chunk id, metadata = the stored payload without the text)."""

    def __init__(self, kb: KnowledgeBase, top_k: int | None = None, filters: SearchFilters | None = None,
                 options: SearchOptions | None = None):
        super().__init__()
        self.kb = kb
        self.top_k = top_k
        self.filters = filters
        self.options = options

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.kb.search(query_bundle.query_str, self.top_k, self.filters, self.options)
        nodes = []
        for h in hits:
            meta = {k: v for k, v in h.payload.items() if k != "text" and v is not None}
            node = TextNode(id_=h.chunk_id, text=h.text, metadata=meta,
                            excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(meta))
            nodes.append(NodeWithScore(node=node, score=h.score))
        return nodes
