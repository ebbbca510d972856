"""numpy image → Qt image conversion (GUI thread only)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def qimage_from_rgb(image: np.ndarray) -> QImage:
    """A QImage that owns a copy of an HxWx3 uint8 RGB array (any width, no stride assumption)."""
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_RGB888).copy()


def pixmap_from_rgb(image: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(qimage_from_rgb(image))
