"""The sentencepiece tokenizer (kb.embed.e5_tokenizer) against the model's own tokenizer.json, read by
`tokenizers`: the same ids on real text in the three languages and on awkward input, the deliberate differences,
and the fallback where tokenizer.json has another shape."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, SHARED
from kb.embed.e5_tokenizer import NORMALIZER_FILE, SPM_FILE, E5Tokenizer, write_sentencepiece

AWKWARD = ["", " ", "   ", "\n", " a", "a ", "  a  b  ", "\t\tx\r\n", "ﬁnance ﬀ ①②", "e\u0301 ė e\u0307 ą\u0328",
           "Ａｂｃ１２３", "😀👍🏽 family 👨\u200d👩\u200d👧", "\u200b\u200dzero\ufeffwidth", "שלום مرحبا",
           "中文 日本語 한국어",
           "\x00\x01\x7f\x9f control", "\ue000\uf8ff PUA glyphs", "x" * 3000, "ą" * 700, "𝐀𝐁𝐂 𝟏𝟐", "▁▁ ▁x",
           "Ⅻ ½ ㎞ ℃", " \u00a0 nbsp\u00a0x", "\u3000ideographic space", "x\u0301\u0301\u0301",
           "Kopējais budžets: 363 237,51 Eur (2020.06.01–2022.05.31)", "Projekto vertė – 1,2 mln. eurų.",
           "Total: EUR 7,800 | €14,200 | 2023. gada 1. martā", "**Bold** _it_ `code` # heading\n- item\n| a | b |"]


def _real_texts() -> list[str]:
    texts = []
    for folder in (ROOT / "corpus", ROOT / "evalsets"):
        for f in sorted(folder.rglob("*")):
            if f.suffix in (".md", ".txt", ".html", ".jsonl") and f.is_file():
                text = f.read_bytes().decode("utf-8", "replace")  # a few sample files are in windows-1257
                texts += [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    flores = SHARED / "eval" / "retrieval"
    for f in sorted(flores.glob("*.jsonl")) if flores.is_dir() else []:
        for line in f.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            texts += [row[k] for k in ("text", "query", "question") if isinstance(row.get(k), str)]
    return texts


@pytest.fixture(scope="module")
def pair(e5):
    fast = e5.fast_tokenizer
    assert fast is not None, "the default model's folder should get the sentencepiece tokenizer"
    return fast, e5.tokenizer


def test_the_same_ids_as_tokenizer_json_on_real_text_and_awkward_input(pair):
    fast, slow = pair
    texts = _real_texts() + AWKWARD
    assert len(texts) > 1000
    expected = [e.ids for e in slow.encode_batch(texts)]
    got = fast.ids(texts)
    differ = [t[:60] for t, a, b in zip(texts, expected, got) if a != b]
    assert not differ, differ[:5]
    assert [len(e.ids) for e in slow.encode_batch(texts, add_special_tokens=False)] == \
        [len(ids) for ids in fast.ids(texts, special=False)]
    assert max(len(ids) for ids in got) == 512  # truncated where the model's window ends


def test_control_tokens_written_in_a_document_are_read_as_text(pair):
    fast, slow = pair
    ids = fast.ids(["a <s> b </s> c <mask>"])[0]
    assert ids[0] == 0 and ids[-1] == 2
    assert 0 not in ids[1:-1] and 2 not in ids[1:-1] and 250001 not in ids  # tokenizers would insert them
    assert 250001 in slow.encode("a <mask>").ids


def test_another_tokenizer_shape_keeps_tokenizers(e5, tmp_path):
    """A folder whose tokenizer.json normalises differently gets no sentencepiece file; the embedder then
    tokenises with tokenizers and still embeds."""
    from kb.embed.openvino import OpenVinoEmbedder

    folder = tmp_path / "model"
    shutil.copytree(e5.folder, folder, ignore=shutil.ignore_patterns(SPM_FILE, NORMALIZER_FILE))
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    spec["normalizer"]["normalizers"].insert(0, {"type": "Lowercase"})
    (folder / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    assert write_sentencepiece(folder) is False
    assert not (folder / SPM_FILE).exists() and E5Tokenizer.load(folder, 512) is None
    other = OpenVinoEmbedder(folder)
    assert other.fast_tokenizer is None
    assert other.embed_passages(["Ventspils"]).shape == (1, e5.dim)


def test_an_older_folder_gets_its_sentencepiece_file_on_first_use(e5, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(e5.folder, folder, ignore=shutil.ignore_patterns(SPM_FILE, NORMALIZER_FILE))
    fast = E5Tokenizer.load(folder, 512)
    assert fast is not None and (folder / SPM_FILE).is_file() and (folder / NORMALIZER_FILE).is_file()
    assert fast.ids(["Liepāja"]) == e5.fast_tokenizer.ids(["Liepāja"])
    assert not [p for p in Path(folder).iterdir() if p.name.startswith(".")]  # no temporary file left
