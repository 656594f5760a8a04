"""How sure an answer is: confident, uncertain ("the closest evidence I found"), or not found.

A small logistic model over the best sentence's signals gives the probability that the best sentence comes from
a document that holds the answer; two thresholds cut it into the three grades. The weights and thresholds are
fitted by `bench/answers.py --fit` on the fitting sets (own + dev) and stored with their provenance in
`kb/data/answer_grading.json`; KB_ANSWER_GRADING points at another file, and the two thresholds can be
overridden by settings."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kb.errors import ConfigError
from kb.evidence import Evidence

CONFIDENT, UNCERTAIN, NOT_FOUND = "confident", "uncertain", "not_found"
FOLLOW_UP_LEEWAY = 0.15
GRADES = (CONFIDENT, UNCERTAIN, NOT_FOUND)


def features(ranked: list[Evidence], hits, kind: str | None) -> dict[str, float]:
    """The question-level signals the grade is computed from (also shown in `kb ask --json`): the best
    sentence's score and calibrated similarity, its lead over the best sentence of another document, and
    three checks that catch near misses — the kind of answer asked for is missing from it, names or numbers
    of the question are missing from its passage, the year asked about is missing."""
    if not ranked:
        return {}
    top = ranked[0]
    source = hits[top.hit].source
    other = next((e.score for e in ranked[1:] if hits[e.hit].source != source), top.score - 0.1)
    return {"score": top.score, "calibrated": top.calibrated, "margin": top.score - other,
            "coverage": top.coverage, "typed_missing": float(kind is not None and not top.typed),
            "anchors_missing": 1.0 - top.context_anchors if top.has_anchors else 0.0,
            "years_missing": float(not top.years)}


@dataclass
class Grader:
    """p = sigmoid(bias + sum(weights[f] * (x[f] - mean[f]) / scale[f])); confident at p >= confident_at,
    uncertain at p >= uncertain_at, else not found."""

    weights: dict[str, float]
    bias: float
    confident_at: float
    uncertain_at: float
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    calibrated_floor: float = float("-inf")  # below it nothing is plausible: not found whatever the model says

    @classmethod
    def load(cls, path: Path | None = None, confident_at: float | None = None,
             uncertain_at: float | None = None) -> "Grader":
        try:
            if path is None:
                text = resources.files("kb").joinpath("data", "answer_grading.json").read_text(encoding="utf-8")
            else:
                text = Path(path).read_text(encoding="utf-8")
            d = json.loads(text)
            g = cls(dict(d["weights"]), float(d["bias"]), float(d["confident_at"]), float(d["uncertain_at"]),
                    dict(d.get("mean") or {}), dict(d.get("scale") or {}), dict(d.get("provenance") or {}),
                    float(d.get("calibrated_floor", float("-inf"))))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"cannot read the answer grading model {path or 'kb/data/answer_grading.json'}: "
                              f"{e}. Unset KB_ANSWER_GRADING or rerun `python bench/answers.py --fit`") from e
        if confident_at is not None:
            g.confident_at = confident_at
        if uncertain_at is not None:
            g.uncertain_at = uncertain_at
        return g

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias
        for name, w in self.weights.items():
            z += w * (x.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def grade(self, x: dict[str, float], follow_up: bool = False) -> tuple[str, float]:
        """The grade and its probability. A follow-up ("o kiek kartų per dieną?") is on the conversation's topic
        by construction: the off-topic floor does not apply to it."""
        if not x:
            return NOT_FOUND, 0.0
        p = self.probability(x)
        if not follow_up and x.get("calibrated", 0.0) < self.calibrated_floor:
            return NOT_FOUND, p
        if p >= self.confident_at:
            return CONFIDENT, p
        # a follow-up has less to go on than the standalone questions the model was fitted on: its closest
        # evidence is shown as uncertain unless it is clearly weak
        if p >= self.uncertain_at - (FOLLOW_UP_LEEWAY if follow_up else 0.0):
            return UNCERTAIN, p
        return NOT_FOUND, p

    def to_json(self) -> dict:
        return {"weights": self.weights, "bias": self.bias, "confident_at": self.confident_at,
                "uncertain_at": self.uncertain_at, "calibrated_floor": self.calibrated_floor, "mean": self.mean,
                "scale": self.scale, "provenance": self.provenance}
