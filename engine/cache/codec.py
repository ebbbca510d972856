"""Turn analysis results into bytes and back, without pickle.

A value becomes a JSON document plus, if it holds numpy arrays, an ``.npz`` archive
written and read with ``allow_pickle=False``. Loading a cache therefore can never run
code, whoever wrote the file.

Supported values: ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, lists,
tuples, dicts (any keys of these types), numpy arrays of non-object dtype, numpy
scalars, and dataclasses registered with :func:`register_dataclass`. Registration is
explicit, rather than importing whatever class name the database mentions, so that
decoding only ever builds classes this program chose to trust.

Non-string dict keys, tuples, bytes and the rest are written as small tagged objects
``{"__moviola__": <tag>, ...}``; plain string-keyed dicts stay plain JSON objects,
so most payloads remain readable with any SQLite browser.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import json
from typing import Any, TypeVar

import numpy as np

TAG = "__moviola__"

_T = TypeVar("_T", bound=type)
_DATACLASSES: dict[str, type] = {}


class CodecError(ValueError):
    """A stored payload cannot be decoded (unknown class, changed fields, damage)."""


def register_dataclass(cls: _T | None = None, *, name: str | None = None) -> Any:
    """Allow a dataclass to be stored in and rebuilt from the analysis cache.

    Use as ``@register_dataclass`` or ``@register_dataclass(name="shots.Shot")``.
    Give a ``name`` when the class may move between modules: the stored name is
    what the decoder looks up.

    Args:
        cls: The dataclass (when used without parentheses).
        name: Stable name to store; defaults to ``module.QualName``.

    Returns:
        The class itself, unchanged.
    """

    def register(klass: _T) -> _T:
        if not dataclasses.is_dataclass(klass):
            raise TypeError(f"{klass!r} is not a dataclass")
        key = name or f"{klass.__module__}.{klass.__qualname__}"
        known = _DATACLASSES.get(key)
        if known is not None and known is not klass and _class_id(known) != _class_id(klass):
            raise ValueError(f"dataclass name {key!r} is already registered for {known!r}")
        _DATACLASSES[key] = klass
        klass.__moviola_codec_name__ = key  # type: ignore[attr-defined]
        return klass

    return register(cls) if cls is not None else register


def _class_id(klass: type) -> str:
    # Re-registering the same class after a module reload is fine.
    return f"{klass.__module__}.{klass.__qualname__}"


def encode(value: Any) -> tuple[str, bytes | None]:
    """Serialise a value.

    Args:
        value: A supported value (see the module docstring).

    Returns:
        ``(json_text, npz_bytes_or_None)``.

    Raises:
        TypeError: If the value holds an unsupported type or an unregistered dataclass.
    """
    arrays: dict[str, np.ndarray] = {}
    doc = _to_json(value, arrays)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=True)
    if not arrays:
        return text, None
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return text, buffer.getvalue()


def decode(text: str, blob: bytes | None) -> Any:
    """Rebuild a value written by :func:`encode`.

    Raises:
        CodecError: If the payload is damaged or names a class that is not registered
            or whose fields changed.
    """
    try:
        doc = json.loads(text)
        if blob is None:
            return _from_json(doc, {})
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        return _from_json(doc, arrays)
    except CodecError:
        raise
    except Exception as exc:  # any damage in the payload is reported the same way
        raise CodecError(f"cannot decode cached value: {exc}") from exc


def _to_json(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    # bool before int: bool is a subclass of int but must stay a bool.
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) in (int, float):  # exact types: numpy scalars subclass float
        return value
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError("numpy arrays of dtype=object cannot be cached (they need pickle)")
        ref = f"a{len(arrays)}"
        arrays[ref] = array
        return {TAG: "ndarray" if isinstance(value, np.ndarray) else "npscalar", "ref": ref}
    if isinstance(value, list):
        return [_to_json(item, arrays) for item in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [_to_json(item, arrays) for item in value]}
    if isinstance(value, bytes):
        return {TAG: "bytes", "b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: _to_json(item, arrays) for key, item in value.items()}
        return {
            TAG: "dict",
            "items": [[_to_json(k, arrays), _to_json(v, arrays)] for k, v in value.items()],
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = getattr(type(value), "__moviola_codec_name__", None)
        if name is None or _DATACLASSES.get(name) is not type(value):
            raise TypeError(
                f"{type(value).__qualname__} is not registered for caching; "
                "decorate it with engine.cache.codec.register_dataclass"
            )
        fields = {f.name: _to_json(getattr(value, f.name), arrays) for f in dataclasses.fields(value)}
        return {TAG: "dataclass", "name": name, "fields": fields}
    raise TypeError(f"cannot cache a value of type {type(value).__qualname__}")


def _from_json(doc: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(doc, list):
        return [_from_json(item, arrays) for item in doc]
    if not isinstance(doc, dict):
        return doc
    tag = doc.get(TAG)
    if tag is None:
        return {key: _from_json(item, arrays) for key, item in doc.items()}
    if tag == "ndarray":
        return arrays[doc["ref"]]
    if tag == "npscalar":
        return arrays[doc["ref"]][()]
    if tag == "tuple":
        return tuple(_from_json(item, arrays) for item in doc["items"])
    if tag == "bytes":
        return base64.b64decode(doc["b64"])
    if tag == "dict":
        return {_from_json(k, arrays): _from_json(v, arrays) for k, v in doc["items"]}
    if tag == "dataclass":
        return _build_dataclass(doc["name"], {k: _from_json(v, arrays) for k, v in doc["fields"].items()})
    raise CodecError(f"unknown tag {tag!r} in cached value")


def _build_dataclass(name: str, values: dict[str, Any]) -> Any:
    cls = _DATACLASSES.get(name)
    if cls is None:
        raise CodecError(f"cached value is a {name}, which is not registered (module not imported?)")
    fields = dataclasses.fields(cls)
    if {f.name for f in fields} != set(values):
        # The class changed without its analyser version changing: recompute.
        raise CodecError(f"fields of {name} changed since the value was cached")
    init = {f.name: values[f.name] for f in fields if f.init}
    obj = cls(**init)
    for f in fields:
        if not f.init:
            object.__setattr__(obj, f.name, values[f.name])  # works for frozen classes too
    return obj
