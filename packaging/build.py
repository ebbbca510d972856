"""Build the one-folder app: icons, PyInstaller, desktop entry, size report, tarball.

    python packaging/build.py            # what `make package` runs

Writes dist/moviola/ (moviola, moviola-cli, _internal/, share/, install-desktop-entry.sh) and
dist/moviola-<version>-<os>-<arch>.tar.gz, and prints the bundle's size, its ten largest parts
and the build time.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from make_icon import SIZES, write_icons  # noqa: E402

INSTALL_SCRIPT = """#!/bin/sh
# Adds Moviola to the desktop's application menu for this user (run it from anywhere).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications"
sed "s|^Exec=moviola|Exec=\\"$here/moviola\\"|" "$here/share/applications/moviola.desktop" \\
    > "$data/applications/moviola.desktop"
for dir in "$here"/share/icons/hicolor/*/apps; do
    size="$(basename "$(dirname "$dir")")"
    mkdir -p "$data/icons/hicolor/$size/apps"
    cp "$dir/moviola.png" "$data/icons/hicolor/$size/apps/moviola.png"
done
echo "Moviola added to the application menu ($data/applications/moviola.desktop)"
"""


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return f"{system}-{platform.machine().lower()}"


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def tree_size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(app: Path, count: int = 10) -> str:
    """Total size and the largest parts: each top-level entry of _internal/ (a package folder or
    a library) and the executables beside it."""
    parts = []
    for entry in app.iterdir():
        if entry.name == "_internal":
            parts += [(tree_size(p), f"_internal/{p.name}") for p in entry.iterdir()]
        else:
            parts.append((tree_size(entry), entry.name))
    parts.sort(reverse=True)
    total = tree_size(app)
    lines = [f"Bundle {app}: {human(total)} in {sum(1 for _ in app.rglob('*'))} entries",
             f"The {count} largest parts:"]
    lines += [f"  {human(size):>10}  {name}" for size, name in parts[:count]]
    return "\n".join(lines)


def add_desktop_entry(app: Path, icons: Path) -> None:
    share = app / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "moviola.desktop", share / "applications" / "moviola.desktop")
    for size in SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(icons / f"moviola-{size}.png", target / "moviola.png")
    script = app / "install-desktop-entry.sh"
    script.write_text(INSTALL_SCRIPT)
    script.chmod(0o755)


def make_tarball(app: Path) -> Path:
    tarball = app.parent / f"moviola-{version()}-{platform_tag()}.tar.gz"
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(app, arcname=app.name)
    return tarball


def main() -> int:
    start = time.monotonic()
    build, dist = ROOT / "build", ROOT / "dist"
    icons = build / "icons"
    write_icons(icons)
    env = dict(os.environ, MOVIOLA_ICON_DIR=str(icons), MOVIOLA_VERSION=version())
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(build / "pyinstaller"),
               str(HERE / "moviola.spec")]
    print("+", " ".join(command), flush=True)
    if subprocess.call(command, cwd=ROOT, env=env) != 0:
        print("packaging/build.py: PyInstaller failed (see above)", file=sys.stderr)
        return 1
    app = dist / "moviola"
    built = time.monotonic()
    if sys.platform.startswith("linux"):
        add_desktop_entry(app, icons)
    print(size_report(app), flush=True)
    tarball = make_tarball(app)
    done = time.monotonic()
    print(f"Archive {tarball}: {human(tarball.stat().st_size)}")
    print(f"Build time: {built - start:.0f} s PyInstaller, {done - built:.0f} s archive, "
          f"{done - start:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
