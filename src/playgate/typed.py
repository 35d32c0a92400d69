"""Pydantic models built from values that playgate's own code has already typed, without validation.

The ICE snapshot builder types every value itself (``playgate.ice.values``); validating again cost
a few percent of a warm event, and building the validators time at every cold start. (The rules engine
has a leaner constructor of its own for findings, which give every field.) ``model_construct`` is no
help: for each field left at a ``default_factory`` default it inspects the factory's signature, which
made it slower than validating. Tests prove the result equals strict validation of the same values
(``tests/ice/test_model_reference_examples.py``).
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


@functools.cache
def _blank(cls: type[BaseModel]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...], frozenset[str]]:
    """``cls``'s plain defaults, its ``(name, default_factory)`` pairs, and its field names."""
    fields = cls.model_fields
    plain = {name: f.default for name, f in fields.items() if f.default_factory is None}
    factories = tuple((name, f.default_factory) for name, f in fields.items() if f.default_factory)
    return plain, factories, frozenset(fields)


def construct(cls: type[M], **values: Any) -> M:
    """``cls`` holding ``values`` (already of the fields' types) and the defaults of the other fields."""
    plain, factories, names = _blank(cls)
    data = {**plain, **values}
    for name, factory in factories:
        if name not in values:
            data[name] = factory()
    if len(data) != len(names):
        raise TypeError(
            f"{cls.__name__} has no field {', '.join(sorted(data.keys() - cls.model_fields.keys()))}"
        )
    model = cls.__new__(cls)
    _set(model, "__dict__", data)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
