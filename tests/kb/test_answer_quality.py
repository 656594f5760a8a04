"""Answer quality with the real model on two answer sets: the project's own (corpus/eval, where the weights and the
grading model were fitted) and the independent one (evalsets/independent, written by someone who had not seen
corpus/ and never fitted on). Floors a little under the measured figures (bench/answers.py): a change that makes
answers worse fails here. Every quote must be verbatim text of its chunk."""

from __future__ import annotations

import re

import pytest

from ingest.evalsets import answer_sets, build
from kb.filters import filters_from_dict
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

# (answered from a relevant document, of them cross-lingual, unanswerable not answered confidently)
FLOORS = {"own": (0.62, 0.52, 0.78), "independent": (0.56, 0.47, 0.48)}


def _relevant(q, c) -> bool:
    return any(r["source"] == c.source and (r.get("page") is None or c.page is None or r.get("page") == c.page)
               for r in q.relevant)


@pytest.fixture(scope="module")
def set_homes(e5, e5_home, tmp_path_factory):
    """Each set built into its own data home; the prepared model folder is shared."""
    homes = {}
    for name in FLOORS:
        home = tmp_path_factory.mktemp(f"set-{name}")
        (home / "models").symlink_to(e5_home / "models", target_is_directory=True)
        homes[name] = build(answer_sets()[name], home, Settings(home=home))
    return homes


@pytest.mark.parametrize("name", list(FLOORS))
def test_answers_on_the_set(set_homes, name):
    questions = answer_sets()[name].load_questions()
    rows = []
    with KnowledgeBase.open(set_homes[name]) as kb:
        languages = {d.source: d.language for d in kb.docs()}
        texts = kb.chunk_texts()
        for q in questions:
            a = kb.ask(q.question, filters=filters_from_dict(q.filters))
            assert all(c.quote and c.quote in texts[c.chunk_id] for c in a.citations), q.id
            graded_line = a.answer.splitlines()[-1 if a.grade == "uncertain" else 0]
            first = {int(n) for n in re.findall(r"\[(\d+)\]", graded_line)}
            right = q.answerable and any(_relevant(q, c) for c in a.citations if c.n in first)
            cross = q.language not in {r.get("language") or languages.get(r["source"]) for r in q.relevant}
            rows.append((q.answerable, cross, a.grade, right))
    answerable = [r for r in rows if r[0]]
    cross = [r for r in answerable if r[1]]
    unanswerable = [r for r in rows if not r[0]]
    right = sum(r[2] != "not_found" and r[3] for r in answerable) / len(answerable)
    right_cross = sum(r[2] != "not_found" and r[3] for r in cross) / len(cross)
    declined = sum(r[2] != "confident" for r in unanswerable) / len(unanswerable)
    floor_right, floor_cross, floor_declined = FLOORS[name]
    assert right >= floor_right, f"{name}: answered from a relevant document {right:.3f} < {floor_right}"
    assert right_cross >= floor_cross, f"{name}: cross-lingual {right_cross:.3f} < {floor_cross}"
    assert declined >= floor_declined, f"{name}: unanswerable declined {declined:.3f} < {floor_declined}"
