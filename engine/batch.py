"""How every per-file CLI command treats a batch: one line per unreadable file on stderr,
the others still processed, a JSON list or text per file, non-zero exit if any failed."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any


def each_file(files: Sequence[str], compute: Callable[[str], Any], to_json: Callable[[str, Any], Any],
              to_text: Callable[[str, Any], str], as_json: bool) -> int:
    from engine.media import MediaError

    failed, documents = 0, []
    for name in files:
        try:
            result = compute(name)
        except MediaError as exc:
            failed += 1
            print(f"moviola-cli: {exc}", file=sys.stderr)
            documents.append({"file": str(name), "error": exc.problem})
            continue
        if as_json:
            documents.append(to_json(name, result))
        else:
            print(to_text(name, result))
    if as_json:
        json.dump(documents, sys.stdout, indent=2, ensure_ascii=False)
        print()
    return 1 if failed else 0
