"""Sphinx: resolve the references autodoc writes for ``helpers`` the way Python resolves names.

With ``--nitpick`` every reference must resolve, but autodoc writes names as the code spells them:
``ExotelClient`` in a docstring of ``helpers.book.chapter``, ``BaseRoute`` from a string annotation,
``Mapping`` from a type hint. Sphinx looks each up only as written. This extension looks a name up
as Python would, in the module whose docstring or signature holds it, and then:

- a ``helpers`` object with an entry in the API reference: links to that entry;
- a ``helpers`` object without one (a ``TypeVar``, an undocumented constant): plain text;
- an object from another library or the standard library: plain text (this book has no page
  for it, and there is no network for intersphinx);
- a name Python cannot find: left alone, so Sphinx still warns and the ``-W`` build fails.
"""

from __future__ import annotations

import builtins
import inspect
import sys
from types import ModuleType

from sphinx.util.nodes import make_refnode

PACKAGE = "helpers"
#: What :func:`locate` returns for an object that lives outside ``helpers``.
EXTERNAL = "<external>"


def _walk(module: str | None, target: str) -> tuple[list, list[str]] | None:
    """The objects along ``target``'s dotted path, starting from a module, and the attribute
    names after that module; None if Python cannot find it."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        found = sys.modules.get(".".join(parts[:i]))
        if found is not None:
            path, attrs = [found], parts[i:]
            break
    else:
        scope = sys.modules.get(module or "")
        if scope is not None and hasattr(scope, parts[0]):
            path, attrs = [scope], parts
        elif hasattr(builtins, parts[0]):
            path, attrs = [builtins], parts
        else:
            return None
    for attr in attrs:
        try:
            path.append(getattr(path[-1], attr))
        except AttributeError:
            return None
    return path, attrs


def _name(path: list, attrs: list[str]) -> str:
    """The canonical dotted name of ``path[-1]``: where it is defined, not where it was imported."""
    obj = path[-1]
    if isinstance(obj, ModuleType):
        return obj.__name__
    if inspect.isclass(obj) or inspect.isroutine(obj):
        module = getattr(obj, "__module__", None) or "builtins"
        return f"{module}.{getattr(obj, '__qualname__', obj.__name__)}"
    return f"{_name(path[:-1], attrs[:-1])}.{attrs[-1]}"


def locate(module: str | None, target: str) -> str | None:
    """``target`` as Python sees it from ``module``: a canonical ``helpers.`` name, EXTERNAL, or
    None when no such object exists."""
    found = _walk(module, target)
    if found is None:
        return None
    name = _name(*found)
    inside = name == PACKAGE or name.startswith(PACKAGE + ".")
    return name if inside else EXTERNAL


def resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    name = locate(node.get("py:module"), node["reftarget"])
    if name is None:
        return None
    domain = env.get_domain("py")
    entry = domain.objects.get(name)
    if entry is not None:
        return make_refnode(
            app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name
        )
    module = domain.modules.get(name)
    if module is not None:
        return make_refnode(
            app.builder, node["refdoc"], module.docname, module.node_id, contnode, name
        )
    return contnode


def setup(app):
    app.connect("missing-reference", resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
