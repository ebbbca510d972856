"""Frontal face detection and fer-exact 64x64 face crops.

Detection is OpenCV 4.x's Haar cascade ``haarcascade_frontalface_default.xml``
with the ``fer`` package's settings (scaleFactor 1.1, minNeighbors 5, minSize
50x50). ``fer_crops`` cuts the classifier's input exactly as fer 25.10.3 does, so
our expression probabilities are the original pipeline's.

Notes for the analysis pipeline:

* The cascade is the expensive part: ~65-80 ms per 320-wide frame and ~160 ms at
  640x480, measured on the 2-core dev machine while heavily loaded (the expression model adds ~10 ms
  per face). So detect on downscaled frames (``detect(frame, max_width=320)``)
  and only on a few sampled frames per shot, then cut the crops from the
  full-resolution frame the boxes were mapped back to; batch all of a shot's
  crops through ``expressions`` at once.
* If the decoder already delivers small frames, build ``FaceDetector`` with
  ``min_size`` scaled to that size (50 px is meant for ~640 px wide frames) and
  ``min_neighbors=DOWNSCALED_MIN_NEIGHBORS``.
* ``engine.media.FrameReader(pix_fmt="bgr24")`` and ``cv2.VideoCapture`` decode
  the shared clips bit-identically to the frames the fer reference was made from.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CASCADE_NAME = "haarcascade_frontalface_default.xml"
# fer's FER() defaults.
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 5
MIN_SIZE = 50
# On frames downscaled to 320 px wide faces shrink towards the cascade's 24 px
# window and fer's minNeighbors=5 loses many (asl_book: 5 of 19 sampled frames);
# 3 restores recall (18/19) with no false positive on the llama, bottle-factory
# frames and 2/120 on Big Buck Bunny.
DOWNSCALED_MIN_NEIGHBORS = 3
# fer's crop recipe: pad the frame by 40 px, widen the squared box by 10 px.
PAD = 40
OFFSET = 10
CROP_SIZE = 64

# Shot scale from the largest face box height / frame height. The Haar box spans
# roughly brows to chin (~0.8 of a head). A full figure filling the frame has a box
# ~0.1 of the height; waist-up framing ~0.15-0.25; head and shoulders 0.3 or more.
# Calibrated on the shared footage: ASL webcam signers framed hip-up give 0.14-0.17
# (medium), Tears of Steel close-ups 0.5-0.57 (close-up).
CLOSE_UP_MIN = 0.28
MEDIUM_MIN = 0.10


@dataclass(frozen=True, slots=True)
class Face:
    """A detected face box in pixels of the full frame (x, y: top-left)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h


def to_gray(image: np.ndarray) -> np.ndarray:
    """uint8 gray from a BGR (H, W, 3) or gray (H, W) frame, as fer converts it."""
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise ValueError(f"expected a BGR or gray frame, got shape {image.shape}")


def cascade_path() -> Path:
    """Path of OpenCV's bundled frontal-face cascade.

    Raises:
        RuntimeError: OpenCV without the bundled cascades (OpenCV 5 dropped them).
    """
    data = getattr(cv2, "data", None)
    if data is None or not hasattr(cv2, "CascadeClassifier"):
        raise RuntimeError(f"OpenCV {cv2.__version__} has no Haar cascades; install opencv-python<5")
    path = Path(data.haarcascades) / CASCADE_NAME
    if not path.exists():
        raise RuntimeError(f"{path}: OpenCV's bundled face cascade is missing")
    return path


class FaceDetector:
    """fer's Haar face detector. Not thread-safe: use one per thread.

    Args:
        min_size: Smallest face side in pixels of the full-size frame (fer: 50).
        scale_factor: Cascade pyramid step (fer: 1.1).
        min_neighbors: Overlapping hits a face needs at full size (fer: 5).
        downscaled_min_neighbors: The same when ``detect`` downscales.
    """

    def __init__(self, min_size: int = MIN_SIZE, scale_factor: float = SCALE_FACTOR,
                 min_neighbors: int = MIN_NEIGHBORS,
                 downscaled_min_neighbors: int = DOWNSCALED_MIN_NEIGHBORS):
        self.min_size = min_size
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.downscaled_min_neighbors = downscaled_min_neighbors
        self._cascade = cv2.CascadeClassifier(str(cascade_path()))
        if self._cascade.empty():
            raise RuntimeError(f"could not load {cascade_path()}")

    def detect(self, image: np.ndarray, max_width: int | None = None) -> list[Face]:
        """Faces in a BGR or gray frame, largest first, in the frame's pixels.

        Args:
            image: uint8 BGR (H, W, 3) or gray (H, W).
            max_width: Detect on a copy downscaled to this width (``min_size``
                scaled along, ``downscaled_min_neighbors`` used) and map boxes
                back to the frame's pixels; roughly 2-3x faster from 640 to 320
                wide. None detects at full size, exactly as fer does.
        """
        gray = to_gray(image)
        scale = 1.0
        if max_width is not None and gray.shape[1] > max_width:
            scale = max_width / gray.shape[1]
            size = (max_width, max(1, round(gray.shape[0] * scale)))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        min_side = max(1, round(self.min_size * scale))
        neighbors = self.min_neighbors if scale == 1.0 else self.downscaled_min_neighbors
        boxes = self._cascade.detectMultiScale(
            gray, scaleFactor=self.scale_factor, minNeighbors=neighbors,
            flags=cv2.CASCADE_SCALE_IMAGE, minSize=(min_side, min_side))
        faces = [Face(*(round(int(v) / scale) for v in box)) for box in boxes]
        return sorted(faces, key=lambda f: f.area, reverse=True)


_local = threading.local()


def detect_faces(image: np.ndarray, max_width: int | None = None) -> list[Face]:
    """``FaceDetector.detect`` with a per-thread detector kept for reuse."""
    det = getattr(_local, "detector", None)
    if det is None:
        det = _local.detector = FaceDetector()
    return det.detect(image, max_width)


def pad_frame(gray: np.ndarray) -> np.ndarray:
    """fer's padding: 40 px on every side, filled with the mean of the bottom 2 rows."""
    mean = cv2.mean(gray[-2:])[0]
    return cv2.copyMakeBorder(gray, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=(mean, mean, mean))


def crop_window(face: Face) -> tuple[int, int, int, int]:
    """fer's crop window (x1, y1, x2, y2) in unpadded frame pixels, not clipped."""
    x, y, w, h = face.x, face.y, face.w, face.h
    # fer's tosquare: grow the short side, keep the centre (integer halving).
    if h > w:
        x, w = x - (h - w) // 2, h
    elif w > h:
        y, h = y - (w - h) // 2, w
    return x - OFFSET, y - OFFSET, x + w + OFFSET, y + h + OFFSET


def fer_crops(image: np.ndarray, faces: list[Face]) -> np.ndarray:
    """The 64x64 uint8 classifier inputs for ``faces``, exactly as fer cuts them.

    Args:
        image: The full-resolution frame the boxes refer to, BGR or gray. Pass
            BGR for parity with fer (its gray is ``cv2.COLOR_BGR2GRAY``).
        faces: Boxes in that frame's pixels.

    Returns:
        (N, 64, 64) uint8; a face whose window falls outside the frame gets a
        crop of the padding colour rather than breaking the batch.
    """
    if not faces:
        return np.zeros((0, CROP_SIZE, CROP_SIZE), np.uint8)
    padded = pad_frame(to_gray(image))
    out = np.empty((len(faces), CROP_SIZE, CROP_SIZE), np.uint8)
    for i, face in enumerate(faces):
        x1, y1, x2, y2 = (v + PAD for v in crop_window(face))
        # fer clips only the start; numpy slicing clips the end.
        crop = padded[max(y1, 0):max(y2, 0), max(x1, 0):max(x2, 0)]
        if crop.size == 0:
            out[i] = padded[0, 0]
            continue
        out[i] = cv2.resize(crop, (CROP_SIZE, CROP_SIZE))
    return out


def fer_crop(image: np.ndarray, face: Face) -> np.ndarray:
    """One face's 64x64 uint8 crop; see ``fer_crops``."""
    return fer_crops(image, [face])[0]


def shot_scale(faces: list[Face], frame_height: int) -> str | None:
    """"close-up", "medium" or "wide" from the largest face; None without faces.

    Uses the largest box height / frame height against ``CLOSE_UP_MIN`` (0.28)
    and ``MEDIUM_MIN`` (0.10). No face says nothing about scale (landscape,
    back of a head, animation), hence None rather than "wide".
    """
    if not faces or frame_height <= 0:
        return None
    ratio = max(f.h for f in faces) / frame_height
    if ratio >= CLOSE_UP_MIN:
        return "close-up"
    if ratio >= MEDIUM_MIN:
        return "medium"
    return "wide"
