"""Embedded backend: Qdrant Edge (Qdrant's engine in-process), a shard folder under the data home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import qdrant_edge as qe

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
from kb.store.locking import OwnerLock
from kb.store.plan import Blend, DateRange, Match, Nearest, Rrf, StoreQuery, Where


def _condition(c: Match | DateRange):
    if isinstance(c, Match):
        match = qe.MatchValue(c.values[0]) if len(c.values) == 1 else qe.MatchAny(list(c.values))
        return qe.FieldCondition(key=c.key, match=match)
    return qe.FieldCondition(key=c.key, range=qe.RangeDateTime(
        gte=f"{c.since.isoformat()}T00:00:00Z" if c.since else None,
        lte=f"{c.until.isoformat()}T23:59:59Z" if c.until else None))


def _filter(where: Where | None):
    if where is None or (not where.must and not where.must_not):
        return None
    return qe.Filter(must=[_condition(c) for c in where.must] or None,
                     must_not=[_condition(c) for c in where.must_not] or None)


def _vector(using: str, vector):
    if using == SPARSE:
        return qe.SparseVector(indices=list(vector.indices), values=list(vector.values))
    return [float(x) for x in vector]


def _vectors(p: StorePoint) -> dict:
    out = {DENSE: [float(x) for x in p.dense], SPARSE: _vector(SPARSE, p.sparse)}
    if p.sentences:
        out[SENTENCES] = [[float(x) for x in row] for row in p.sentences]
    return out


class _ReadWriteLock:
    """Many readers or one writer: searches and updates share the shard; swapping in an optimised copy of it
    waits for them and holds them back for the moment of the swap."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def shared(self):
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class EdgeStore(Store):
    """A Qdrant Edge shard at `folder/shard`, identity in `folder/identity.json`, owned by one process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.location = str(folder)
        self._lock = OwnerLock(folder)
        self._lock.acquire()
        self._shard: qe.EdgeShard | None = None
        self._access = _ReadWriteLock()
        self._write_mutex = threading.Lock()  # updates, and the copy step of optimize_aside
        self._writes = 0
        self._recover_swap()
        try:
            if (self._shard_path / "edge_config.json").exists() or self._identity_path.exists():
                self._shard = qe.EdgeShard.load(str(self._shard_path))
        except Exception as e:  # noqa: BLE001
            self._lock.release()
            raise KBError(f"cannot open the embedded store at {self._shard_path}: {e}. If it is damaged, "
                          f"move it away and ingest again") from e

    def announce(self, url: str) -> None:
        """Tell other processes where the app that owns this store answers."""
        self._lock.announce(url)

    def _recover_swap(self) -> None:
        """Finish or undo a swap of an optimised copy that a crash interrupted."""
        shard, old, nxt = self._shard_path, self.folder / "shard.old", self.folder / "shard.next"
        if not shard.exists() and old.exists():
            old.rename(shard)  # crashed between the two renames: the old shard is complete
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(nxt, ignore_errors=True)

    @property
    def _shard_path(self) -> Path:
        return self.folder / "shard"

    @property
    def _identity_path(self) -> Path:
        return self.folder / "identity.json"

    def identity(self) -> dict | None:
        if not self._identity_path.exists() or self._shard is None:
            return None
        return json.loads(self._identity_path.read_text())

    def create(self, identity: dict, dim: int) -> None:
        shutil.rmtree(self._shard_path, ignore_errors=True)
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
                     # read only for the candidates of a query: half precision, on disk, no HNSW graph
                     SENTENCES: qe.EdgeVectorParams(
                         size=dim, distance=qe.Distance.Cosine,
                         multivector_config=qe.MultiVectorConfig(qe.MultiVectorComparator.MaxSim),
                         datatype=qe.VectorStorageDatatype.Float16, memory=qe.Memory.Cold,
                         hnsw_config=qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000))},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)})
        self._shard = qe.EdgeShard.create(str(self._shard_path), config)
        for name in KEYWORD_INDEXES:
            self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
        for name in INTEGER_INDEXES:
            self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Integer))
        for name in DATETIME_INDEXES:
            self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Datetime))
        tmp = self._identity_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(identity, indent=2, sort_keys=True))
        os.replace(tmp, self._identity_path)  # written last: a crash before this leaves "no collection"

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise KBError(f"the knowledge base at {self.folder} is empty; ingest documents first with `kb ingest PATH`")
        return self._shard

    def upsert(self, points: list[StorePoint]) -> None:
        if not points:
            return
        op = qe.UpdateOperation.upsert_points([qe.Point(id=p.id, vector=_vectors(p), payload=p.payload)
                                               for p in points])
        with self._write_mutex, self._access.shared():
            self.shard.update(op)
            self._writes += 1

    def delete(self, where: Where) -> None:
        with self._write_mutex, self._access.shared():
            self.shard.update(qe.UpdateOperation.delete_points_by_filter(_filter(where)))
            self._writes += 1

    def _node(self, node, where: Where | None):
        if isinstance(node, Nearest):
            return qe.Prefetch(limit=node.limit,
                               query=qe.Query.Nearest(_vector(node.using, node.vector), using=node.using),
                               filter=_filter(node.where.and_(where) if node.where else where))
        if isinstance(node, Rrf):
            return qe.Prefetch(limit=node.limit, prefetches=[self._node(c, where) for c in node.children],
                               query=qe.Fusion.Rrf(k=node.k, weights=list(node.weights) if node.weights else None))
        return qe.Prefetch(limit=node.limit, prefetches=[self._node(c, where) for c in node.dense + node.sparse],
                           query=self._blend_formula(node))

    def _blend_formula(self, node: Blend):
        E = qe.Expression
        n, m = len(node.dense), len(node.sparse)
        parts = [E.Variable(f"$score[{i}]") for i in range(n)]
        same = E.Condition(_filter(node.same_language)) if node.same_language else None
        if m:
            s = E.Sum([E.Variable(f"$score[{n + j}]") for j in range(m)])
            weight = (E.Sum([E.Constant(node.weight_other),
                             E.Mult([E.Constant(node.weight_same - node.weight_other), same])])
                      if same is not None else E.Constant(node.weight_same))
            parts.append(E.Mult([weight, E.Div(s, E.Sum([s, E.Constant(node.saturation)]), by_zero_default=0.0)]))
        if same is not None and node.bonus:
            parts.append(E.Mult([E.Constant(node.bonus), E.Sum([E.Constant(1.0), E.Neg(same)])]))
        return qe.Formula(E.Sum(parts), defaults={f"$score[{i}]": 0.0 for i in range(n + m)})

    def query(self, q: StoreQuery) -> list[ScoredRecord]:
        params = qe.SearchParams(hnsw_ef=q.hnsw_ef)
        node = q.node
        if isinstance(node, Nearest):
            req = qe.QueryRequest(limit=q.limit,
                                  query=qe.Query.Nearest(_vector(node.using, node.vector), using=node.using),
                                  filter=_filter(node.where.and_(q.where) if node.where else q.where), params=params,
                                  with_payload=q.with_payload, with_vector=list(q.with_vectors) or False)
        else:
            inner = self._node(node, q.where)
            req = qe.QueryRequest(limit=q.limit, prefetches=inner.prefetches, query=inner.query, params=params,
                                  with_payload=q.with_payload, with_vector=list(q.with_vectors) or False)
        with self._access.shared():
            found = self.shard.query(req)
        return [ScoredRecord(str(p.id), float(p.score), dict(p.payload or {}),
                             dict(p.vector) if q.with_vectors and p.vector else None) for p in found]

    def get(self, ids: list[str]) -> list[ScoredRecord]:
        if self._shard is None or not ids:
            return []
        import uuid

        valid = []
        for i in ids:
            try:
                valid.append(str(uuid.UUID(str(i))))
            except ValueError:
                continue  # not a point id: nothing to find
        if not valid:
            return []
        with self._access.shared():
            found = self.shard.retrieve([uuid.UUID(i) for i in valid], with_payload=True, with_vector=False)
        return [ScoredRecord(str(r.id), 0.0, dict(r.payload or {})) for r in found]

    def count(self, where: Where | None = None) -> int:
        if self._shard is None:
            return 0
        with self._access.shared():
            return self.shard.count(qe.CountRequest(filter=_filter(where), exact=True))

    def scroll(self, where: Where | None = None, fields: list[str] | None = None,
               batch: int = 1000) -> Iterator[ScoredRecord]:
        if self._shard is None:
            return
        offset = None
        while True:
            with self._access.shared():
                records, offset = self.shard.scroll(qe.ScrollRequest(
                    offset=offset, limit=batch, filter=_filter(where), with_payload=fields if fields else True,
                    with_vector=False))
            for r in records:
                yield ScoredRecord(str(r.id), 0.0, dict(r.payload or {}))
            if offset is None:
                return

    def facet(self, key: str, where: Where | None = None, limit: int = 10_000) -> dict[str, int]:
        if self._shard is None:
            return {}
        with self._access.shared():
            resp = self.shard.facet(qe.FacetRequest(key=key, limit=limit, exact=True, filter=_filter(where)))
        return {str(h.value): int(h.count) for h in resp.hits if h.count}

    def optimize(self) -> None:
        """Optimise in place (blocks searches until done: Qdrant Edge holds the shard meanwhile)."""
        if self._shard is not None:
            with self._write_mutex, self._access.shared():
                self._shard.optimize()

    def optimize_aside(self) -> bool:
        """Optimise a copy of the shard and swap it in, so that searches go on meanwhile: they wait only for
        the swap itself (closing one shard and opening the other). Gives up, keeping the store as it is, when
        anything was written while the copy was optimised. True when an optimised shard was swapped in."""
        if self._shard is None:
            return False
        nxt, old = self.folder / "shard.next", self.folder / "shard.old"
        shutil.rmtree(nxt, ignore_errors=True)
        with self._write_mutex:  # a consistent copy: no update runs while the files are copied
            with self._access.shared():
                self.shard.flush()
            shutil.copytree(self._shard_path, nxt)
            version = self._writes
        # in another process: Qdrant Edge keeps the interpreter's lock while it optimises, which would stop
        # every thread of this one (the web server included)
        run = subprocess.run([sys.executable, "-m", "kb.store.edge", "optimize", str(nxt)], capture_output=True,
                             text=True)
        if run.returncode not in (0, 3):  # 3: nothing to optimise
            shutil.rmtree(nxt, ignore_errors=True)
            raise KBError(f"optimising a copy of {self._shard_path} failed: {run.stderr.strip()[-300:]}")
        if run.returncode == 3:
            shutil.rmtree(nxt, ignore_errors=True)
            return False
        with self._write_mutex, self._access.exclusive():
            if self._writes != version:  # written meanwhile: the copy is stale
                shutil.rmtree(nxt, ignore_errors=True)
                return False
            self._shard.close()
            self._shard_path.rename(old)
            nxt.rename(self._shard_path)
            self._shard = qe.EdgeShard.load(str(self._shard_path))
        shutil.rmtree(old, ignore_errors=True)
        return True

    def drop(self) -> None:
        with self._write_mutex, self._access.exclusive():
            if self._shard is not None:
                self._shard.close()
                self._shard = None
        shutil.rmtree(self._shard_path, ignore_errors=True)
        self._identity_path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None
        self._lock.release()


def _optimize_folder(path: str) -> int:
    """Optimise the shard at `path` (exit code 3 when there was nothing to do)."""
    shard = qe.EdgeShard.load(path)
    changed = shard.optimize()
    shard.flush()
    shard.close()
    return 0 if changed else 3


if __name__ == "__main__":  # python -m kb.store.edge optimize FOLDER (see EdgeStore.optimize_aside)
    if len(sys.argv) == 3 and sys.argv[1] == "optimize":
        sys.exit(_optimize_folder(sys.argv[2]))
    sys.exit("usage: python -m kb.store.edge optimize SHARD_FOLDER")
