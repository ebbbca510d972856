"""The editor's taste: a LightGBM ranker over candidate ranges, learned from what they keep.

Examples come in queries: one choice the editor made among alternatives. A proposal
the editor reviewed is a query (accepted cuts rank above trimmed ones, trimmed above
rejected, all above shots the proposal left out); each clip of a finished timeline is
a query (the kept range above unused shots of the same footage at the same place). A
ranker (LambdaRank) learns to order candidates the same way; its score joins the
proposer's objective.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_text
from engine.edit.inputs import AnalysedShot

FEATURES = ("valence", "arousal", "confidence", "length_s", "usable_s", "motion_rate", "faces",
            "face_scale", "speech_share", "arc_t", "arc_level", "arc_gap")
LABELS = {"accepted": 2, "trimmed": 1, "rejected": 0}
NDCG_AT = 5
_MIN_QUERIES = 4  # fewer than this and a ranker only memorises


def candidate_features(shot: AnalysedShot, start: int, end: int, t: float,
                       level: float | None = None) -> np.ndarray:
    """Features of the range ``start..end`` (source frames) of ``shot`` placed at ``t`` (0..1).

    ``level`` is the arc's target there (0..1 scale); None when unknown (finished
    timelines), which LightGBM treats as missing.
    """
    fps = float(shot.rate)
    frames = max(1, end - start + 1)
    usable = shot.usable()
    speech = sum(max(0, min(b, end) - max(a, start) + 1) for a, b in shot.speech)
    peaks = sum(1 for p in shot.motion_peaks if start <= p <= end)
    gap = abs(shot.arousal - level) if level is not None else math.nan
    return np.array([
        shot.valence, shot.arousal, shot.confidence, frames / fps,
        ((usable[1] - usable[0] + 1) if usable else 0) / fps, peaks / (frames / fps),
        float(shot.face_count or (1 if shot.face_frames else 0)), shot.face_scale, speech / frames,
        t, math.nan if level is None else level, gap], float)


@dataclass
class TasteReport:
    """How much the model knows.

    Attributes:
        examples: Candidate ranges learned from.
        queries: Choices they came in.
        ndcg: Validation NDCG@5 of the ranker on held-out queries (None: too few).
        baseline_ndcg: The same for an untrained ranker (random order), for comparison.
    """

    examples: int
    queries: int
    ndcg: float | None
    baseline_ndcg: float | None
    trained: bool

    def __str__(self) -> str:
        if not self.trained:
            return f"taste model: untrained ({self.examples} examples in {self.queries} choices)"
        quality = (f"validation NDCG@{NDCG_AT} {self.ndcg:.3f} (untrained {self.baseline_ndcg:.3f})"
                   if self.ndcg is not None else "too few choices to validate")
        return f"taste model: {self.examples} examples in {self.queries} choices, {quality}"


class PreferenceModel:
    """Examples, the ranker trained on them, and where both are kept.

    Args:
        folder: Where ``examples.json`` and ``ranker.txt`` live; None keeps them in memory.
    """

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        self._queries: list[tuple[list[int], list[list[float]]]] = []
        self._booster = None
        self._report: TasteReport | None = None
        if self.folder is not None:
            self._load()

    # -- examples ---------------------------------------------------------------------------

    def add_query(self, features: Sequence[np.ndarray], labels: Sequence[int]) -> None:
        """One choice: candidates' feature rows and their relevance (higher = preferred)."""
        if len(features) != len(labels) or len(features) < 2:
            raise ValueError("a choice needs at least two candidates, each with a label")
        self._queries.append(([int(x) for x in labels], [np.asarray(f, float).tolist() for f in features]))

    def add_feedback(self, proposal, verdicts: str | Mapping[int, str],
                     trims: Mapping[int, tuple[int, int]] | None = None, negatives: int = 6,
                     seed: int = 0) -> int:
        """Learn from the editor's review of a proposal; returns the examples added.

        Args:
            proposal: The ``Proposal`` reviewed.
            verdicts: "accepted"/"rejected" for the whole proposal, or per cut index
                (0-based); cuts not named count as accepted.
            trims: Per cut index, the ``(start, end)`` source range the editor trimmed to.
            negatives: Shots the proposal left out, added below every verdict.
        """
        trims = dict(trims or {})
        total = max(1, proposal.duration_frames)
        feats, labels = [], []
        for n, cut in enumerate(proposal.cuts):
            verdict = verdicts if isinstance(verdicts, str) else verdicts.get(n, "accepted")
            if n in trims:
                verdict = "trimmed"
            start, end = trims.get(n, (cut.source_start, cut.source_end))
            t = (cut.record_start + cut.record_frames / 2) / total
            feats.append(candidate_features(cut.shot, start, end, t, _level(proposal, cut)))
            labels.append(LABELS[verdict])
        used = {id(c.shot) for c in proposal.cuts}
        rng = np.random.default_rng(seed)
        others = [s for s in proposal.pool if id(s) not in used and not s.excluded]
        for k in rng.permutation(len(others))[:negatives]:
            shot = others[int(k)]
            cut = proposal.cuts[int(rng.integers(len(proposal.cuts)))]
            t = (cut.record_start + cut.record_frames / 2) / total
            start, end = _fit(shot, cut.source_frames)
            feats.append(candidate_features(shot, start, end, t, _level(proposal, cut)))
            labels.append(0)
        if len(set(labels)) < 2:
            return 0  # every candidate alike: nothing to rank
        self.add_query(feats, labels)
        self._save()
        return len(labels)

    def add_finished_timeline(self, timeline, shots: Sequence[AnalysedShot], negatives: int = 6,
                              seed: int = 0, kept: bool = True) -> int:
        """Learn from a finished edit (e.g. from ``import_timeline``) of the same footage.

        Every video clip whose media is among ``shots``' files is a kept range: it
        ranks above unused shots of that footage placed at the same point of the edit.
        Returns the number of clips learned from.
        """
        by_name: dict[str, list[AnalysedShot]] = {}
        for s in shots:
            by_name.setdefault(s.path.name, []).append(s)
        used_ranges = [(shots[i], start, end, t) for i, start, end, t in matched_clips(timeline, shots)]
        used = {id(k[0]) for k in used_ranges}
        rng = np.random.default_rng(seed)
        for shot, start, end, t in used_ranges:
            others = [s for s in by_name[shot.path.name] if id(s) not in used]
            feats = [candidate_features(shot, start, end, t)]
            for k in rng.permutation(len(others))[:negatives]:
                a, b = _fit(others[int(k)], end - start + 1)
                feats.append(candidate_features(others[int(k)], a, b, t))
            if len(feats) > 1:
                # a kept edit's ranges rank above the alternatives; a rejected one's below
                chosen, other = (1, 0) if kept else (0, 1)
                self.add_query(feats, [chosen] + [other] * (len(feats) - 1))
        self._save()
        return len(used_ranges)

    # -- the ranker ---------------------------------------------------------------------------

    def train(self, valid_fraction: float = 0.25, seed: int = 0) -> TasteReport:
        """Fit the ranker; NDCG is measured on held-out choices, then it refits on all."""
        queries = self._queries
        examples = sum(len(q[0]) for q in queries)
        if len(queries) < _MIN_QUERIES:
            self._booster = None
            self._report = TasteReport(examples, len(queries), None, None, False)
            return self._report
        order = np.random.default_rng(seed).permutation(len(queries))
        n_valid = int(len(queries) * valid_fraction)
        ndcg = baseline = None
        if n_valid >= 2:
            valid = [queries[i] for i in order[:n_valid]]
            booster = _fit_ranker([queries[i] for i in order[n_valid:]], seed)
            ndcg = float(np.mean([_ndcg(labels, booster.predict(np.array(f, float)))
                                  for labels, f in valid]))
            rng = np.random.default_rng(seed)
            baseline = float(np.mean([_ndcg(labels, rng.random(len(labels)))
                                      for labels, _ in valid for _ in range(20)]))
        self._booster = _fit_ranker(queries, seed)
        self._report = TasteReport(examples, len(queries), ndcg, baseline, True)
        self._save()
        return self._report

    def report(self) -> TasteReport:
        """What the model knows now."""
        if self._report is None:
            examples = sum(len(q[0]) for q in self._queries)
            self._report = TasteReport(examples, len(self._queries), None, None, self._booster is not None)
        return self._report

    @property
    def trained(self) -> bool:
        return self._booster is not None

    def score(self, features: np.ndarray) -> np.ndarray:
        """Ranker scores for feature rows (zeros when untrained)."""
        features = np.atleast_2d(np.asarray(features, float))
        if self._booster is None:
            return np.zeros(len(features))
        return np.asarray(self._booster.predict(features), float)

    def shot_scores(self, shots: Sequence[AnalysedShot], arc, pacing, rate: Fraction) -> np.ndarray | None:
        """Standardised taste score per shot for the proposer (None when untrained).

        Each shot is scored as a range of the average length at three points of the arc,
        and the scores averaged: per slot scoring would cost the ranker slots x shots rows.
        """
        if self._booster is None or not shots:
            return None
        rows = []
        for shot in shots:
            length = max(1, round(pacing.desired_frames(0.5, shot.rate)))
            start, end = _fit(shot, length)
            for t in (1 / 6, 0.5, 5 / 6):
                rows.append(candidate_features(shot, start, end, t, float(arc.level(t))))
        scores = self.score(np.array(rows)).reshape(len(shots), 3).mean(axis=1)
        spread = scores.std()
        return (scores - scores.mean()) / spread if spread > 0 else np.zeros(len(shots))

    def reset(self) -> None:
        """Forget every example and the ranker (and delete their files)."""
        self._queries, self._booster, self._report = [], None, None
        if self.folder is not None:
            for name in ("examples.json", "ranker.txt"):
                (self.folder / name).unlink(missing_ok=True)

    # -- storage ------------------------------------------------------------------------------

    def _save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = [{"labels": labels, "features": _json_rows(f)} for labels, f in self._queries]
        # through the one atomic writer: a crash mid-save keeps the editor's earlier examples
        atomic_write_text(self.folder / "examples.json", json.dumps({"features": FEATURES, "queries": data}))
        if self._booster is not None:
            atomic_write_text(self.folder / "ranker.txt", self._booster.model_to_string())

    def _load(self) -> None:
        examples = self.folder / "examples.json"
        if examples.is_file():
            doc = json.loads(examples.read_text())
            if tuple(doc.get("features", ())) == FEATURES:  # other features: start again
                self._queries = [(q["labels"], [[math.nan if v is None else v for v in row]
                                                 for row in q["features"]]) for q in doc["queries"]]
        ranker = self.folder / "ranker.txt"
        if ranker.is_file() and self._queries:
            import lightgbm

            self._booster = lightgbm.Booster(model_file=str(ranker))


def _json_rows(rows) -> list[list[float | None]]:
    return [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in rows]


def _level(proposal, cut) -> float:
    """The arc's target at a cut, back on the arc's own 0..1 scale."""
    t = (cut.record_start + cut.record_frames / 2) / max(1, proposal.duration_frames)
    return float(proposal.arc.level(t))


def _fit(shot: AnalysedShot, length: int) -> tuple[int, int]:
    """A centred range of ``length`` frames (or the whole usable shot if shorter)."""
    first, last = shot.usable() or (shot.start_frame, shot.end_frame)
    length = min(length, last - first + 1)
    start = first + (last - first + 1 - length) // 2
    return start, start + length - 1


def _fit_ranker(queries, seed: int):
    import lightgbm

    x = np.array([row for _, rows in queries for row in rows], float)
    y = np.array([label for labels, _ in queries for label in labels], int)
    groups = [len(labels) for labels, _ in queries]
    params = {"objective": "lambdarank", "metric": "ndcg", "learning_rate": 0.1, "num_leaves": 15,
              "min_data_in_leaf": 3, "min_sum_hessian_in_leaf": 1e-3, "num_threads": 1,
              "seed": seed, "verbose": -1, "lambdarank_truncation_level": 20}
    data = lightgbm.Dataset(x, y, group=groups, feature_name=list(FEATURES), free_raw_data=True)
    return lightgbm.train(params, data, num_boost_round=80)


def _ndcg(labels: Sequence[int], scores: np.ndarray, k: int = NDCG_AT) -> float:
    """NDCG@k with gains 2^label - 1 (ties in scores broken by position, as LightGBM does)."""
    labels = np.asarray(labels, float)
    gains = 2 ** labels - 1
    discounts = 1 / np.log2(np.arange(2, len(labels) + 2))
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    ideal = np.sort(gains)[::-1][:k]
    best = float((ideal * discounts[:len(ideal)]).sum())
    return float((gains[order] * discounts[:len(order)]).sum()) / best if best > 0 else 1.0


def matched_clips(timeline, shots: Sequence[AnalysedShot], tracks=None) -> list[tuple[int, int, int, float]]:
    """Where a finished edit used the analysed shots: ``(index into shots, first frame, last
    frame, record centre 0..1)`` for every clip of ``tracks`` (default: every video track)
    whose media is one of the shots' files, the range clipped to the shot it overlaps most."""
    import opentimelineio as otio

    from engine.timeline import model, rates
    from engine.timeline.urls import url_to_path

    tracks = list(tracks if tracks is not None else timeline.video_tracks())
    rate = model.timeline_rate(timeline)
    total = max([1] + [rates.frames(track.duration(), rate) for track in tracks])
    by_name: dict[str, list[int]] = {}
    for i, s in enumerate(shots):
        by_name.setdefault(s.path.name, []).append(i)
    found = []
    for track in tracks:
        position = 0
        for item in track:
            if isinstance(item, otio.schema.Transition):
                continue
            length = rates.frames(item.duration(), rate)
            if isinstance(item, otio.schema.Clip) and item.source_range is not None:
                url = getattr(item.media_reference, "target_url", None) or ""
                candidates = by_name.get(Path(url_to_path(url)).name, [])
                if candidates:
                    origin = model.media_facts(item.media_reference, rate).start
                    src_rate = shots[candidates[0]].rate
                    start = rates.frames(item.source_range.start_time, src_rate) - origin
                    end = start + rates.frames(item.source_range.duration, src_rate) - 1
                    best = max(candidates,
                               key=lambda i: min(shots[i].end_frame, end) - max(shots[i].start_frame, start))
                    shot = shots[best]
                    if min(shot.end_frame, end) >= max(shot.start_frame, start):
                        found.append((best, max(start, shot.start_frame), min(end, shot.end_frame),
                                      (position + length / 2) / total))
            position += length
    return found
