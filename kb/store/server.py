"""Scale-out backend: a Qdrant server or cluster through qdrant-client (same schema and queries as Edge).

Also opens qdrant-client's local mode (`location=":memory:"` or a folder) so the same translation code is
exercised in tests where no server is available."""

from __future__ import annotations

from collections.abc import Iterator

from kb.errors import KBError
from kb.store.base import (
    DATETIME_INDEXES,
    DENSE,
    INTEGER_INDEXES,
    KEYWORD_INDEXES,
    SENTENCES,
    SPARSE,
    ScoredRecord,
    Store,
    StorePoint,
)
from kb.store.plan import Blend, DateRange, Match, Nearest, Rrf, StoreQuery, Where


class ServerStore(Store):
    """One collection on a Qdrant server (`url`) or in qdrant-client local mode (`path` / ":memory:")."""

    def __init__(self, collection: str, url: str | None = None, api_key: str | None = None, path: str | None = None,
                 shards: int = 1, replicas: int = 1, timeout: int = 30):
        from qdrant_client import QdrantClient, models

        self.m = models
        self.collection = collection
        self.shards, self.replicas = shards, replicas
        self.location = f"{url or path}#{collection}"
        try:
            self._local = url is None
            if url == ":memory:" or path == ":memory:":
                self._local = True
                self.client = QdrantClient(location=":memory:")
            elif path:
                self.client = QdrantClient(path=path)
            else:
                self.client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
            self._exists = self.client.collection_exists(collection)
        except Exception as e:  # noqa: BLE001
            raise KBError(f"cannot reach the Qdrant server at {url or path}: {e}. Check KB_QDRANT_URL / "
                          "KB_QDRANT_API_KEY, or unset KB_QDRANT_URL to use the embedded store") from e

    # -- filters and plans -------------------------------------------------------------------------------------
    def _condition(self, c: Match | DateRange):
        m = self.m
        if isinstance(c, Match):
            match = m.MatchValue(value=c.values[0]) if len(c.values) == 1 else m.MatchAny(any=list(c.values))
            return m.FieldCondition(key=c.key, match=match)
        return m.FieldCondition(key=c.key, range=m.DatetimeRange(
            gte=f"{c.since.isoformat()}T00:00:00Z" if c.since else None,
            lte=f"{c.until.isoformat()}T23:59:59Z" if c.until else None))

    def _filter(self, where: Where | None):
        if where is None or (not where.must and not where.must_not):
            return None
        return self.m.Filter(must=[self._condition(c) for c in where.must] or None,
                             must_not=[self._condition(c) for c in where.must_not] or None)

    def _vector(self, using: str, vector):
        if using == SPARSE:
            return self.m.SparseVector(indices=list(vector.indices), values=list(vector.values))
        return [float(x) for x in vector]

    def _prefetch(self, node, where: Where | None, params):
        m = self.m
        if isinstance(node, Nearest):
            return m.Prefetch(query=self._vector(node.using, node.vector), using=node.using, limit=node.limit,
                              filter=self._filter(node.where.and_(where) if node.where else where), params=params)
        if isinstance(node, Rrf):
            return m.Prefetch(prefetch=[self._prefetch(c, where, params) for c in node.children], limit=node.limit,
                              query=m.RrfQuery(rrf=m.Rrf(k=node.k,
                                                         weights=list(node.weights) if node.weights else None)))
        return m.Prefetch(prefetch=[self._prefetch(c, where, params) for c in node.dense + node.sparse],
                          limit=node.limit, query=self._formula(node))

    def _formula(self, node: Blend):
        m = self.m
        n, k = len(node.dense), len(node.sparse)
        parts: list = [f"$score[{i}]" for i in range(n)]
        same = self._filter(node.same_language) if node.same_language else None
        if k:
            s = m.SumExpression(sum=[f"$score[{n + j}]" for j in range(k)])
            weight = (m.SumExpression(sum=[node.weight_other, m.MultExpression(
                mult=[node.weight_same - node.weight_other, same])]) if same is not None else node.weight_same)
            parts.append(m.MultExpression(mult=[weight, m.DivExpression(div=m.DivParams(
                left=s, right=m.SumExpression(sum=[s, node.saturation]), by_zero_default=0.0))]))
        if same is not None and node.bonus:
            parts.append(m.MultExpression(mult=[node.bonus, m.SumExpression(sum=[1.0, m.NegExpression(neg=same)])]))
        return m.FormulaQuery(formula=m.SumExpression(sum=parts),
                              defaults={f"$score[{i}]": 0.0 for i in range(n + k)})

    # -- the interface -----------------------------------------------------------------------------------------
    def identity(self) -> dict | None:
        if not self._exists:
            return None
        meta = self.client.get_collection(self.collection).config.metadata or {}
        return meta.get("kb_identity")

    def create(self, identity: dict, dim: int) -> None:
        m = self.m
        self.client.create_collection(
            self.collection, vectors_config={
                DENSE: m.VectorParams(size=dim, distance=m.Distance.COSINE),
                SENTENCES: m.VectorParams(size=dim, distance=m.Distance.COSINE, on_disk=True,
                                          datatype=m.Datatype.FLOAT16, hnsw_config=m.HnswConfigDiff(m=0),
                                          multivector_config=m.MultiVectorConfig(
                                              comparator=m.MultiVectorComparator.MAX_SIM))},
            sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            shard_number=self.shards, replication_factor=self.replicas, metadata={"kb_identity": identity})
        if self._local:  # local mode ignores payload indexes (and warns about them)
            self._exists = True
            return
        for name in KEYWORD_INDEXES:
            self.client.create_payload_index(self.collection, name, m.PayloadSchemaType.KEYWORD)
        for name in INTEGER_INDEXES:
            self.client.create_payload_index(self.collection, name, m.PayloadSchemaType.INTEGER)
        for name in DATETIME_INDEXES:
            self.client.create_payload_index(self.collection, name, m.PayloadSchemaType.DATETIME)
        self._exists = True

    def _require(self) -> None:
        if not self._exists:
            raise KBError(f"the collection {self.location} does not exist yet; ingest documents first with "
                          "`kb ingest PATH`")

    def upsert(self, points: list[StorePoint]) -> None:
        if not points:
            return
        self._require()
        m = self.m
        def vectors(p: StorePoint) -> dict:
            out = {DENSE: [float(x) for x in p.dense], SPARSE: self._vector(SPARSE, p.sparse)}
            if p.sentences:
                out[SENTENCES] = [[float(x) for x in row] for row in p.sentences]
            return out

        self.client.upsert(self.collection, wait=True, points=[
            m.PointStruct(id=p.id, vector=vectors(p), payload=p.payload) for p in points])

    def delete(self, where: Where) -> None:
        self._require()
        self.client.delete(self.collection, points_selector=self.m.FilterSelector(filter=self._filter(where)),
                           wait=True)

    def query(self, q: StoreQuery) -> list[ScoredRecord]:
        self._require()
        m = self.m
        params = None if self._local else m.SearchParams(hnsw_ef=q.hnsw_ef)  # local mode is exact anyway
        node = q.node
        if isinstance(node, Nearest):
            res = self.client.query_points(
                self.collection, query=self._vector(node.using, node.vector), using=node.using,
                query_filter=self._filter(node.where.and_(q.where) if node.where else q.where), search_params=params,
                limit=q.limit, with_payload=q.with_payload, with_vectors=list(q.with_vectors) or False)
        else:
            inner = self._prefetch(node, q.where, params)
            res = self.client.query_points(self.collection, prefetch=inner.prefetch, query=inner.query,
                                           limit=q.limit, with_payload=q.with_payload,
                                           with_vectors=list(q.with_vectors) or False)
        return [ScoredRecord(str(p.id), float(p.score), dict(p.payload or {}),
                             dict(p.vector) if q.with_vectors and isinstance(p.vector, dict) else None)
                for p in res.points]

    def get(self, ids: list[str]) -> list[ScoredRecord]:
        if not self._exists or not ids:
            return []
        import uuid

        valid = []
        for i in ids:
            try:
                valid.append(str(uuid.UUID(str(i))))
            except ValueError:
                continue
        if not valid:
            return []
        found = self.client.retrieve(self.collection, ids=valid, with_payload=True, with_vectors=False)
        return [ScoredRecord(str(r.id), 0.0, dict(r.payload or {})) for r in found]

    def count(self, where: Where | None = None) -> int:
        if not self._exists:
            return 0
        return self.client.count(self.collection, count_filter=self._filter(where), exact=True).count

    def scroll(self, where: Where | None = None, fields: list[str] | None = None,
               batch: int = 1000) -> Iterator[ScoredRecord]:
        if not self._exists:
            return
        offset = None
        while True:
            records, offset = self.client.scroll(self.collection, scroll_filter=self._filter(where), limit=batch,
                                                 offset=offset, with_payload=fields if fields else True,
                                                 with_vectors=False)
            for r in records:
                yield ScoredRecord(str(r.id), 0.0, dict(r.payload or {}))
            if offset is None:
                return

    def facet(self, key: str, where: Where | None = None, limit: int = 10_000) -> dict[str, int]:
        if not self._exists:
            return {}
        res = self.client.facet(self.collection, key=key, facet_filter=self._filter(where), limit=limit, exact=True)
        return {str(h.value): int(h.count) for h in res.hits if h.count}

    def drop(self) -> None:
        if self._exists:
            self.client.delete_collection(self.collection)
        self._exists = False

    def close(self) -> None:
        self.client.close()
