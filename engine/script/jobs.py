"""The script tab's jobs, as the desktop's worker process runs them.

Each job loads the model first (kept in the worker for the next job) and says which model
is in use with `Partial(ModelInUse(...))`; then:

- `generate_job` streams variants: `Partial(VariantStarted(i))` when variant i begins, its
  text as `Text` events, progress, and returns the `GenerationResult` (``cancelled=True``
  with what was written so far when the cancel flag stopped it);
- `outline_job` runs one outline step and returns the new `Story`;
- `footage_job` drafts a text per footage beat and returns the beats;
- `footage_lines_job` (no model) returns what is said in a clip, from its cached transcript.

They watch their own `cancel` flag (the model checks it between tokens), so Stop keeps
what was written; the outline and footage jobs raise `Cancelled` instead.
"""
from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from engine.jobs import Cancelled, Job, Partial, Progress, Text
from engine.script.generation import GenerationResult, SamplingParams, ScriptGenerator, completion_messages
from engine.script.models import DEFAULT_MODEL
from engine.script.story import Story


@dataclass(frozen=True)
class ModelInUse:
    """The model a job writes with; `message` says why it is the fallback ("" if it is not)."""

    model: str
    fallback: bool
    message: str


@dataclass(frozen=True)
class FootageLines:
    """The spoken lines of one clip (`engine.script.footage.spoken_lines`); `transcribed` is
    False when the clip has no transcript in the cache yet."""

    path: str
    transcribed: bool
    lines: list


@dataclass(frozen=True)
class VariantStarted:
    """The `Text` events that follow belong to variant `index`."""

    index: int


class CancellableCompleter:
    """`ScriptGenerator.complete` that stops at `cancel` (the outline steps call it in turn)."""

    def __init__(self, generator: ScriptGenerator, cancel: threading.Event) -> None:
        self.generator, self.cancel = generator, cancel

    @property
    def chat(self) -> bool:
        return self.generator.chat

    def complete(self, prompt: str, *, max_new_tokens: int = 60, seed: int | None = 0,
                 temperature: float = 0.8, stop: tuple[str, ...] = (),
                 messages: list[dict] | None = None) -> str:
        if self.cancel.is_set():
            raise Cancelled("cancelled")
        params = SamplingParams(max_new_tokens=max_new_tokens, temperature=temperature,
                                variants=1, seed=seed)
        if messages is None and self.chat:
            messages = completion_messages(prompt)
        result = self.generator.generate(prompt, params, cancel=self.cancel, messages=messages)
        if result.cancelled:
            raise Cancelled("cancelled")
        text = result.variants[0] if result.variants else ""
        cuts = [text.find(s) for s in stop if s and s in text]
        return text[:min(cuts)] if cuts else text


def generate_job(model: str, prompt: str, params: SamplingParams, *,
                 cancel: threading.Event | None = None) -> Job[GenerationResult]:
    """Stream `params.variants` continuations of `prompt` (see the module docstring)."""
    generator = yield from _loaded(model)
    stream = generator.stream(prompt, params, cancel=cancel)
    variant = -1
    try:
        while True:
            chunk = next(stream)
            if chunk.variant != variant:
                variant = chunk.variant
                yield Partial(VariantStarted(variant))
            yield Text(chunk.text)
            yield Progress(chunk.fraction, f"writing variant {variant + 1} of {params.variants} "
                                           f"— {chunk.tokens} tokens")
    except StopIteration as stop:
        return stop.value
    finally:
        stream.close()  # stops the model thread when the job is closed early


def outline_job(step: str, story: Story, model: str, *, seed: int = 0,
                cancel: threading.Event | None = None, **options) -> Job[Story]:
    """One outline step: "title", "characters", "beats", "locations" or "drafts"."""
    from engine.script import outline

    steps: dict[str, Callable[..., object]] = {
        "title": outline.generate_title, "characters": outline.generate_characters,
        "beats": outline.generate_beats, "locations": outline.generate_locations,
        "drafts": outline.draft_scenes}
    if step not in steps:
        raise ValueError(f"unknown outline step {step!r}")
    generator = yield from _loaded(model)
    yield Progress(0.0, f"outline: {step}")
    lm = CancellableCompleter(generator, cancel or threading.Event())
    result = steps[step](story, lm, seed=seed, **options)
    if inspect.isgenerator(result):
        result = yield from result
    return result


def footage_job(shots: Iterable[Mapping], model: str, *, mode: str = "outline", context: str = "",
                seed: int = 0, lines: Iterable[Mapping] = (),
                cancel: threading.Event | None = None) -> Job[list]:
    """A text per beat of the edit's emotion curve (`engine.script.footage.draft_from_footage`),
    quoting the transcript `lines` heard in each beat."""
    from engine.script.footage import draft_from_footage

    generator = yield from _loaded(model)
    lm = CancellableCompleter(generator, cancel or threading.Event())
    return (yield from draft_from_footage(list(shots), lm, mode, context=context, seed=seed,
                                          lines=list(lines)))


def footage_lines_job(path: str) -> Job[FootageLines]:
    """What is said in the clip at `path`, from its transcript in the analysis cache (the
    transcript panel's, per file fingerprint); nothing is transcribed here."""
    from engine.script.footage import spoken_lines
    from engine.transcript.transcribe import cached_transcript_job

    transcript = yield from cached_transcript_job(path)
    return FootageLines(str(path), transcript is not None, spoken_lines(transcript))


def _loaded(model: str) -> Job[ScriptGenerator]:
    model = model.strip() or DEFAULT_MODEL
    yield Progress(0.0, f"loading {model} (first use can take a while)")
    generator = ScriptGenerator(model, fallback=True)
    loaded = generator.load()
    yield Partial(ModelInUse(loaded.model_id, loaded.fallback, loaded.message or ""))
    return generator


__all__ = ["CancellableCompleter", "FootageLines", "GenerationResult", "ModelInUse", "VariantStarted",
           "footage_job", "footage_lines_job", "generate_job", "outline_job"]
