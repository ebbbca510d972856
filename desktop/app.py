"""`moviola`: start the desktop app, or the headless pipeline where there is no display."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from desktop.qt_env import has_display, sanitize_qt_environment


def create_app(argv: list[str] | None = None):
    """The QApplication with our style; safe to call after `import cv2`."""
    sanitize_qt_environment()
    from PySide6.QtWidgets import QApplication

    from engine.resources import resource

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Moviola")
    app.setOrganizationName("Moviola")
    app.setStyle("Fusion")
    app.setStyleSheet(resource("style", "dark.qss").read_text(encoding="utf-8"))
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="moviola", description=__doc__)
    parser.add_argument("files", nargs="*",
                        help="a .moviola project to open, or media files or folders to import")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo footage")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="wait until the footage is analysed, save the window to PNG, quit")
    parser.add_argument("--out", default="out/demo",
                        help="where the headless pipeline writes (no display only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from engine.resources import demo_media
    files = [Path(f) for f in args.files] or (demo_media() if args.demo else [])

    if not has_display():
        print("No display found: running the headless pipeline instead of the window.",
              file=sys.stderr)
        from engine.cli import main as cli_main
        return cli_main(["pipeline", "--out", args.out, *map(str, files)])

    app = create_app()
    from desktop.main_window import MainWindow
    window = MainWindow()
    window.show()
    if not args.screenshot:
        window.projects.recover_at_launch()  # before anything else: a crash's work comes first
    open_startup_files(window, files)
    if args.screenshot:
        _screenshot_when_idle(app, window, Path(args.screenshot))
    return app.exec()


def open_startup_files(window, files: list[Path]) -> None:
    """`moviola X.moviola` opens the project; media files and folders are imported."""
    projects = [f for f in files if f.suffix == ".moviola"]
    if projects:
        window.projects.open(projects[0])
    media = [f for f in files if f.suffix != ".moviola"]
    if media:
        window.import_paths(media)


def _screenshot_when_idle(app, window, target: Path) -> None:
    """Poll until probing and analysis are done, select the first clip, grab, quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def check() -> None:
        if window.bin.pending() or window.analysis.active():
            QTimer.singleShot(250, check)
            return
        if window.bin.topLevelItemCount():
            window.bin.setCurrentItem(window.bin.topLevelItem(window.bin.topLevelItemCount() - 1))
        QTimer.singleShot(1000, select_shot)

    def select_shot() -> None:
        # show the inspector at work: the middle shot, with the playhead in it
        model = window.timeline_model
        if model.shots:
            middle = len(model.shots) // 2
            model.selected_shot = middle
            model.playhead = sum(model.shots[middle]) // 2
        QTimer.singleShot(1500, grab)

    def grab() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(target))
        print(f"{'Saved' if ok else 'Could not save'} screenshot {target.resolve()}")
        # A screenshot run made nothing worth keeping: close without the save prompt.
        window.projects.ask = lambda *_args: QMessageBox.StandardButton.Discard
        window.close()
        app.exit(0 if ok else 1)

    QTimer.singleShot(500, check)


if __name__ == "__main__":
    sys.exit(main())
