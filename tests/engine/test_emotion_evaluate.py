"""The emotion harness: its measures on hand-made cases, held-out folds, the plot, and the benchmark end to end."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.affect.evaluate import (
    DevShot,
    Prediction,
    cross_validate,
    evaluate,
    group_folds,
    load_devset,
    plot_confusion,
    spearman,
)

REPO = Path(__file__).resolve().parents[2]


def _shot(i, label, arousal=0, valence=0.0, source="a"):
    return DevShot(f"s{i}", "f.mp4", i * 10, i * 10 + 9, source, arousal, valence, label)


def test_perfect_predictions_score_perfectly():
    truth = [_shot(0, "neutral", 0, 0.0), _shot(1, "calm", 0, 0.5), _shot(2, "action", 2, -0.2),
             _shot(3, "tense", 1, -0.4)]
    preds = [Prediction(t.valence, 0.2 + 0.3 * t.arousal, t.label) for t in truth]
    r = evaluate(truth, preds)
    assert r.arousal_rho == pytest.approx(1.0) and r.valence_rho == pytest.approx(1.0)
    assert r.neutral_mislabelled == 0 and r.accuracy == 1 and r.macro_f1 == 1
    assert (r.confusion == np.eye(4, dtype=int)).all()


def test_labels_neutral_share_and_confusion():
    truth = [_shot(0, "neutral"), _shot(1, "neutral"), _shot(2, "neutral"), _shot(3, "neutral"),
             _shot(4, "tense"), _shot(5, "tense")]
    labels = ["neutral", "suspense", "sad", "neutral", "tense", "neutral"]
    r = evaluate(truth, [Prediction(0, 0, label) for label in labels])
    assert r.neutral_mislabelled == pytest.approx(0.5)  # 2 of 4 neutral shots given an emotive label
    assert r.labels["tense"].precision == 1 and r.labels["tense"].recall == 0.5
    assert r.labels["neutral"].precision == pytest.approx(2 / 3) and r.labels["neutral"].recall == 0.5
    assert r.labels["suspense"].support == 0 and r.labels["suspense"].f1 == 0
    at = {label: i for i, label in enumerate(r.order)}
    assert r.confusion[at["neutral"], at["sad"]] == 1 and r.confusion[at["tense"], at["neutral"]] == 1
    assert r.confusion.sum() == 6
    # a constant prediction ranks nothing
    assert r.arousal_rho == 0 and spearman([1, 2, 3], [0, 0, 0]) == 0
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)


def test_folds_keep_groups_whole_and_fits_never_see_their_test_shots():
    shots = [_shot(i, "calm" if i % 2 else "neutral", i % 3, 0.1 * (i % 5), source=f"film{i % 7}")
             for i in range(40)]
    folds = group_folds([s.source for s in shots], 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(40))
    for fold in folds:
        inside = {shots[i].source for i in fold}
        assert all(shots[i].source not in inside for i in set(range(40)) - set(fold.tolist()))
    seen = []

    def fit(train, values):
        ids = {s.id for s in train}
        seen.append(ids)
        return lambda x: Prediction(x["v"], x["a"], "neutral" if x["id"] in ids else "calm")

    values = [{"v": s.valence, "a": s.arousal, "id": s.id} for s in shots]
    report, preds = cross_validate(shots, values, fit, 5)
    assert len(seen) == 5 and all(p.label == "calm" for p in preds)  # no test shot was in its fit
    assert report.count == 40 and report.neutral_mislabelled == 1


def test_confusion_plot_is_a_png(tmp_path):
    truth = [_shot(0, "neutral"), _shot(1, "calm")]
    r = evaluate(truth, [Prediction(0, 0, "neutral"), Prediction(0, 0, "neutral")])
    path = plot_confusion(r, tmp_path / "c.png", "test")
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 300
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 5  # drawn, not blank


def test_benchmark_prints_every_model_on_real_shots(media, tmp_path, capsys):
    """benchmarks/emotion.py end to end on a few real dev-set shots (the ASL clips and the llama)."""
    shots = load_devset(REPO / "tests" / "data" / "emotion_devset" / "shots.csv")
    few = [s for s in shots if s.file.startswith("sources/") and
           (s.source.startswith("asl_") or s.source.startswith("caminandes"))]
    path = tmp_path / "few.csv"
    with path.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "file", "start_frame", "end_frame", "source", "arousal", "valence", "label", "sound",
                    "description", "unsure"])
        for s in few:
            w.writerow([s.id, s.file, s.start_frame, s.end_frame, s.source, s.arousal, s.valence, s.label,
                        s.sound, s.description, s.unsure])
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import emotion as bench
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    features = tmp_path / "features.json"
    assert bench.main(["--media", str(media), "--devset", str(path), "--folds", "3",
                       "--plots", str(tmp_path / "plots"), "--features", str(features)]) == 0
    out = capsys.readouterr().out
    for name in ("default-before", "default-after", "learned", "baseline"):
        assert f"| {name} |" in out and (tmp_path / "plots" / f"{name}.png").exists()
    assert "neutral mislabelled" in out and "arousal rho" in out and "F1 neutral" in out
    assert features.exists() and f"dev set: {len(few)} shots" in out
