"""Writing rendered clips: ProRes (4444 with alpha, 422 HQ without), H.264, PNG sequences.

Images given to ``ClipWriter.write`` are straight (not premultiplied) RGB or RGBA,
uint8 or float in [0, 1]; Premiere and Resolve read ProRes 4444 alpha as straight.

A movie is written to a temporary beside its path (``engine.atomic``'s naming) and
renamed over it when the clip is closed whole; a PNG sequence is written into a hidden
folder inside its own and its frames moved out when whole, replacing the frames of an
earlier render of that name (other files there are left alone). So a render that fails or
is cancelled leaves the editor's earlier render as it was.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from engine.atomic import sweep_stale_temporaries, temporary_name

PRORES_4444 = {"codec": "prores_ks", "pix_fmt": "yuva444p10le", "profile": "4444"}
PRORES_422HQ = {"codec": "prores_ks", "pix_fmt": "yuv422p10le", "profile": "hq"}
H264 = {"codec": "libx264", "pix_fmt": "yuv420p"}


def output_kind(path: str | Path) -> str:
    """"mov", "mp4" or "png" (a folder for a PNG sequence), from the output path."""
    suffix = Path(path).suffix.lower()
    if suffix in (".mov", ".mp4"):
        return suffix[1:]
    if suffix in ("", ".png"):
        return "png"
    raise ValueError(f"cannot write {suffix!r}: use .mov (ProRes), .mp4 (H.264) or a folder (PNG sequence)")


class ClipWriter:
    """Writes frames of one clip; the stream is set up from the first frame (alpha or not)."""

    def __init__(self, path: str | Path, width: int, height: int, frame_rate: Fraction | float):
        """Args:
            path: ``.mov``, ``.mp4``, or a folder (created) for ``<name>_00000.png`` ...
            frame_rate: Exact rate; floats are turned into the nearest fraction.
        """
        self.path = Path(path)
        self.kind = output_kind(path)
        self.width, self.height = int(width), int(height)
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001 * 1000)
        self.count = 0
        self.files: list[Path] = []
        self._container = None
        self._stream = None
        self._temp: Path | None = None  # the movie, or the PNG frames' folder, until it is whole
        if self.kind == "png":
            self.path.mkdir(parents=True, exist_ok=True)
            sweep_stale_temporaries(self.path)  # a killed render's frames
            self._temp = self.path / temporary_name(self.path.name)
            self._temp.mkdir()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, image: np.ndarray) -> None:
        """Append one frame: (H, W) grey, (H, W, 3) RGB or (H, W, 4) straight RGBA."""
        img = _to_uint8(image)
        if img.shape[0] != self.height or img.shape[1] != self.width:
            raise ValueError(f"frame is {img.shape[1]}x{img.shape[0]}, clip is {self.width}x{self.height}")
        if img.ndim == 2:
            img = np.repeat(img[:, :, None], 3, axis=2)
        if self.kind == "png":
            self._write_png(img)
        else:
            self._write_video(img)
        self.count += 1

    def close(self) -> None:
        """Finish the clip and put it in place of ``path`` (a link there stays a link)."""
        if self.kind == "png":
            self._publish_frames()
        if self._container is not None:
            try:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
                self._container.close()
            except BaseException:
                self.discard()
                raise
            self._container = None
            os.replace(self._temp, os.path.realpath(self.path))
            self._temp = None

    def discard(self) -> None:
        """Drop the clip written so far; whatever was at ``path`` stays."""
        if self._container is not None:
            with contextlib.suppress(Exception):  # already failing: the muxer may be broken too
                self._container.close()
            self._container = None
        if self._temp is not None:
            if self._temp.is_dir():
                shutil.rmtree(self._temp, ignore_errors=True)
            else:
                self._temp.unlink(missing_ok=True)
            self._temp = None

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # a cancelled or failed render leaves no short file, and keeps the last good one
            self.discard()

    def _write_png(self, img: np.ndarray) -> None:
        name = f"{self.path.name}_{self.count:05d}.png"
        code = cv2.COLOR_RGBA2BGRA if img.shape[2] == 4 else cv2.COLOR_RGB2BGR
        if not cv2.imwrite(str(self._temp / name), cv2.cvtColor(img, code)):
            raise OSError(f"cannot write {self.path / name}")
        self.files.append(self.path / name)

    def _publish_frames(self) -> None:
        if self._temp is None:
            return
        ours = re.compile(re.escape(self.path.name) + r"_\d{5}\.png")
        new = {f.name for f in self.files}
        for old in self.path.iterdir():  # a longer earlier render's last frames would follow ours
            if ours.fullmatch(old.name) and old.name not in new:
                old.unlink()
        for f in self.files:
            os.replace(self._temp / f.name, f)
        self._temp.rmdir()
        self._temp = None

    def _write_video(self, img: np.ndarray) -> None:
        alpha = img.shape[2] == 4
        if self._container is None:
            self._open(alpha)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgba" if alpha else "rgb24")
        # Tag and convert as BT.709 video range, what NLEs assume for HD ProRes/H.264.
        frame = frame.reformat(format=self._stream.codec_context.pix_fmt,
                               dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG)
        frame.pts = self.count
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _open(self, alpha: bool) -> None:
        if self.kind == "mov":
            spec = PRORES_4444 if alpha else PRORES_422HQ
        else:
            if alpha:
                raise ValueError("H.264 has no alpha channel: write .mov (ProRes 4444) or PNG")
            spec = H264
        options = {"profile": spec["profile"], "vendor": "apl0"} if "profile" in spec else {"crf": "16"}
        # Beside the file a link at ``path`` points to: a rename cannot cross file systems.
        # The temporary's name has no extension, so the muxer is named.
        real = Path(os.path.realpath(self.path))
        sweep_stale_temporaries(real.parent)  # a killed render's movie
        self._temp = real.parent / temporary_name(real.name)
        self._container = av.open(str(self._temp), "w", format=self.kind)
        stream = self._container.add_stream(spec["codec"], rate=self.frame_rate, options=options)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = spec["pix_fmt"]
        stream.time_base = 1 / self.frame_rate
        cc = stream.codec_context
        cc.time_base = 1 / self.frame_rate
        cc.color_range = 1  # MPEG (video) range
        cc.colorspace = cc.color_primaries = cc.color_trc = 1  # BT.709
        self._stream = stream


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA from premultiplied float RGBA."""
    out = rgba.astype(np.float32, copy=True)
    a = out[..., 3:4]
    np.divide(out[..., :3], a, out=out[..., :3], where=a > 1e-6)
    out[..., :3] = np.clip(out[..., :3], 0.0, 1.0)
    return out
