"""Store backends behind one interface: the same tests run on Qdrant Edge, on qdrant-client's local mode
(the server backend's translation code) and on a real Qdrant server when KB_QDRANT_URL is set."""

import os
import uuid
from datetime import date

import numpy as np
import pytest

from kb.errors import IdentityMismatchError, StoreLockedError
from kb.sparse import SparseVector
from kb.store.base import StorePoint, check_identity, doc_id_for, point_id
from kb.store.edge import EdgeStore
from kb.store.plan import Blend, DateRange, Match, Nearest, StoreQuery, Where
from kb.store.server import ServerStore

SERVER_URL = os.environ.get("KB_QDRANT_URL")
BACKENDS = ["edge", "client-local",
            pytest.param("server", marks=pytest.mark.skipif(not SERVER_URL, reason="KB_QDRANT_URL not set: "
                                                                                   "no Qdrant server to test against"))]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    if request.param == "edge":
        s = EdgeStore(tmp_path / "edge")
    elif request.param == "client-local":
        s = ServerStore("kbtest", path=":memory:")
    else:
        s = ServerStore(f"kbtest_{uuid.uuid4().hex[:8]}", url=SERVER_URL, api_key=os.environ.get("KB_QDRANT_API_KEY"))
    yield s
    if request.param == "server":
        s.drop()
    s.close()


def _points(n=30, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    pts = []
    for i in range(n):
        v = rng.normal(size=dim)
        v /= np.linalg.norm(v)
        lang = ["lt", "lv", "en"][i % 3]
        pts.append(StorePoint(point_id("doc", "sha", i), v.tolist(), SparseVector([i % 5, 1000 + i], [1.0, 0.5]),
                              {"doc_id": f"d{i // 10}", "source": f"docs/d{i // 10}.md", "chunk_index": i % 10,
                               "language": lang, "chunk_language": lang,
                               "doc_type": "seminar_notes" if i < 10 else "guide",
                               "date": f"2022-{1 + i % 12:02d}-10", "content_sha256": "sha", "text": f"t{i}"}))
    return pts


def test_ids_are_deterministic():
    assert point_id("a", "h", 3) == point_id("a", "h", 3) != point_id("a", "h", 4)
    assert doc_id_for("corpus/x.md") == doc_id_for("corpus/x.md") != doc_id_for("corpus/y.md")
    uuid.UUID(point_id("a", "h", 0))


def test_upsert_count_and_idempotent_rewrite(store):
    store.ensure({"model": "m"}, 8)
    pts = _points()
    store.upsert(pts)
    store.upsert(pts)  # same ids: no duplicates
    assert store.count() == 30
    assert store.count(Where((Match("chunk_language", ("lt",)),))) == 10


def test_identity_is_recorded_and_mismatch_refused(store):
    store.ensure({"model": "a", "dim": 8}, 8)
    assert store.identity() == {"model": "a", "dim": 8}
    store.ensure({"model": "a", "dim": 8}, 8)
    with pytest.raises(IdentityMismatchError, match="model: stored 'a', now 'b'"):
        store.ensure({"model": "b", "dim": 8}, 8)


def test_filters_dates_types_and_delete(store):
    store.ensure({"m": 1}, 8)
    store.upsert(_points())
    spring = Where((DateRange("date", date(2022, 3, 1), date(2022, 5, 31)),))
    assert store.count(spring) == 9  # i % 12 in (2, 3, 4): i = 2-4, 14-16, 26-28
    assert store.count(Where((Match("doc_type", ("guide",)), Match("language", ("lv", "en"))))) == 14
    store.delete(Where((Match("doc_id", ("d0",)),)))
    assert store.count() == 20
    assert store.facet("source") == {"docs/d1.md": 10, "docs/d2.md": 10}


def test_dense_and_sparse_queries_rank_expected_points(store):
    store.ensure({"m": 1}, 8)
    pts = _points()
    store.upsert(pts)
    top = store.query(StoreQuery(Nearest("dense", pts[7].dense, 3), 3))
    assert top[0].id == pts[7].id and top[0].score == pytest.approx(1.0, abs=1e-5)
    sparse = store.query(StoreQuery(Nearest("sparse", SparseVector([1007], [1.0]), 3), 3))
    assert [r.id for r in sparse] == [pts[7].id]
    lt_only = store.query(StoreQuery(Nearest("dense", pts[7].dense, 5), 5, where=Where((Match("language", ("lt",)),))))
    assert {r.payload["language"] for r in lt_only} == {"lt"}


def test_blend_adds_bounded_sparse_bonus_and_language_bonus(store):
    store.ensure({"m": 1}, 8)
    pts = _points()
    store.upsert(pts)
    q = pts[0].dense
    plain = {r.id: r.score for r in store.query(StoreQuery(Nearest("dense", q, 30), 30))}
    blend = Blend(dense=(Nearest("dense", q, 30),),
                  sparse=(Nearest("sparse", SparseVector([1005, 1000], [1.0, 1.0]), 30),),
                  limit=30, saturation=1.0, weight_same=0.5, weight_other=0.2, bonus=0.1,
                  same_language=Where((Match("chunk_language", ("lt",)),)))
    got = {r.id: r for r in store.query(StoreQuery(blend, 30))}
    bm25 = {r.id: r.score for r in store.query(StoreQuery(blend.sparse[0], 30))}
    sat = {pid: v / (v + 1.0) for pid, v in bm25.items()}
    p5 = pts[5]  # lv chunk holding sparse term 1005: other-language weight and the language bonus
    assert got[p5.id].score == pytest.approx(plain[p5.id] + 0.1 + 0.2 * sat[p5.id], abs=1e-4)
    # lt chunk holding term 1000: same-language weight, no bonus
    assert got[pts[0].id].score == pytest.approx(plain[pts[0].id] + 0.5 * sat[pts[0].id], abs=1e-4)
    assert got[pts[3].id].score == pytest.approx(plain[pts[3].id], abs=1e-5)  # lt, no term: unchanged
    assert got[pts[1].id].score == pytest.approx(plain[pts[1].id] + 0.1, abs=1e-5)  # lv, no term: bonus only


def test_edge_and_client_backends_return_identical_rankings(tmp_path):
    pts = _points(60, seed=3)
    edge, local = EdgeStore(tmp_path / "e"), ServerStore("same", path=":memory:")
    try:
        for s in (edge, local):
            s.ensure({"m": 1}, 8)
            s.upsert(pts)
        for q in pts[:10]:
            node = Blend(dense=(Nearest("dense", q.dense, 20),), sparse=(Nearest("sparse", q.sparse, 20),),
                         limit=20, saturation=2.0, weight_same=0.2, weight_other=0.05, bonus=0.02,
                         same_language=Where((Match("chunk_language", ("lv",)),)))
            a = [r.id for r in edge.query(StoreQuery(node, 10, hnsw_ef=256))]
            b = [r.id for r in local.query(StoreQuery(node, 10))]
            assert a == b
    finally:
        edge.close()
        local.close()


def test_second_opener_of_the_embedded_store_gets_a_clear_message(tmp_path):
    first = EdgeStore(tmp_path / "s")
    try:
        with pytest.raises(StoreLockedError, match=r"in use by process \d+ .*KB_QDRANT_URL"):
            EdgeStore(tmp_path / "s")
    finally:
        first.close()
    EdgeStore(tmp_path / "s").close()  # released: opens again


def test_check_identity_accepts_a_new_collection():
    check_identity(None, {"a": 1}, "x")


def _dense_ids(store, q, k=5):
    return [r.id for r in store.query(StoreQuery(Nearest("dense", q, k), k))]


def test_optimising_aside_keeps_searches_going_and_the_data(tmp_path):
    """Qdrant Edge holds the interpreter while it optimises; the copy is optimised in another process and
    swapped in, so searches answer throughout and see the same points afterwards."""
    import threading

    store = EdgeStore(tmp_path / "edge")
    store.ensure({"model": "m"}, 8)
    for seed in range(6):  # several appendable segments: something to optimise
        store.upsert([StorePoint(point_id("doc", f"s{seed}", p), [float(x) for x in np.roll(np.arange(8) + p, seed)],
                                 SparseVector([p % 7], [1.0]), {"doc_id": f"d{seed}", "chunk_index": p})
                      for p in range(400)])
    q = [1.0, 0.5, 0, 0, 0, 0, 0, 0.2]
    before = _dense_ids(store, q)
    answered, done = [], threading.Event()

    def search_meanwhile():
        while not done.is_set():
            answered.append(_dense_ids(store, q))

    t = threading.Thread(target=search_meanwhile)
    t.start()
    try:
        swapped = store.optimize_aside()
    finally:
        done.set()
        t.join()
    assert answered and all(a == before for a in answered)  # searches went on, unchanged
    assert store.count() == 2400 and _dense_ids(store, q) == before
    assert isinstance(swapped, bool) and not (tmp_path / "edge" / "shard.next").exists()
    store.close()
    reopened = EdgeStore(tmp_path / "edge")
    assert reopened.count() == 2400 and _dense_ids(reopened, q) == before
    reopened.close()


def test_an_interrupted_swap_is_repaired_on_open(tmp_path):
    store = EdgeStore(tmp_path / "edge")
    store.ensure({"model": "m"}, 8)
    store.upsert(_points())
    store.close()
    folder = tmp_path / "edge"
    (folder / "shard").rename(folder / "shard.old")  # crashed between the two renames of a swap
    (folder / "shard.next").mkdir()
    store = EdgeStore(folder)
    assert store.count() == 30 and not (folder / "shard.old").exists() and not (folder / "shard.next").exists()
    store.close()
