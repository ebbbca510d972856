"""How well the learned taste predicts an editor's choices on footage it did not learn from.

A finished timeline is split by time: the model learns from its first part only, then
both the untrained proposer and the proposer with that taste cut a proposal as long as
the held-out last part, from the shots the first part did not use. Recall@K is the share
of the shots the editor chose in the held-out part that a proposal of K cuts also picks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import opentimelineio as otio

from engine.edit.inputs import AnalysedShot


@dataclass
class TasteEvaluation:
    """Held-out recall of the proposer with and without the learned taste."""

    learned_from: int  # clips of the first part the model learned from
    chosen: int  # distinct shots the editor chose in the held-out part
    candidates: int  # shots the proposals could choose from
    untrained_hits: int
    untrained_k: int
    trained_hits: int | None  # None: too few edits to train on
    trained_k: int

    def __str__(self) -> str:
        base = (f"held-out part: {self.chosen} shots you chose among {self.candidates}; untrained proposer "
                f"recall@{self.untrained_k} {self._recall(self.untrained_hits):.2f} "
                f"({self.untrained_hits} of {self.chosen})")
        if self.trained_hits is None:
            return f"{base}; the first part ({self.learned_from} clips) is too little to learn a taste from"
        return (f"{base}; with the taste learned from the first part ({self.learned_from} clips) "
                f"recall@{self.trained_k} {self._recall(self.trained_hits):.2f} ({self.trained_hits} of {self.chosen})")

    def _recall(self, hits: int) -> float:
        return hits / max(1, self.chosen)


def _clip_shots(timeline: otio.schema.Timeline, pool: Sequence[AnalysedShot]) -> list[tuple[int, float]]:
    """(pool index, record centre 0..1) of every V1 clip that matches a shot of the pool."""
    from engine.edit.preference import matched_clips

    return [(i, t) for i, _start, _end, t in matched_clips(timeline, pool, timeline.video_tracks()[:1])]


def evaluate_taste(timeline: otio.schema.Timeline, pool: Sequence[AnalysedShot], held_out: float = 0.3,
                   arc: str = "flat") -> TasteEvaluation:
    """Learn from the first ``1 - held_out`` of ``timeline``, measure on the rest.

    Raises:
        ValueError: the timeline uses no shot of the pool, or its held-out part is empty.
    """
    from engine.edit.pacing import Pacing
    from engine.edit.preference import PreferenceModel
    from engine.edit.proposals import propose
    from engine.timeline import model, rates

    clips = _clip_shots(timeline, pool)
    if not clips:
        raise ValueError("the timeline uses none of the given footage")
    split = 1.0 - held_out
    learned = [i for i, t in clips if t < split]
    chosen = {i for i, t in clips if t >= split}
    if not chosen:
        raise ValueError("the held-out part of the timeline holds no clip of the given footage")
    rate = model.timeline_rate(timeline)
    total = rates.frames(timeline.video_tracks()[0].duration(), rate)
    first = otio.algorithms.timeline_trimmed_to_range(
        timeline, rates.time_range(0, max(1, round(total * split)), rate))
    taste = PreferenceModel(None)  # in memory: an evaluation never changes the editor's model
    taste.add_finished_timeline(first, pool)
    taste.train()
    candidates = [s for i, s in enumerate(pool) if i not in set(learned)]
    index = {id(s): i for i, s in enumerate(pool)}
    seconds = (total - round(total * split)) / float(rate)

    # Cut at the editor's own pace, so K is about the number of shots they used there.
    pacing = Pacing(avg_shot_s=max(0.5, total / max(1, len(clips)) / float(rate)))

    def picks(preference) -> tuple[int, int]:
        proposal = propose(candidates, seconds, arc, pacing, preference=preference, alternatives=1,
                           source_order=False)[0]
        used = {index[id(c.shot)] for c in proposal.cuts}
        return len(used & chosen), len(proposal.cuts)

    untrained_hits, untrained_k = picks(None)
    trained_hits, trained_k = picks(taste) if taste.trained else (None, 0)
    return TasteEvaluation(len(learned), len(chosen), len(candidates), untrained_hits, untrained_k,
                           trained_hits, trained_k)
