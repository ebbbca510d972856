"""Sampling screenplay text from a causal LM: variants, seeds, streaming and cancel.

`ScriptGenerator.stream` is a plain generator (see engine/jobs.py): it yields `Chunk`s of
text as the model produces them and returns a `GenerationResult`. The model runs in a
helper thread so the generator can hand over text as it comes and notice a cancel request
between tokens. Variants are sampled one after another, variant i with seed `seed + i`, so
a variant's text depends only on its own seed, whether streamed or not and however many
variants were asked for.
"""
from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field, replace

from engine.script.models import DEFAULT_MODEL, LoadedModel, get_model

# Continue mode for instruction models: the prompt is sent as the scene so far, and the
# system turn names its place and characters so a small model keeps them.
SYSTEM_PROMPT = ("You are a professional screenwriter. Continue the user's scene in screenplay "
                 "form: short action lines, and each speech as the character's name in capitals "
                 "on its own line with their words on the next line. Keep the same place{place} "
                 "and the same characters{cast}. Write only what happens next.")
# The outline steps' few-shot prompts, sent to an instruction model as text to complete.
COMPLETE_SYSTEM = ("Continue the user's text from exactly where it stops, following the pattern "
                   "of its examples. Reply with the continuation only.")


def completion_messages(prompt: str) -> list[dict]:
    return [{"role": "system", "content": COMPLETE_SYSTEM}, {"role": "user", "content": prompt}]


def reply_opening(prompt: str) -> str:
    """The cue an instruction model's continuation starts with: the app, not the model, picks
    the next speaker (the scene's other character after the last cue), so the reply is
    dialogue from one of the scene's own characters."""
    from engine.script import fountain as ft
    from engine.script.form import scene_facts

    _, names = scene_facts(prompt)
    if not names:
        return ""
    cues = [e.text for e in ft.parse(prompt).elements if e.kind == ft.CHARACTER]
    last = cues[-1].split("(")[0].strip() if cues else None
    others = [n for n in names if n != last] or names
    return f"{others[0]}\n"


def continue_messages(prompt: str) -> list[dict]:
    """Chat messages asking an instruction model to continue `prompt` as a screenplay."""
    from engine.script.form import scene_facts

    heading, names = scene_facts(prompt)
    system = SYSTEM_PROMPT.format(place=f" ({heading})" if heading else "",
                                  cast=f" ({', '.join(names)})" if names else "")
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"The scene so far:\n\n{prompt.strip()}\n\nContinue the scene."}]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample; defaults follow the product brief (top-k 50, top-p 0.95, 3 variants)."""

    max_new_tokens: int = 120
    temperature: float = 0.9
    top_k: int = 50
    top_p: float = 0.95
    repetition_penalty: float = 1.1
    variants: int = 3
    seed: int | None = None  # None: a fresh random seed, reported in the result

    def __post_init__(self):
        if self.max_new_tokens < 1 or self.variants < 1:
            raise ValueError("max_new_tokens and variants must be at least 1")
        if self.temperature <= 0:
            raise ValueError("temperature must be positive")


@dataclass(frozen=True)
class Chunk:
    """A piece of streamed text: which variant, the text, and overall progress (0..1)."""

    variant: int
    text: str
    fraction: float
    tokens: int  # tokens generated so far for this variant


@dataclass
class GenerationResult:
    """What a generation produced, and with which model (the fallback says why)."""

    model: str
    fallback: bool
    message: str | None
    prompt: str
    chat: bool  # True when the prompt went through the model's chat template
    variants: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # new tokens per variant
    params: SamplingParams = field(default_factory=SamplingParams)
    cancelled: bool = False
    seconds: float = 0.0

    def continuation(self, index: int = 0) -> str:
        """Variant `index` as the text that follows the prompt.

        An instruction model's reply is laid out as Fountain by `engine.script.form.tidy`
        (cues in capitals, quoted speech as dialogue): a small model's own layout is loose.
        """
        if not self.chat:
            return self.variants[index]
        from engine.script import fountain as ft
        from engine.script.form import scene_facts, tidy

        _, names = scene_facts(self.prompt)
        return ft.write(tidy(self.variants[index], names))

    def draft(self, index: int = 0) -> str:
        """Variant `index` as a screenplay: the prompt, then the continuation."""
        if not self.chat:
            return self.prompt + self.variants[index]
        return self.prompt.rstrip("\n") + "\n\n" + self.continuation(index)

    def to_json(self) -> dict:
        """The CLI's `--json` shape."""
        return {"model": self.model, "fallback": self.fallback, "variants": list(self.variants)}

    def to_dict(self) -> dict:
        return {**asdict(self), "params": asdict(self.params)}


class ScriptGenerator:
    """Generates screenplay text with one model, loaded on first use and then kept.

    Args:
        model: Hugging Face model id or local folder (default "gpt2").
        device: "cuda"/"cpu"/...; default CUDA when available.
        fallback: use the bundled model when `model` cannot be loaded (see `message`).
    """

    def __init__(self, model: str = DEFAULT_MODEL, device: str | None = None, *, fallback: bool = True):
        self.requested = str(model)
        self.device = device
        self.allow_fallback = fallback
        self._loaded: LoadedModel | None = None

    def load(self) -> LoadedModel:
        """Load (or fetch from the registry) the model; slow the first time, call it off the GUI thread."""
        if self._loaded is None:
            self._loaded = get_model(self.requested, self.device, fallback=self.allow_fallback)
        return self._loaded

    @property
    def model_id(self) -> str:
        return self.load().model_id

    @property
    def fallback(self) -> bool:
        return self.load().fallback

    @property
    def message(self) -> str | None:
        """Why the fallback is in use, for the tab's status line; None when it is not."""
        return self.load().message

    def generate(self, prompt: str, params: SamplingParams | None = None, *,
                 progress: Callable[[float, str], None] | None = None,
                 cancel: threading.Event | None = None,
                 messages: list[dict] | None = None) -> GenerationResult:
        """Blocking generation; `progress(fraction, message)` as engine jobs report it."""
        job = self.stream(prompt, params, cancel=cancel, messages=messages)
        try:
            while True:
                chunk = next(job)
                if progress is not None:
                    progress(chunk.fraction, f"variant {chunk.variant + 1}: {chunk.tokens} tokens")
        except StopIteration as stop:
            return stop.value

    @property
    def chat(self) -> bool:
        """True for an instruction model (its tokenizer has a chat template)."""
        return self.load().has_chat_template

    def complete(self, prompt: str, *, max_new_tokens: int = 60, seed: int | None = 0,
                 temperature: float = 0.8, stop: tuple[str, ...] = (),
                 messages: list[dict] | None = None) -> str:
        """One continuation of `prompt` (or reply to chat `messages`), cut at the first of `stop`."""
        params = SamplingParams(max_new_tokens=max_new_tokens, temperature=temperature,
                                variants=1, seed=seed)
        if messages is None and self.chat:
            messages = completion_messages(prompt)
        text = self.generate(prompt, params, messages=messages).variants[0]
        cuts = [text.find(s) for s in stop if s and s in text]
        return text[:min(cuts)] if cuts else text

    def stream(self, prompt: str, params: SamplingParams | None = None, *,
               cancel: threading.Event | None = None,
               messages: list[dict] | None = None) -> Generator[Chunk, None, GenerationResult]:
        """Yield text as it is generated, variant after variant; return the full result.

        An instruction model gets `messages` when given, else `continue_messages(prompt)`;
        a base model (no chat template) continues `prompt` as plain text.

        Setting `cancel` (or closing the generator) stops the model within a token; the result
        then holds what was generated so far and `cancelled=True`.
        """
        params = params or SamplingParams()
        loaded = self.load()
        cancel = cancel or threading.Event()
        base_seed = params.seed if params.seed is not None else random.SystemRandom().randrange(2**31)
        input_ids, max_new, chat, opening = _encode(loaded, prompt, params.max_new_tokens, messages)
        result = GenerationResult(model=loaded.model_id, fallback=loaded.fallback,
                                  message=loaded.message, prompt=prompt, chat=chat,
                                  params=replace(params, seed=base_seed))
        started = time.perf_counter()
        for index in range(params.variants):
            if cancel.is_set():
                result.cancelled = True
                break
            seed = base_seed + index
            run = _Run(loaded, input_ids, params, max_new, seed, cancel)
            try:
                if opening:
                    yield Chunk(index, opening, index / params.variants, 0)
                for text in run.pieces():
                    fraction = (index + run.generated / max_new) / params.variants
                    yield Chunk(index, text, min(fraction, 1.0), run.generated)
            finally:
                run.stop()  # also reached when the consumer closes the generator
            # the speech follows its cue directly, even when the model starts with a blank line
            result.variants.append(opening + run.text.lstrip() if opening else run.text)
            result.seeds.append(seed)
            result.tokens.append(run.generated)
            if cancel.is_set():
                result.cancelled = True
                break
        result.seconds = time.perf_counter() - started
        return result


def _encode(loaded: LoadedModel, prompt: str, max_new_tokens: int, messages: list[dict] | None = None):
    """Token ids for `prompt` (through the chat template when there is one), fitted to the context."""
    tokenizer = loaded.tokenizer
    chat = loaded.has_chat_template
    opening = ""
    if chat:
        if messages is None:
            messages, opening = continue_messages(prompt), reply_opening(prompt)
        # A last assistant turn is the start of the reply, which the model continues (the
        # outline steps open a reply with "1. Setup:" so a small model keeps the form).
        prefilled = messages[-1]["role"] == "assistant"
        options = {"continue_final_message": True} if prefilled else {"add_generation_prompt": True}
        try:
            text = tokenizer.apply_chat_template(messages, tokenize=False, **options)
        except Exception:  # noqa: BLE001 - some templates (e.g. Gemma's) reject a system turn
            system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
            merged = [m for m in messages if m["role"] != "system"]
            merged[0] = {"role": merged[0]["role"], "content": f"{system}\n\n{merged[0]['content']}"}
            text = tokenizer.apply_chat_template(merged, tokenize=False, **options)
        ids = tokenizer(text + opening, add_special_tokens=False)["input_ids"]
    else:
        ids = tokenizer(prompt)["input_ids"]
    if not ids:  # an empty prompt: start from the beginning-of-text token
        ids = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]
    limit = loaded.max_positions
    if limit:
        # Small models have short contexts: keep the end of the prompt, which the text continues.
        max_new_tokens = min(max_new_tokens, limit - 1)
        ids = ids[-(limit - max_new_tokens):]
    return ids, max_new_tokens, chat, opening


class _Run:
    """One variant's generate() call in a helper thread, streamed through a queue."""

    def __init__(self, loaded: LoadedModel, input_ids: list[int], params: SamplingParams,
                 max_new_tokens: int, seed: int, cancel: threading.Event):
        from transformers import TextIteratorStreamer

        self.loaded = loaded
        self.prompt_len = len(input_ids)
        self.cancel = cancel
        self.halt = threading.Event()  # set by stop(): the consumer went away
        self.generated = 0
        self.text = ""
        self.error: BaseException | None = None
        # A short timeout lets the consumer notice a dead thread or a cancel while waiting.
        self.streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True, timeout=0.1,
                                             skip_special_tokens=True)
        self.thread = threading.Thread(target=self._work, name="moviola-script-generate",
                                       args=(input_ids, params, max_new_tokens, seed), daemon=True)
        self.thread.start()

    def _work(self, input_ids, params: SamplingParams, max_new_tokens: int, seed: int) -> None:
        import torch
        from transformers import StoppingCriteriaList

        loaded = self.loaded
        tokenizer = loaded.tokenizer
        try:
            with loaded.lock, torch.inference_mode():
                torch.manual_seed(seed)
                if torch.cuda.is_available():
                    torch.cuda.manual_seed_all(seed)
                ids = torch.tensor([input_ids], device=loaded.device)
                output = loaded.model.generate(
                    input_ids=ids, attention_mask=torch.ones_like(ids),
                    do_sample=True, max_new_tokens=max_new_tokens, temperature=params.temperature,
                    top_k=params.top_k, top_p=params.top_p,
                    repetition_penalty=params.repetition_penalty,
                    pad_token_id=tokenizer.pad_token_id, streamer=self.streamer,
                    stopping_criteria=StoppingCriteriaList([_Watch(self)]))
            new = output[0, self.prompt_len:].tolist()
            self.generated = len(new)
            # Decoding all ids at once is exact; streamed pieces can split a multi-byte character.
            self.text = tokenizer.decode(new, skip_special_tokens=True)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self.error = exc
            self.streamer.end()

    def pieces(self):
        """Text pieces as the streamer releases them; raises what the model thread raised."""
        while True:
            try:
                piece = next(self.streamer)
            except queue.Empty:
                if not self.thread.is_alive():
                    break
                continue
            except StopIteration:
                break
            if piece:
                yield piece
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self.halt.set()
        self.thread.join(timeout=5)

    def should_stop(self) -> bool:
        return self.cancel.is_set() or self.halt.is_set()


class _Watch:
    """Stopping criterion: counts new tokens and ends generation on cancel (checked every token)."""

    def __init__(self, run: _Run):
        self.run = run

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        self.run.generated = input_ids.shape[-1] - self.run.prompt_len
        return torch.full((input_ids.shape[0],), self.run.should_stop(), dtype=torch.bool,
                          device=input_ids.device)
