"""Shot emotion against people's labels: the dev set, held-out folds, four models in one run.

Run: ``.venv/bin/python benchmarks/emotion.py [--media DIR] [--folds K] [--plots DIR] [--features JSON]``.

Measures every shot of ``tests/data/emotion_devset/shots.csv`` once (features,
cached in ``--features`` when given), then reports on held-out folds, grouped by
source film (``engine.affect.evaluate``):

* ``default-before``: the default model as it was before the dev set (v1 terms,
  no neutral label), frozen here; nothing is fitted, so its folds are plain.
* ``default-after``: today's default model, its term weights refitted on the
  training folds only (``default_model.fit_terms``) and its neutral threshold chosen
  inside them (``default_model.choose_min_confidence``), scored on the held-out fold.
* ``default-after-nested``: the same, with the ridge strength per axis also chosen inside
  the training folds (``default_model.choose_ridge``) rather than fixed once on the whole set.
* ``learned``: the editor's LightGBM model (``engine.affect.learned``) trained on the
  training folds' labels, valence and arousal from the refitted default model.
* ``baseline``: arousal from motion alone, valence from brightness alone, every
  shot given the training folds' most frequent label.

Prints arousal and valence Spearman, per-label precision/recall/F1, the share of
people's neutral shots given an emotive label, and writes one confusion plot per
model; then the relabel curve (the editor's labels of training-fold shots training
the learned model, held-out folds untouched, ``evaluate.relabel_curve``); with
``--words``, whether the words' sentiment (VADER on the bundled Whisper's
transcript) helps valence; then the weights fitted on the whole set (what ``TERMS``
ships).
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.affect import default_model  # noqa: E402
from engine.affect.default_model import Term  # noqa: E402
from engine.affect.evaluate import (  # noqa: E402
    AROUSAL_SCALE,
    Prediction,
    cross_validate,
    load_devset,
    majority_label,
    measure,
    plot_confusion,
)

DEVSET = REPO / "tests" / "data" / "emotion_devset" / "shots.csv"

# -- the default model before the dev set (frozen copy: terms and labels of v1) ----------
V1_TERMS: tuple[Term, ...] = (
    Term("brightness", "valence", 0.30, 0.45, 0.15),
    Term("saturation", "valence", 0.10, 0.30, 0.15),
    Term("colourfulness", "valence", 0.10, 0.35, 0.20),
    Term("warmth", "valence", 0.10, 0.0, 0.10),
    Term("face_happy", "valence", 0.80, gate="face_frames"),
    Term("face_surprise", "valence", 0.20, gate="face_frames"),
    Term("face_sad", "valence", -0.80, gate="face_frames"),
    Term("face_angry", "valence", -0.60, gate="face_frames"),
    Term("face_fear", "valence", -0.60, gate="face_frames"),
    Term("face_disgust", "valence", -0.60, gate="face_frames"),
    Term("tempo", "valence", 0.06, 0.0, 40.0, gate="has_sound"),
    Term("motion", "arousal", 0.35, np.log10(0.06), 0.5, "log10"),
    Term("motion_peaks", "arousal", 0.10, 0.0, 0.5, "per_second"),
    Term("cut_rate", "arousal", 0.25, np.log2(15.0), 1.0, "log2"),
    Term("loudness", "arousal", 0.30, -23.0, 8.0, gate="has_sound"),
    Term("onset_rate", "arousal", 0.10, 2.0, 2.0, gate="has_sound"),
    Term("silence", "arousal", -0.10, gate="has_sound"),
    Term("saturation", "arousal", 0.10, 0.30, 0.15),
    Term("brightness", "arousal", -0.05, 0.45, 0.15),
    Term("face_angry", "arousal", 0.30, gate="face_frames"),
    Term("face_fear", "arousal", 0.30, gate="face_frames"),
    Term("face_surprise", "arousal", 0.30, gate="face_frames"),
    Term("face_sad", "arousal", -0.20, gate="face_frames"),
)
V1_PROTOTYPES = {"calm": (0.25, 0.2), "tender": (0.55, 0.35), "joyful": (0.6, 0.7), "tense": (-0.45, 0.65),
                 "suspense": (-0.3, 0.35), "sad": (-0.55, 0.15), "action": (0.0, 0.92)}


def v1_label(v: float, a: float) -> tuple[str, float]:
    d2 = np.array([((v - pv) / 2) ** 2 + (a - pa) ** 2 for pv, pa in V1_PROTOTYPES.values()])
    p = np.exp(-(d2 - d2.min()) / 0.02)
    p /= p.sum()
    i = int(np.argmax(p))
    return list(V1_PROTOTYPES)[i], float(p[i])


def fit_before(shots, values):
    def predict(x):
        v, a, _ = default_model.axes(x, V1_TERMS)
        label, conf = v1_label(float(v), float(a))
        return Prediction(float(v), float(a), label, conf)
    return predict


def _targets(shots):
    return (np.array([s.valence for s in shots]), np.array([AROUSAL_SCALE[s.arousal] for s in shots]))


_TERMS_CACHE: dict[tuple, tuple] = {}


def fit_default(shots, values, terms=None, nested=False):
    """The default model's terms fitted on these shots only, and its neutral threshold.

    With ``nested`` the ridge per axis is chosen by grouped cross-validation inside
    these shots (the held-out fold plays no part); otherwise it is ``RIDGE``, the
    strengths chosen once on the whole dev set. The threshold is always chosen by
    grouped cross-validation inside these shots.
    """
    key = (tuple(sorted(s.id for s in shots)), terms, nested)
    if key not in _TERMS_CACHE:
        targets, groups = _targets(shots), [s.source for s in shots]
        ridge = default_model.choose_ridge(values, *targets, groups, terms) if nested else None
        threshold = default_model.choose_min_confidence(values, *targets, [s.label == "neutral" for s in shots],
                                                        groups, terms, ridge)
        _TERMS_CACHE[key] = default_model.fit_terms(values, *targets, terms=terms, ridge=ridge), threshold
    return _TERMS_CACHE[key]


def fit_after(shots, values, nested=False):
    terms, threshold = fit_default(shots, values, nested=nested)

    def predict(x):
        s = default_model.score(x, terms, threshold)
        return Prediction(s.valence, s.arousal, s.label, s.confidence)
    return predict


def fit_learned(shots, values):
    from engine.affect import learned
    from engine.affect.features import FEATURE_NAMES

    terms, threshold = fit_default(shots, values)
    X = np.array([[v[n] for n in FEATURE_NAMES] for v in values], float)
    model = learned.train(X, [s.label for s in shots], [default_model.score(v, terms, threshold).label
                                                        for v in values])
    fallback = majority_label(shots)

    def predict(x):
        v, a, _ = default_model.axes(x, terms)
        if model is None:
            return Prediction(float(v), float(a), fallback, 0.0)
        s = model.score(x, float(v), float(a))
        return Prediction(s.valence, s.arousal, s.label, s.confidence)
    return predict


def fit_baseline(shots, values):
    label = majority_label(shots)
    return lambda x: Prediction(float(x["brightness"]), float(x["motion"]), label, 1.0)


def fit_relabelled(shots, values, relabelled):
    """The app after the editor relabelled the first ``relabelled`` training shots.

    The default model is fitted on all the training folds (as shipped); the learned
    model trains on the relabelled shots only and, as in the app, labels shots once it
    is active (``LearnedModel.active``) and only those it is sure of (``learned.SURE``).
    """
    from engine.affect import learned
    from engine.affect.features import FEATURE_NAMES

    terms, threshold = fit_default(shots, values)
    model = None
    if relabelled >= 2:
        X = np.array([[v[n] for n in FEATURE_NAMES] for v in values[:relabelled]], float)
        model = learned.train(X, [s.label for s in shots[:relabelled]],
                              [default_model.score(v, terms, threshold).label for v in values[:relabelled]])

    def predict(x):
        s = default_model.score(x, terms, threshold)
        if model is not None and model.active:
            mine = model.score(x, s.valence, s.arousal)
            s = mine if mine.confidence >= learned.SURE else s
        return Prediction(s.valence, s.arousal, s.label, s.confidence)
    return predict


WORDS_TERM = Term("words_valence", "valence", 0.3, 0.0, 0.5, prior=0.3)


def words_valence(words) -> float:
    """VADER's compound sentiment of the words, -1..1 (0 without words).

    VADER (MIT) ships its lexicon inside its wheel. It is not a dependency of Moviola:
    on this dev set the words did not help valence (see ``print_words``).
    """
    text = " ".join(w.strip() for w in words if w and w.strip())
    return float(_vader().polarity_scores(text)["compound"]) if text else 0.0


@functools.lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise SystemExit("--words needs VADER: .venv/bin/pip install vaderSentiment==3.3.2") from None
    return SentimentIntensityAnalyzer()


def measure_words(shots, media) -> list[float]:
    """VADER sentiment of the words spoken in each shot (the bundled Whisper's transcript, cached)."""
    from fractions import Fraction

    from engine.media import probe
    from engine.transcript.transcribe import transcribe

    by_file: dict[str, object] = {}
    out = []
    for s in shots:
        if s.file not in by_file:
            info = probe(Path(media) / s.file)
            words = transcribe(Path(media) / s.file).words if info.audio else []
            by_file[s.file] = (float(Fraction(info.video.frame_rate)), words)
        fps, words = by_file[s.file]
        t0, t1 = s.start_frame / fps, (s.end_frame + 1) / fps
        out.append(words_valence([w.word for w in words if t0 <= (w.start + w.end) / 2 < t1]))
    return out


def fit_after_words(shots, values):
    terms, threshold = fit_default(shots, values, default_model.TERMS + (WORDS_TERM,))

    def predict(x):
        s = default_model.score(x, terms, threshold)
        return Prediction(s.valence, s.arousal, s.label, s.confidence)
    return predict


def print_words(shots, values, media, folds):
    """Whether the words' sentiment helps valence: default-after with and without a words term."""
    sentiment = measure_words(shots, media)
    with_words = [{**v, "words_valence": w} for v, w in zip(values, sentiment)]
    spoken = sum(1 for w in sentiment if w != 0)
    print(f"\nwords (VADER on the bundled Whisper's transcript): {spoken} of {len(shots)} shots have "
          f"words with sentiment")
    for name, fit in (("default-after", fit_after), ("default-after + words", fit_after_words)):
        r, _ = cross_validate(shots, with_words, fit, folds)
        print(f"| {name} | valence rho {r.valence_rho:.3f} | arousal rho {r.arousal_rho:.3f} | "
              f"neutral mislabelled {r.neutral_mislabelled:.0%} | macro F1 {r.macro_f1:.2f} |")


RELABEL_COUNTS = (0, 10, 20, 40, 80, 1000)


def print_relabel_curve(shots, values, folds, grouping, groups, seeds=(0, 1)):
    from engine.affect.evaluate import relabel_curve

    curve = relabel_curve(shots, values, fit_relabelled, RELABEL_COUNTS, folds, seeds, groups)
    labels = sorted({s.label for s in shots})
    print(f"\nthe editor's relabels keep training the learned model (held-out folds grouped by {grouping}; "
          f"training-fold shots relabelled in random order with the dev set's labels; the learned model "
          f"labels shots once active, as in the app; mean of {len(seeds)} orders):")
    print("| relabels | arousal rho | valence rho | neutral mislabelled | accuracy | macro F1 | "
          + " | ".join(f"F1 {l}" for l in labels) + " |")
    print("|---" * (6 + len(labels)) + "|")
    for n, reports in curve.items():
        def mean(name, reports=reports):
            return float(np.mean([getattr(r, name) for r in reports]))
        f1 = [float(np.mean([r.labels[lab].f1 if lab in r.labels else 0.0 for r in reports])) for lab in labels]
        count = "all" if n >= len(shots) else str(n)
        print(f"| {count} | {mean('arousal_rho'):.2f} | {mean('valence_rho'):.2f} | "
              f"{mean('neutral_mislabelled'):.0%} | {mean('accuracy'):.0%} | "
              f"{mean('macro_f1'):.2f} ± {float(np.std([r.macro_f1 for r in reports])):.2f} | "
              + " | ".join(f"{x:.2f}" for x in f1) + " |")
    return curve


def fit_after_nested(shots, values):
    return fit_after(shots, values, nested=True)


MODELS = {"default-before": fit_before, "default-after": fit_after, "default-after-nested": fit_after_nested,
          "learned": fit_learned, "baseline": fit_baseline}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--plots", type=Path, default=Path("out") / "emotion_confusion",
                        help="folder for the confusion plots (out/emotion_confusion, git-ignored)")
    parser.add_argument("--features", type=Path, help="JSON cache of the measured features (read if present)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--words", action="store_true",
                        help="also measure whether the words' sentiment helps valence (transcribes the dev files)")
    args = parser.parse_args(argv)
    shots = load_devset(args.devset)
    t = time.perf_counter()
    if args.features and args.features.exists():
        stored = json.loads(args.features.read_text())
        values = [stored[s.id] for s in shots]
        print(f"features of {len(shots)} shots read from {args.features}")
    else:
        values = measure(shots, args.media, device=args.device)
        print(f"features of {len(shots)} shots measured in {time.perf_counter() - t:.0f} s")
        if args.features:
            args.features.write_text(json.dumps({s.id: v for s, v in zip(shots, values)}))
    sources = sorted({s.source for s in shots})
    print(f"dev set: {len(shots)} shots from {len(sources)} source films, {len({s.file for s in shots})} files; "
          f"{args.folds} folds\n")
    args.plots.mkdir(parents=True, exist_ok=True)
    # Strict: whole source films held out (a shot's twins cut into other sequences too).
    # Lenient: whole files held out (a held-out sequence's source films appear in training).
    groupings = {"source film": [s.source for s in shots], "file": [s.file for s in shots]}
    tables = {}
    for grouping, groups in groupings.items():
        summary = []
        for name, fit in MODELS.items():
            report, _ = cross_validate(shots, values, fit, args.folds, groups=groups)
            summary.append((name, report))
            if grouping == "source film":
                print(f"== {name} (held-out folds, grouped by {grouping})")
                print("\n".join(report.lines()))
                plot = plot_confusion(report, args.plots / f"{name}.png", f"{name}: held-out confusion")
                print(f"  confusion plot: {plot}\n")
        tables[grouping] = summary
    for grouping, summary in tables.items():
        labels = sorted({l for _, r in summary for l, s in r.labels.items() if s.support})
        print(f"\nheld-out folds grouped by {grouping}:")
        print("| model | arousal rho | valence rho | neutral mislabelled | macro F1 | "
              + " | ".join(f"F1 {l}" for l in labels) + " |")
        print("|---" * (5 + len(labels)) + "|")
        for name, r in summary:
            print(f"| {name} | {r.arousal_rho:.2f} | {r.valence_rho:.2f} | {r.neutral_mislabelled:.0%} | "
                  f"{r.macro_f1:.2f} | " + " | ".join(f"{r.labels[l].f1:.2f}" if l in r.labels else "-"
                                                       for l in labels) + " |")
    for grouping, groups in groupings.items():
        print_relabel_curve(shots, values, args.folds, grouping, groups)
    if args.words:
        print_words(shots, values, args.media, args.folds)
    ridge = default_model.choose_ridge(values, *_targets(shots), [s.source for s in shots])
    terms = default_model.fit_terms(values, *_targets(shots))
    print(f"\nridge chosen by grouped cross-validation on the whole dev set: {ridge} "
          f"(default_model.RIDGE ships {default_model.RIDGE})")
    threshold = default_model.choose_min_confidence(values, *_targets(shots), [s.label == "neutral" for s in shots],
                                                    [s.source for s in shots])
    from collections import Counter

    from engine.affect.labels import MIN_CONFIDENCE
    inside = Counter(t for (_, terms, _), (_, t) in _TERMS_CACHE.items() if terms is None)
    print(f"neutral threshold chosen inside the training folds (every fit above): "
          f"{', '.join(f'{t} x{c}' for t, c in sorted(inside.items()))}")
    print(f"neutral threshold chosen by grouped cross-validation on the whole dev set: {threshold} "
          f"(labels.MIN_CONFIDENCE ships {MIN_CONFIDENCE})")
    print("weights fitted on the whole dev set with default_model.RIDGE (what default_model.TERMS ships):")
    for term in terms:
        how = f"(prior {term.prior:+.3f})" if term.fitted else "(hand-set)"
        print(f"  {term.axis:8s} {term.feature:15s} {term.weight:+.3f}  {how}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
