"""Title text as an element: drawn once, placed in the scene, faded by the renderer."""
from __future__ import annotations

import numpy as np

from .elements import Element

# Text height as a fraction of the frame height at size 1.
_TEXT_HEIGHT = 0.09


def text_mask(text: str, height_px: int) -> np.ndarray:
    """Anti-aliased coverage (h, w) float32 of ``text`` about ``height_px`` tall."""
    try:
        # Pillow comes with matplotlib; its built-in scalable font needs no font files.
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.load_default(size=max(8, height_px))
        left, top, right, bottom = font.getbbox(text)
        img = Image.new("L", (max(1, right - left + 4), max(1, bottom - top + 4)), 0)
        ImageDraw.Draw(img).text((2 - left, 2 - top), text, fill=255, font=font)
        return np.asarray(img, np.float32) / 255.0
    except (ImportError, AttributeError, TypeError, OSError):
        import cv2

        scale = height_px / 22.0
        thick = max(1, int(round(scale * 1.5)))
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
        img = np.zeros((h + base + 4, w + 4), np.uint8)
        cv2.putText(img, text, (2, h + 2), cv2.FONT_HERSHEY_DUPLEX, scale, 255, thick, cv2.LINE_AA)
        return img.astype(np.float32) / 255.0


class Title:
    """Centred text in the world (start-frame) picture."""

    def __init__(self, element: Element, canvas: tuple[int, int], frame_height: int, fps: float,
                 origin: tuple[float, float] = (0.0, 0.0)):
        """Args:
            origin: Canvas position of the start frame's top-left corner (the margin).
        """
        self.e = element
        self.w, self.h = canvas
        mask = text_mask(element.text or " ", int(round(_TEXT_HEIGHT * element.size * frame_height)))
        frame_w = self.w - 2 * origin[0]
        frame_h = self.h - 2 * origin[1]
        mh, mw = mask.shape
        x = int(round(origin[0] + (frame_w - mw) / 2))
        y = int(round(origin[1] + (frame_h - mh) / 2))
        self.alpha = np.zeros((self.h, self.w), np.float32)
        xs, ys = max(x, 0), max(y, 0)
        xe, ye = min(x + mw, self.w), min(y + mh, self.h)
        if xe > xs and ye > ys:
            self.alpha[ys:ye, xs:xe] = mask[ys - y:ye - y, xs - x:xe - x]

    def render(self, t: float) -> np.ndarray:
        alpha = self.alpha * self.e.opacity
        out = np.empty((self.h, self.w, 4), np.float32)
        out[..., :3] = alpha[..., None] * np.asarray(self.e.colour, np.float32)
        out[..., 3] = alpha
        return out
