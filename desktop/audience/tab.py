"""The Audience tab: learn from the channel's analytics export, see how far to trust it, predict
the project's cuts with the reasons, and pick thumbnails.

Learning, predictions and thumbnails decode video and run LightGBM and the face model, so they
run in the tab's worker process (`desktop.runner.ProcessRunner`); the GUI thread only reads the
saved model's JSON and draws. The model lives in a folder (by default in the user's settings
folder, ``audience/``), so the tab shows the last model when the app opens.
"""
from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.audience.skill_plot import SkillPlot
from desktop.runner import ProcessRunner

TARGETS = ("Average percentage viewed (%)", "Average view duration", "Impressions click-through rate (%)", "Views")
#: Features shown in the history table: (feature, column title, format).
SHOWN = (("length_s", "length s", "{:.0f}"), ("cuts_per_min_10s", "cuts/min 0-10 s", "{:.0f}"),
         ("cuts_per_min", "cuts/min", "{:.0f}"), ("hook_arousal", "hook arousal", "{:.2f}"),
         ("faces_early", "faces early", "{:.0%}"), ("brightness", "brightness", "{:.2f}"),
         ("motion", "motion", "{:.2f}"), ("speech_share", "speech", "{:.0%}"),
         ("loudness", "loudness", "{:.0f}"), ("music_share", "music", "{:.0%}"))
UNMATCHED = QColor("#c98a4b")


def default_model_dir() -> Path:
    from engine.settings import config_dir

    return config_dir() / "audience"


class AudienceTab(QWidget):
    """Signals: ``learned(dict)`` with the model summary, ``predicted(list)`` with prediction
    dicts, ``scores_ready(dict, str)`` (timeline name -> predicted value, target) only when the
    model has skill, ``thumbnails_ready(list)``, ``failed(str)``."""

    learned = Signal(dict)
    predicted = Signal(list)
    scores_ready = Signal(dict, str)
    thumbnails_ready = Signal(list)
    failed = Signal(str)

    def __init__(self, parent=None, runner: ProcessRunner | None = None, model_dir: str | Path | None = None) -> None:
        super().__init__(parent)
        self._owns_runner = runner is None
        self.runner = runner or ProcessRunner(self, name="moviola-audience")
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.summary: dict | None = None
        self.project_model = None
        self.clip: Path | None = None
        self.thumbnails: list[dict] = []
        self._job = None

        self.csv = QLineEdit()
        self.csv.setPlaceholderText("YouTube Studio ▸ Advanced mode ▸ Export ▸ Table data.csv")
        self.media = QLineEdit()
        self.media.setPlaceholderText("folder whose file names match the video titles (or a File column)")
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.addItems(TARGETS)
        csv_button, media_button = QPushButton("CSV…"), QPushButton("Folder…")
        csv_button.clicked.connect(self._choose_csv)
        media_button.clicked.connect(self._choose_media)
        self.learn_button = QPushButton("Learn from history")
        self.learn_button.clicked.connect(self.learn)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form = QFormLayout()
        for label, edit, button in (("History", self.csv, csv_button), ("Media", self.media, media_button)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(button)
            form.addRow(label, row)
        run_row = QHBoxLayout()
        run_row.addWidget(self.target, 1)
        run_row.addWidget(self.learn_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress, 1)
        form.addRow("Learn", run_row)

        self.table = QTableWidget(0, 5 + len(SHOWN))
        self.table.setHorizontalHeaderLabels(["line", "video", "file / why not matched", "actual", "predicted (CV)",
                                              *[t for _, t, _ in SHOWN]])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.skill = QLabel("No model yet: choose the channel's export and learn.")
        self.skill.setWordWrap(True)
        self.skill.setTextFormat(Qt.TextFormat.RichText)
        self.plot = SkillPlot()
        self.plot.setMinimumSize(320, 240)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.skill)
        right_layout.addWidget(self.plot, 1)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(right)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)

        self.predict_button = QPushButton("Predict the project's timelines")
        self.predict_button.clicked.connect(self.predict_project)
        self.predictions = QTreeWidget()
        self.predictions.setHeaderLabels(["cut", "predicted", "interval", "rank"])
        self.predictions.setColumnWidth(0, 320)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.predict_button)
        left_layout.addWidget(self.predictions, 1)

        self.count = QSpinBox()
        self.count.setRange(1, 20)
        self.count.setValue(5)
        self.count.setPrefix("best ")
        self.thumbs_button = QPushButton("Thumbnails of the selected clip")
        self.thumbs_button.clicked.connect(lambda: self.find_thumbnails())
        self.export_button = QPushButton("Export PNGs…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_thumbnails())
        self.strip = QListWidget()
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(QSize(192, 108))
        self.strip.setMinimumHeight(140)
        thumbs = QWidget()
        thumbs_layout = QVBoxLayout(thumbs)
        thumbs_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.thumbs_button)
        buttons.addWidget(self.count)
        buttons.addWidget(self.export_button)
        thumbs_layout.addLayout(buttons)
        thumbs_layout.addWidget(self.strip, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(left)
        bottom.addWidget(thumbs)

        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(bottom)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(main, 1)
        self.load_model()

    # ---- the model -------------------------------------------------------------------

    def load_model(self) -> None:
        """Show the model saved in ``model_dir`` (reads its JSON only)."""
        from engine.audience.jobs import read_model_summary
        from engine.audience.model import NoModel

        try:
            summary = read_model_summary(self.model_dir)
        except NoModel:
            return
        self._show_model(summary)

    def learn(self) -> None:
        csv = self.csv.text().strip()
        if not csv:
            self.status.setText("Choose the channel's analytics export (a CSV) first.")
            return
        self._start("engine.audience.jobs:learn_to_folder_job", csv, self.target.currentText().strip(),
                    self.media.text().strip() or None, str(self.model_dir), done=self._on_learned)

    def _on_learned(self, summary: dict) -> None:
        self._show_model(summary)
        problems = summary.get("problems") or []
        note = f"{summary['matched']} of {len(summary['table'])} videos matched and analysed"
        if summary.get("not_understood"):
            note += "; columns not understood: " + ", ".join(summary["not_understood"])
        if problems:
            note += f"; {len(problems)} problem(s), first: {problems[0]}"
        self.status.setText(note)
        self.learned.emit(summary)
        if summary.get("skill"):
            self.predict_project()

    def _show_model(self, summary: dict) -> None:
        self.summary = summary
        cv = summary.get("cv")
        target = summary.get("target") or ""
        if cv:
            line = (f"Cross-validated on {summary['rows']} videos ({cv['folds']} folds × {cv['repeats']}): "
                    f"Spearman <b>{cv['spearman']:.2f}</b>, mean error <b>{cv['mae']:.2f}</b> against "
                    f"{cv['baseline_mae']:.2f} for always predicting the median "
                    f"({'LightGBM' if cv['model'] == 'lightgbm' else 'ridge fallback'}).")
        else:
            line = ""
        if summary.get("skill"):
            verdict = "<span style='color:#7fd17f'><b>The model has skill</b></span>: it ranks cuts."
            drivers = "".join(f"<li>{d['text']}</li>" for d in summary.get("drivers", []))
            verdict += f"<br>What drives {target}:<ul>{drivers}</ul>" if drivers else ""
        else:
            verdict = f"<span style='color:#e39b5b'><b>No skill</b></span>: {summary.get('reason', '')}"
        self.skill.setText(f"{line}<br>{verdict}" if line else verdict)
        history = summary.get("history") or []
        self.plot.show_points([h.get("actual") for h in history], [h.get("cv_prediction") for h in history],
                              target, "predicted vs actual, each video held out")
        self._fill_table(summary.get("table"), history)

    def _fill_table(self, table: list[dict] | None, history: list[dict]) -> None:
        by_line = {h["line"]: h for h in history}
        rows = table if table is not None else [
            {"line": h["line"], "video": h["name"], "file": h["file"], "reason": "", "actual": h["actual"]}
            for h in history]
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            h = by_line.get(row["line"], {})
            feats = h.get("features") or {}
            cells = [row["line"], row["video"], Path(row["file"]).name if row["file"] else row["reason"],
                     row.get("actual"), h.get("cv_prediction")]
            cells += [_fmt(feats.get(name), fmt) for name, _, fmt in SHOWN]
            for c, value in enumerate(cells):
                item = QTableWidgetItem()
                if isinstance(value, (int, float)) and value is not None:
                    item.setData(Qt.ItemDataRole.DisplayRole, round(float(value), 2))
                else:
                    item.setText("" if value is None else str(value))
                if not row["file"]:
                    item.setForeground(QBrush(UNMATCHED))
                    item.setToolTip(row["reason"])
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 260))

    def unmatched_rows(self) -> list[int]:
        """Table rows shown as unmatched (in the orange of a warning)."""
        return [r for r in range(self.table.rowCount())
                if self.table.item(r, 0).foreground().color() == UNMATCHED]

    # ---- predictions -------------------------------------------------------------------

    def set_project_model(self, model) -> None:
        """The app's project model: its timelines and proposals are what Predict predicts."""
        self.project_model = model

    def predict_project(self) -> None:
        if self.project_model is None:
            return
        self.predict_timelines(list(self.project_model.project.timelines))

    def predict_timelines(self, timelines: list) -> None:
        """Predict these OpenTimelineIO timelines in the worker (the project's, or new proposals)."""
        import opentimelineio as otio

        if not timelines:
            self.status.setText("No timelines in the project to predict yet.")
            return
        if self.summary is None or self.summary.get("kind") is None:
            self.status.setText("Learn from the channel's history first" + (
                f" ({self.summary['reason']})." if self.summary else "."))
            return
        documents = [otio.adapters.write_to_string(t, "otio_json") for t in timelines]
        self._start("engine.audience.jobs:predict_timelines_job", str(self.model_dir), documents,
                    done=self._on_predicted)

    def _on_predicted(self, results: list[dict]) -> None:
        self.predictions.clear()
        target = (self.summary or {}).get("target") or ""
        ordered = sorted(results, key=lambda r: r.get("rank", math.inf))
        for r in ordered:
            if "error" in r:
                QTreeWidgetItem(self.predictions, [r["file"], "—", r["error"], ""])
                continue
            lo, hi = r["interval"]
            item = QTreeWidgetItem(self.predictions, [r["file"], f"{r['prediction']:.1f}", f"{lo:.1f} – {hi:.1f}",
                                                      str(r.get("rank", "not ranked"))])
            for c in r["contributions"][:6]:
                QTreeWidgetItem(item, [c["text"], "", "", ""])
            item.setExpanded(True)
        self.predicted.emit(results)
        skill = bool((self.summary or {}).get("skill"))
        self.status.setText(f"Predicted {target} for {len(results)} cut(s)"
                            + ("" if skill else " — the model has no skill, so they are not ranked"))
        if skill:
            self.scores_ready.emit({r["file"]: r["prediction"] for r in results if "error" not in r}, target)

    # ---- thumbnails --------------------------------------------------------------------

    def set_clip(self, path, _info=None) -> None:
        """The clip selected in the bin (the thumbnails' source)."""
        self.clip = Path(path)
        self.thumbs_button.setText(f"Thumbnails of {self.clip.name}")

    def find_thumbnails(self, path: str | Path | None = None) -> None:
        path = Path(path) if path is not None else self.clip
        if path is None:
            self.status.setText("Select a clip in the Media bin first.")
            return
        self.clip = path
        self._start("engine.audience.jobs:thumbnails_job", str(path), self.count.value(), done=self._on_thumbnails)

    def _on_thumbnails(self, found: list[dict]) -> None:
        self.thumbnails = found
        self.strip.clear()
        for i, c in enumerate(found, 1):
            image = c["image"]
            h, w = image.shape[:2]
            qimage = QImage(image.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            item = QListWidgetItem(QIcon(QPixmap.fromImage(qimage)), f"{i}. {c['time']:.1f} s")
            item.setToolTip(f"score {c['score']:.2f}: {c['why']}")
            self.strip.addItem(item)
        self.export_button.setEnabled(bool(found))
        self.status.setText(f"{len(found)} thumbnail candidates of {self.clip.name}, best first")
        self.thumbnails_ready.emit(found)

    def export_thumbnails(self, folder: str | Path | None = None) -> None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Export thumbnails to")
            if not folder:
                return
        self._start("engine.audience.jobs:export_thumbnails", str(self.clip),
                    [(c["source"], c["frame"]) for c in self.thumbnails], str(folder),
                    done=lambda paths: self.status.setText(f"Exported {len(paths)} PNGs to {folder}"))

    # ---- running -----------------------------------------------------------------------

    def _start(self, target: str, *args, done) -> None:
        if self._job is not None:
            self._job.cancel()
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        job = self.runner.submit(target, *args)
        self._job = job
        job.progress.connect(lambda f, m: (self.progress.setValue(int(f * 1000)), self.status.setText(m)))
        job.finished.connect(lambda result: (self._settle(job), self.progress.setValue(1000), done(result)))
        job.failed.connect(lambda message: (self._settle(job), self.status.setText(message),
                                            self.failed.emit(message)))
        job.cancelled.connect(lambda: (self._settle(job), self.status.setText("Cancelled")))

    def _settle(self, job) -> None:
        if self._job is job:
            self._job = None
            self.cancel_button.setEnabled(False)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Analytics export", "", "CSV (*.csv);;All files (*)")
        if path:
            self.csv.setText(path)

    def _choose_media(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of the published videos")
        if folder:
            self.media.setText(folder)

    def shutdown(self) -> None:
        self.cancel()
        if self._owns_runner:
            self.runner.shutdown()


def _fmt(value, fmt: str):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return fmt.format(value)
