"""Screenshot of the Transcript panel in the main window: docs/transcript.png.

Usage (under Xvfb, or offscreen): DISPLAY=:95 .venv/bin/python scripts/transcript_screenshot.py [PNG]

Makes a 12 s clip where two espeak-ng voices speak three lines, imports it into the real
window, transcribes it through the analysis queue, adds a selection to the Selects timeline,
takes its pause out, puts the playhead in a word of the first line, searches, and grabs the
window.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
RATE = 22050
LINES = [(0.5, "en-us", "The lamp in the hallway is broken again."),
         (4.5, "en-us+f3", "I will fix it after dinner, I promise."),
         (8.5, "en-us", "You said that last week about the kitchen door.")]


def speech_clip(folder: Path) -> Path:
    sound = np.zeros(12 * RATE, np.float32)
    for i, (start, voice, text) in enumerate(LINES):
        line = folder / f"line{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(line), text], check=True)
        with wave.open(str(line)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
            if w.getframerate() != RATE:  # the female voice may come at another rate
                samples = np.interp(np.arange(0, samples.size, w.getframerate() / RATE),
                                    np.arange(samples.size), samples).astype(np.float32)
        samples = samples[int(np.argmax(np.abs(samples) > 0.02)):]
        at = int(start * RATE)
        sound[at:at + samples.size] += samples[: sound.size - at]
    wav = folder / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(sound, -1, 1) * 32767).astype(np.int16).tobytes())
    clip = folder / "kitchen scene.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=640x360:r=25:d=12", "-i", str(wav), "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(clip)], check=True)
    return clip


def wait(app, until, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    return until()


def main() -> int:
    from PySide6.QtGui import QTextCursor

    from desktop.app import create_app
    from desktop.main_window import MainWindow

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "transcript.png"
    folder = Path(tempfile.mkdtemp(prefix="moviola-transcript-"))
    os.environ.setdefault("MOVIOLA_CONFIG_DIR", str(folder / "config"))
    clip = speech_clip(folder)
    app = create_app()
    window = MainWindow()
    window.resize(1600, 950)
    window.show()
    window.import_paths([clip])
    panel = window.transcript
    if not wait(app, lambda: panel.path == clip, 60):
        print("the clip did not open", file=sys.stderr)
        return 1
    window.docks["Transcript"].raise_()
    done = []
    panel.transcribed.connect(done.append)
    panel.transcribe()
    if not wait(app, lambda: done and window.analysis.active() == 0, 600):
        print("transcription did not finish", file=sys.stderr)
        return 1
    words = panel.layout_.words
    second = [w for w in words if 4.0 <= w.start < 8.0]
    third = [w for w in words if w.start >= 8.0]
    cursor = QTextCursor(panel.view.document())
    cursor.setPosition(panel.layout_.spans[words.index(second[2])][0])
    cursor.setPosition(panel.layout_.spans[words.index(third[3])][1], QTextCursor.MoveMode.KeepAnchor)
    panel.view.setTextCursor(cursor)
    panel._on_words_selected(words.index(second[2]), words.index(third[3]))
    panel.add_selection()
    panel.remove_fillers_and_pauses()
    first = [w for w in words if w.start < 4.0]
    window.timeline_model.playhead = round((first[1].start + first[1].end) / 2 * 25)  # "lamp"
    panel.search_box.setText("kitchen door")
    for _ in range(40):
        app.processEvents()
        time.sleep(0.02)
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"wrote {out}: {panel.status.text()}")
    window.projects.ask = lambda *_: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.StandardButton.Discard
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
