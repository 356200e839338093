"""A migration chain's newest revision, read from its files without importing them.

Alembic learns a chain's history by importing every revision file, and that imports
Alembic itself (with Mako, and Pygments where installed: ~12 MB that stay loaded) into a
process that, on every start but the first, has nothing to migrate. :func:`head_revision`
reads the names that make the history (``revision``, ``down_revision``, ``depends_on``)
from the files' source instead; ``upgrade`` compares the head with the version table and
leaves Alembic alone when they agree. Anything it cannot read plainly (a computed id, a
conditional assignment, dependencies, more than one head) makes it answer None, and
Alembic decides, as it always did. Branch labels only name revisions and are ignored.
"""

from __future__ import annotations

import ast
from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ("head_revision",)

_NAMES = ("revision", "down_revision", "depends_on")


def head_revision(package: str) -> str | None:
    """The one head of the linear chain in ``package``; None if not plainly readable."""
    try:
        entries = list(files(package).iterdir())
    except (ImportError, OSError):
        return None
    parents_of: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        if not _is_revision_file(entry):
            continue
        read = _revision_of(entry.read_text(encoding="utf-8"))
        if read is None or read[0] in parents_of:
            return None
        parents_of[read[0]] = read[1]
    referenced = {parent for parents in parents_of.values() for parent in parents}
    heads = set(parents_of) - referenced
    return heads.pop() if len(heads) == 1 else None


def _is_revision_file(entry: Traversable) -> bool:
    # The files Alembic loads from a version location (its ``_only_source_rev_file``).
    name = entry.name
    return entry.is_file() and name.endswith(".py") and not name.startswith((".#", "__init__"))


def _revision_of(source: str) -> tuple[str, tuple[str, ...]] | None:
    """(revision, parents) from a revision file's module-level assignments."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    values: dict[str, object] = {}
    for node in body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in _NAMES:
            try:
                values[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError):
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or values.get("depends_on"):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(parent, str) for parent in down):
        return revision, tuple(down)
    return None
