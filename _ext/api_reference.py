"""Sphinx: an API reference (book/api_reference.md) that reads like documentation, not a dump.

Three things autodoc does on its own that a reader should not have to decode:

- An enum's signature is Python's enum constructor (``value, names=None, *, module=None, ...``),
  and its members, which have no docstrings, are left out. Here an enum has no signature and its
  docstring ends with its members and their values.
- A default that is a function prints as its repr (``<built-in function sleep>``,
  ``<function RetryPolicy.<lambda>>``) and a dataclass ``default_factory`` as ``<factory>``.
  Sphinx cannot parse such a signature, so it also drops the links from the type hints and
  shows them raw (``~collections.abc.Callable``). Here a function default is written as its
  dotted name (``time.sleep``), a lambda as ``...``, a factory as the call it makes
  (``random.Random()``), and the signature parses again.
- A class attribute whose value is a function from another library (``RetryPolicy.sleep``, a
  dataclass field defaulting to ``time.sleep``) is documented as a method carrying that
  library's docstring. Such members are skipped; the class documents the field.

``autodoc_inherit_docstrings: false`` in ``_config.yml`` does the rest: a method that overrides
httpx's or the standard library's shows its own docstring or none.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from typing import Any

from sphinx.util.inspect import object_description

PACKAGE = "helpers"


def _is_enum(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, enum.Enum)


def _dotted(func: Any) -> str:
    """``time.sleep`` for ``time.sleep``; ``...`` for a lambda, which has no name to show."""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if name is None or "<lambda>" in name:
        return "..."
    module = getattr(func, "__module__", None)
    return f"{module}.{name}" if module and module != "builtins" else name


def _readable(obj: Any, name: str, default: Any) -> str | None:
    """How a parameter's default should read, or None to keep autodoc's text."""
    if default is dataclasses.MISSING:
        return None
    if repr(default) == "<factory>" and dataclasses.is_dataclass(obj):
        factory = {f.name: f.default_factory for f in dataclasses.fields(obj)}.get(name)
        if factory is not None and factory is not dataclasses.MISSING:
            return f"{_dotted(factory)}()"
        return None
    if inspect.isroutine(default):
        return _dotted(default)
    return None


def readable_signature(app, what, name, obj, options, signature, return_annotation):
    """Enums lose their constructor's signature; unreadable defaults become readable."""
    if what == "class" and _is_enum(obj):
        return "", None
    if not signature:
        return None
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    changed = signature
    for parameter in parameters:
        if parameter.default is inspect.Parameter.empty:
            continue
        readable = _readable(obj, parameter.name, parameter.default)
        if readable is None:
            continue
        written = f"= {object_description(parameter.default)}"
        changed = changed.replace(written, f"= {readable}", 1)
    if changed == signature:
        return None
    return changed, return_annotation


def list_enum_members(app, what, name, obj, options, lines) -> None:
    """An enum's docstring ends with its members and their values."""
    if what != "class" or not _is_enum(obj):
        return
    lines.extend(["", "Members:", ""])
    lines.extend(f"- ``{member.name}`` = ``{member.value!r}``" for member in obj)
    lines.append("")


def skip_foreign_routines(app, what, name, obj, skip, options):
    """Skip a class member that is another library's function (its docstring is not ours)."""
    if what in ("class", "exception") and inspect.isroutine(obj):
        module = getattr(obj, "__module__", None) or ""
        if module != PACKAGE and not module.startswith(f"{PACKAGE}."):
            return True
    return None


def setup(app):
    app.connect("autodoc-process-signature", readable_signature)
    app.connect("autodoc-process-docstring", list_enum_members)
    app.connect("autodoc-skip-member", skip_foreign_routines)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
