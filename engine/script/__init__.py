"""Screenplay drafting: language-model generation, the outline steps, Fountain/FDX/PDF.

Importing this package is cheap: torch and transformers load on the first generation.

- `ScriptGenerator`, `SamplingParams`: sample variants from any causal LM (default: the bundled
  SmolLM2-135M-Instruct), streamed and cancellable; the bundled model stands in when the
  chosen one is unavailable.
- `outline`: Dramatron-style steps, logline → title, characters, beats, locations, scenes.
- `fountain`, `fdx`, `pdf`: the screenplay document, its Fountain text and its exports.
- `footage`: prompts that follow an edit's emotion curve, and OTIO markers for the result.
"""
from pathlib import Path

from engine.atomic import atomic_write_text
from engine.script.fdx import read_fdx, to_fdx, write_fdx
from engine.script.fountain import Element, Screenplay, normalise, parse, write
from engine.script.generation import Chunk, GenerationResult, SamplingParams, ScriptGenerator
from engine.script.models import (
    BUNDLED_MODEL,
    DEFAULT_MODEL,
    ModelUnavailable,
    ensure_converted,
    get_model,
    unload,
)
from engine.script.pdf import count_pages, paginate, write_pdf
from engine.script.story import Beat, Character, Location, Scene, Story

__all__ = [
    "BUNDLED_MODEL", "DEFAULT_MODEL", "Beat", "Character", "Chunk", "Element", "GenerationResult",
    "Location", "ModelUnavailable", "SamplingParams", "Scene", "Screenplay", "ScriptGenerator",
    "Story", "count_pages", "ensure_converted", "export", "get_model", "normalise", "paginate", "parse", "read_fdx",
    "to_fdx", "unload", "write", "write_fdx", "write_pdf",
]


def export(screenplay: Screenplay, path: str | Path) -> Path:
    """Write `screenplay` as .fountain, .fdx or .pdf, chosen by the suffix of `path`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".fdx":
        write_fdx(screenplay, path)
    elif suffix == ".pdf":
        write_pdf(screenplay, path)
    elif suffix in (".fountain", ".spmd", ".txt", ""):
        atomic_write_text(path, write(screenplay))
    else:
        raise ValueError(f"{path.name}: unknown screenplay format (use .fountain, .fdx or .pdf)")
    return path
