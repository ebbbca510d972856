"""Face detection on real footage and fer-exact crops."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.affect import Face, classify_expressions, detect_faces, fer_crop, fer_crops, shot_scale
from engine.affect.faces import FaceDetector, crop_window
from engine.affect.fer_reference import load_reference

ASL = ("asl_again", "asl_book", "asl_help", "asl_please", "asl_thanks", "asl_yes")


def read_frames(path: Path, step: int = 1, stop: int | None = None) -> list[np.ndarray]:
    """BGR frames 0, step, 2*step... (OpenCV decodes them as fer's reference did)."""
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    try:
        while stop is None or i < stop:
            ok, img = cap.read()
            if not ok:
                break
            if i % step == 0:
                frames.append(img)
            i += 1
    finally:
        cap.release()
    assert frames, f"could not decode {path}"
    return frames


def face_rate(frames: list[np.ndarray], max_width: int | None) -> float:
    return sum(bool(detect_faces(f, max_width)) for f in frames) / len(frames)


@pytest.fixture(scope="module")
def sources(media):
    return media / "sources"


@pytest.mark.parametrize("max_width", [None, 320])
@pytest.mark.parametrize("clip", ASL)
def test_finds_frontal_faces(sources, clip, max_width):
    frames = read_frames(sources / f"{clip}.mkv", step=8)
    assert face_rate(frames, max_width) >= 0.8
    faces = detect_faces(frames[0], max_width)
    if faces:
        # One signer, hip-up framing: a medium shot, face in the upper middle.
        assert faces[0].w >= 50 and 150 < faces[0].x + faces[0].w / 2 < 490
        assert shot_scale(faces, frames[0].shape[0]) == "medium"


@pytest.mark.parametrize("max_width", [None, 320])
@pytest.mark.parametrize("clip", ["caminandes_llama_drama.mp4", "intel_bottle_detection.mp4"])
def test_no_faces_without_people(sources, clip, max_width):
    frames = read_frames(sources / clip, step=6, stop=600)
    assert face_rate(frames, max_width) <= 0.1


def test_crops_are_fers_exactly(shared, sources):
    ref_dir = shared / "models" / "fer-reference"
    if not (ref_dir / "reference.json").exists():
        pytest.skip(f"FER reference not found at {ref_dir}")
    ref = load_reference(ref_dir)
    # First frame of each ASL clip plus the Tears of Steel close-up (frame 231).
    picks = [i for i, it in enumerate(ref.items)
             if it["source"].startswith("asl_") and it["source"].endswith(" frame 0")
             or it["source"] == "tears_of_steel_0500.mp4 frame 231"]
    assert len(picks) == 7
    for i in picks:
        item = ref.items[i]
        clip, frame_no = item["source"].split()[0], int(item["source"].split()[-1])
        frame = read_frames(sources / clip, stop=frame_no + 1)[-1]
        box = Face(*item["face_box_xywh"])
        assert box in detect_faces(frame), item["source"]
        assert crop_window(box) == tuple(item["crop_window_x1y1x2y2"])
        assert np.array_equal(fer_crop(frame, box), ref.crops[i]), item["source"]


def test_detected_crop_gives_expression(sources):
    frame = read_frames(sources / "asl_again.mkv", stop=1)[0]
    faces = detect_faces(frame)
    crops = fer_crops(frame, faces)
    assert crops.shape == (len(faces), 64, 64) and crops.dtype == np.uint8 and len(faces) == 1
    probs = classify_expressions(crops)
    assert probs.shape == (1, 7) and (probs >= 0).all() and abs(probs.sum() - 1) < 1e-5
    assert probs[0].argmax() == 6  # neutral, as the Keras reference says


def test_downscaled_boxes_are_in_full_frame_pixels(sources):
    frame = read_frames(sources / "asl_again.mkv", stop=1)[0]
    full, small = detect_faces(frame)[0], detect_faces(frame, max_width=320)[0]
    assert abs(full.x - small.x) <= 8 and abs(full.y - small.y) <= 8
    assert abs(full.w - small.w) <= 0.15 * full.w


def test_crop_near_border_uses_padding():
    frame = np.full((120, 160, 3), 200, np.uint8)
    frame[-2:] = 10  # fer pads with the mean of the bottom two rows
    crop = fer_crop(frame, Face(0, 0, 40, 40))
    assert crop.shape == (64, 64)
    assert crop[0, 0] == 10 and crop[40, 40] == 200
    # A box entirely off-frame still yields a crop instead of failing the batch.
    assert fer_crops(frame, [Face(500, 500, 40, 40)]).shape == (1, 64, 64)
    assert fer_crops(frame, []).shape == (0, 64, 64)


def test_crop_window_squares_like_fer():
    assert crop_window(Face(100, 50, 40, 61)) == (100 - 10 - 10, 40, 100 - 10 + 61 + 10, 121)
    assert crop_window(Face(100, 50, 61, 40)) == (90, 50 - 10 - 10, 171, 50 - 10 + 61 + 10)


def test_blank_frame_has_no_faces():
    assert detect_faces(np.zeros((480, 640, 3), np.uint8)) == []
    assert detect_faces(np.full((240, 320), 128, np.uint8), max_width=160) == []
    with pytest.raises(ValueError):
        detect_faces(np.zeros((10, 10, 4), np.uint8))


def test_shot_scale_thresholds():
    assert shot_scale([], 480) is None
    assert shot_scale([Face(0, 0, 30, 30)], 480) == "wide"
    assert shot_scale([Face(0, 0, 70, 70), Face(0, 0, 20, 20)], 480) == "medium"
    assert shot_scale([Face(0, 0, 200, 200)], 360) == "close-up"


def test_detector_is_reusable_per_thread():
    det = FaceDetector()
    img = np.zeros((100, 100), np.uint8)
    assert det.detect(img) == det.detect(img) == []
