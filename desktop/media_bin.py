"""The media bin: imported clips with their probe data and a poster frame.

Probing and poster frames of new media run in the bin's worker process: a file that crashes
the decoder fails its own row, not the window. A clip is offered for playback
(`clip_selected`) only once that probe has passed.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem

from desktop.images import pixmap_from_rgb
from desktop.runner import Job, ProcessRunner
from engine.media import MediaInfo
from engine.media.scan import media_files
from engine.project.naming import display_names

COLUMNS = ("Name", "Duration", "Picture", "Rate", "Codec", "Audio", "Timecode")
PATH_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(96, 54)


def _timecode_free_duration(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes):d}:{secs:06.3f}"


def describe(info: MediaInfo) -> list[str]:
    """Column texts for a probed clip."""
    v = info.video
    picture = f"{v.width}x{v.height}" if v else "audio only"
    rate = "" if v is None else f"{float(v.frame_rate):.3f}".rstrip("0").rstrip(".") + (" VFR" if v.is_vfr else "")
    codec = v.codec if v else (info.audio[0].codec if info.audio else "")
    audio = ", ".join(f"{a.channels} ch {a.sample_rate // 1000} kHz" for a in info.audio) or "none"
    return [info.path.name, _timecode_free_duration(info.duration), picture, rate, codec, audio,
            info.start_timecode or ""]


class MediaBin(QTreeWidget):
    """A list of clips; importing probes each one in the worker process.

    Emits `clip_selected(path, info)` when the editor selects, or clicks again, a clip whose
    probe passed; `problem_selected(path, message)` for one that failed; `imported(path,
    info)` once a clip's probe succeeded, `failed(path, message)` when it did not. Names
    that repeat (camera cards) carry the folders that tell them apart.
    """

    clip_selected = Signal(object, object)
    problem_selected = Signal(object, str)
    imported = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent=None, runner: ProcessRunner | None = None) -> None:
        """`runner`: where to probe; by default the bin starts its own worker process, so an
        import is never queued behind analysis."""
        super().__init__(parent)
        self.runner = runner or ProcessRunner(self, name="moviola-probe")
        self._owns_runner = runner is None
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setIconSize(ICON_SIZE)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.header().setStretchLastSection(False)
        self.setColumnWidth(0, 250)
        self.setColumnWidth(1, 90)
        self.setColumnWidth(2, 90)
        self.setColumnWidth(3, 60)
        self._infos: dict[Path, MediaInfo] = {}
        self._problems: dict[Path, str] = {}
        self._jobs: dict[Path, Job] = {}
        self._selection_changed = False  # by the mouse press under way
        self.itemSelectionChanged.connect(self._on_selection_changed)

    # -- importing ---------------------------------------------------------------------------
    def import_paths(self, paths: Iterable[Path | str]) -> list[Path]:
        """Add files (folders are searched recursively for media); returns the new clips."""
        added = []
        for path in media_files(Path(p) for p in paths):
            if self._item_for(path) is not None:
                continue
            item = QTreeWidgetItem([path.name, "probing…"])
            item.setData(0, PATH_ROLE, str(path))
            item.setToolTip(0, str(path))
            self.addTopLevelItem(item)
            job = self.runner.submit("engine.media.scan:load_bin_entry", path)
            job.finished.connect(lambda entry, p=path: self._on_loaded(p, entry))
            job.failed.connect(lambda message, p=path: self._on_failed(p, message))
            self._jobs[path] = job
            added.append(path)
        if added:
            self._refresh_names()
        return added

    def pending(self) -> int:
        """Number of clips still being probed."""
        return len(self._jobs)

    def info(self, path: Path) -> MediaInfo | None:
        return self._infos.get(Path(path))

    def selected_paths(self) -> list[Path]:
        return [Path(item.data(0, PATH_ROLE)) for item in self.selectedItems()]

    def paths(self) -> list[Path]:
        return [Path(self.topLevelItem(i).data(0, PATH_ROLE)) for i in range(self.topLevelItemCount())]

    def select_path(self, path: Path) -> bool:
        """Make `path`'s clip the current one (what a click on it does); False if not in the bin."""
        item = self._item_for(Path(path))
        if item is not None:
            self.setCurrentItem(item)
        return item is not None

    def _item_for(self, path: Path) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if Path(item.data(0, PATH_ROLE)) == path:
                return item
        return None

    def _on_loaded(self, path: Path, entry) -> None:
        self._jobs.pop(path, None)
        item = self._item_for(path)
        if item is None:
            return
        info, poster = entry
        self._infos[path] = info
        for column, text in enumerate(describe(info)[1:], start=1):
            item.setText(column, text)
        if poster is not None:
            item.setIcon(0, QIcon(pixmap_from_rgb(poster).scaled(
                ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)))
        else:
            item.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume))
        if info.warnings:
            item.setToolTip(0, f"{path}\n" + "\n".join(info.warnings))
        self.imported.emit(path, info)
        if item.isSelected():
            self._on_selection_changed()

    def clear_clips(self) -> None:
        for job in self._jobs.values():
            job.cancel()
        self._jobs.clear()
        self._infos.clear()
        self._problems.clear()
        self.clear()

    def shutdown(self) -> None:
        """Stop probing (and the bin's worker process, if it started it)."""
        for job in list(self._jobs.values()):
            job.cancel()
        if self._owns_runner:
            self.runner.shutdown()

    def show_offline(self, path: Path) -> None:
        """A project clip whose file could not be found: listed, marked offline."""
        item = QTreeWidgetItem([path.name])
        item.setData(0, PATH_ROLE, str(path))
        self.addTopLevelItem(item)
        self._mark_problem(item, path, f"{path.name}: media offline (file not found)")
        self._refresh_names()

    def _refresh_names(self) -> None:
        """Every row's name: adding `b/clip.mp4` renames `clip.mp4` to `clip.mp4 — a/`."""
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        names = display_names(Path(item.data(0, PATH_ROLE)) for item in items)
        for item in items:
            item.setText(0, names[Path(item.data(0, PATH_ROLE))])

    def _on_failed(self, path: Path, message: str) -> None:
        self._jobs.pop(path, None)
        item = self._item_for(path)
        if item is None:
            return
        self._mark_problem(item, path, message)
        self.failed.emit(path, message)
        if item.isSelected():
            self._on_selection_changed()

    def _mark_problem(self, item: QTreeWidgetItem, path: Path, message: str) -> None:
        self._problems[path] = message
        problem = message.split(": ", 1)[-1] if message.startswith(path.name) else message
        item.setText(1, f"⚠ {problem}")
        item.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        item.setToolTip(0, f"{path}\n{message}")
        item.setForeground(1, QBrush(QColor("#e0605a")))

    def _on_selection_changed(self) -> None:
        self._selection_changed = True
        items = self.selectedItems()
        if not items:
            return
        current = self.currentItem()
        self._offer(current if current is not None and current.isSelected() else items[0])

    def _offer(self, item: QTreeWidgetItem) -> None:
        """Tell the window about `item`: a probed clip to show, or the problem with it."""
        path = Path(item.data(0, PATH_ROLE))
        info = self._infos.get(path)
        if info is not None:
            self.clip_selected.emit(path, info)
        elif path in self._problems:
            self.problem_selected.emit(path, self._problems[path])

    # -- clicking the selected clip again returns to it (e.g. from a playing proposal) ----------
    def mousePressEvent(self, event) -> None:
        self._selection_changed = False
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        item = self.itemAt(event.position().toPoint())
        if (event.button() == Qt.MouseButton.LeftButton and item is not None and item.isSelected()
                and not self._selection_changed):
            self._offer(item)

    # -- drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.import_paths(urls)
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
