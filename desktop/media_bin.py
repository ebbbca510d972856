"""The media bin: imported clips with their probe data and a poster frame."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem

from desktop import workers
from desktop.images import pixmap_from_rgb
from engine.media import MediaInfo
from engine.media.scan import load_bin_entry, media_files

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
    """A list of clips; importing probes each one in the background.

    Emits `clip_selected(path, info)` for a readable clip and `imported(path, info)` once a
    clip's probe succeeded, `failed(path, message)` when it did not.
    """

    clip_selected = Signal(object, object)
    problem_selected = Signal(object, str)
    imported = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
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
        self._jobs: dict[Path, workers.Job] = {}
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
            job = workers.Job(load_bin_entry, path)
            job.signals.finished.connect(lambda entry, p=path: self._on_loaded(p, entry))
            job.signals.failed.connect(lambda message, p=path: self._on_failed(p, message))
            self._jobs[path] = workers.start(job)
            added.append(path)
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
        for column, text in enumerate(describe(info)):
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

    def show_offline(self, path: Path) -> None:
        """A project clip whose file could not be found: listed, marked offline."""
        item = QTreeWidgetItem([path.name])
        item.setData(0, PATH_ROLE, str(path))
        self.addTopLevelItem(item)
        self._mark_problem(item, path, f"{path.name}: media offline (file not found)")

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
        items = self.selectedItems()
        if not items:
            return
        path = Path(items[0].data(0, PATH_ROLE))
        info = self._infos.get(path)
        if info is not None:
            self.clip_selected.emit(path, info)
        elif path in self._problems:
            self.problem_selected.emit(path, self._problems[path])

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
