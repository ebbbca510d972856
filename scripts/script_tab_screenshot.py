"""Screenshot of the Script tab writing with the bundled model: docs/script-tab.png.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/script_tab_screenshot.py [PNG]

Builds the real tab with its worker process, generates two variants of a scene with the
default model (SmolLM2-135M-Instruct, converted into the user cache on first use), accepts
the first into the document, refreshes the formatted preview and grabs the widget.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = ("INT. LIGHTHOUSE - NIGHT\n\nMARA, 40s, soaked, climbs the last stair. The lamp is dark. "
          "OWEN sits beside it, holding a letter.\n\nMARA\nYou let it go out.\n")


def main() -> int:
    from desktop.app import create_app
    from desktop.script.tab import ScriptTab

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "script-tab.png"
    app = create_app()
    tab = ScriptTab()
    tab.resize(1600, 1000)
    tab.show()
    tab.prompt.setPlainText(PROMPT)
    tab.variants.setValue(2)
    tab.max_tokens.setValue(60)
    tab.seed.setValue(1)
    tab.generate_button.click()
    deadline = time.monotonic() + 900
    while tab.busy() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    if tab.busy() or not tab.error.isHidden():
        print(f"generation did not finish: {tab.error.text() or 'timed out'}", file=sys.stderr)
        return 1
    tab.panes[0].use_button.click()
    tab.refresh_preview()
    for _ in range(20):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    tab.grab().save(str(out))
    print(f"wrote {out}: {tab.status.text()}")
    tab.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
