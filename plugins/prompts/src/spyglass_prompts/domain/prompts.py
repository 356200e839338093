"""Prompts: versioned, labelled, composable templates, and the rules they obey.

A prompt *name* has versions 1, 2, 3…; each version is immutable except for its
labels. A label sits on at most one version of a name; ``latest`` always marks the
highest version and nobody sets it by hand. Tags belong to the name, shared by all
versions. A text prompt may embed another with
``@@@langfusePrompt:name=<name>|label=<label>@@@`` (or ``|version=<n>``).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import MAX_INT32, parse_bounded_int

__all__ = (
    "DEFAULT_LABEL",
    "LATEST_LABEL",
    "MAX_NAME_LENGTH",
    "MAX_NESTING_DEPTH",
    "Prompt",
    "PromptReference",
    "PromptSummary",
    "PromptType",
    "parse_references",
    "prompt_variables",
    "reference_tag",
    "split_references",
    "validate_chat_messages",
    "validate_labels",
    "validate_prompt_name",
    "validate_tags",
)

LATEST_LABEL = "latest"
DEFAULT_LABEL = "production"
MAX_NESTING_DEPTH = 5
MAX_NAME_LENGTH = 255
MAX_LABEL_LENGTH = 36
MAX_TAG_LENGTH = 100
_RESERVED_NAMES = frozenset({"new", "metrics", "prompt-detail"})
_LABEL = re.compile(r"^[a-z0-9_.\-]+$")
_NAME_FORBIDDEN = re.compile(r"[|\x00-\x1f]")
_REFERENCE = re.compile(r"@@@langfusePrompt:(.*?)@@@")
# Langfuse's mustache variables: ``{{name}}``, the name starting with a letter.
_MUSTACHE = re.compile(r"{{([^{}]*)}}")
_VARIABLE_NAME = re.compile(r"[A-Za-z]\w*", re.ASCII)


class PromptType(enum.Enum):
    """A text template, or a list of chat messages."""

    TEXT = "text"
    CHAT = "chat"


class Prompt(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a prompt. ``prompt`` is a string (text) or a list of messages (chat)."""

    id: str
    project_id: str
    name: str
    version: int
    type: PromptType
    prompt: Any
    created_at: datetime
    updated_at: datetime
    config: Any = msgspec.field(default_factory=dict)
    labels: list[str] = []
    tags: list[str] = []
    commit_message: str | None = None
    created_by: str = "API"


class PromptReference(msgspec.Struct, frozen=True, kw_only=True):
    """A dependency: another prompt by name and exactly one of version or label."""

    name: str
    version: int | None = None
    label: str | None = None


class PromptSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What the list endpoint shows of one prompt name."""

    name: str
    type: PromptType
    versions: list[int]
    labels: list[str]
    tags: list[str]
    last_updated_at: datetime
    last_config: Any


def validate_prompt_name(name: str) -> str:
    """Return ``name`` or raise ``InvalidInput``: 1-255 chars, no ``|``, folders with ``/``."""
    if not name or not name.strip():
        raise InvalidInput("Prompt name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"Prompt name must be at most {MAX_NAME_LENGTH} characters")
    if _NAME_FORBIDDEN.search(name):
        raise InvalidInput("Prompt name must not contain '|' or control characters")
    if name in _RESERVED_NAMES:
        raise InvalidInput(f"Prompt name '{name}' is reserved")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise InvalidInput("Prompt folders must not be empty: no leading, trailing or double '/'")
    return name


def validate_labels(labels: list[str], *, allow_latest: bool = False) -> list[str]:
    """Deduplicated labels in their given order, or ``InvalidInput``.

    Labels are lower-case ``[a-z0-9_.-]``, at most 36 characters; ``latest`` is reserved.
    """
    seen: list[str] = []
    for label in labels:
        if not isinstance(label, str) or not _LABEL.match(label) or len(label) > MAX_LABEL_LENGTH:
            raise InvalidInput(
                f"Invalid label {label!r}: use at most {MAX_LABEL_LENGTH} characters "
                "of lower-case letters, digits, '_', '.' and '-'"
            )
        if label == LATEST_LABEL and not allow_latest:
            raise InvalidInput("The 'latest' label is reserved and managed automatically")
        if label not in seen:
            seen.append(label)
    return seen


def validate_tags(tags: list[str]) -> list[str]:
    """Deduplicated, sorted tags, or ``InvalidInput`` for an empty or over-long tag."""
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(f"Invalid tag {tag!r}: 1 to {MAX_TAG_LENGTH} characters")
    return sorted(set(tags))


def prompt_variables(text: str) -> list[str]:
    """The ``{{variable}}`` names in ``text``, in order, deduplicated.

    As in Langfuse, only names starting with a letter followed by letters, digits or
    ``_`` count; ``{{ spaced }}`` and other braces are left alone.
    """
    found: list[str] = []
    for name in _MUSTACHE.findall(text):
        if _VARIABLE_NAME.fullmatch(name) and name not in found:
            found.append(name)
    return found


def validate_chat_messages(messages: Any) -> list[dict[str, Any]]:
    """Check a chat prompt: ``{role, content}`` messages and ``{type: placeholder, name}``.

    A ``{{variable}}`` of a message may not share its name with a placeholder: both are
    filled by name when the prompt is compiled.
    """
    if not isinstance(messages, list):
        raise InvalidInput("A chat prompt must be a list of messages")
    placeholders: list[str] = []
    variables: list[str] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidInput(f"Chat message {index} must be an object")
        if message.get("type") == "placeholder":
            if not isinstance(message.get("name"), str) or not message["name"]:
                raise InvalidInput(f"Placeholder {index} needs a non-empty 'name'")
            placeholders.append(message["name"])
        elif not isinstance(message.get("role"), str) or not isinstance(
            message.get("content"), str
        ):
            raise InvalidInput(f"Chat message {index} needs string 'role' and 'content'")
        else:
            variables.extend(prompt_variables(message["content"]))
    clashes = [name for name in dict.fromkeys(variables) if name in placeholders]
    if clashes:
        raise InvalidInput(
            "Cannot create prompt, variables and placeholders must be unique, "
            f"the following are not: {', '.join(clashes)}"
        )
    return messages


def parse_references(text: str) -> list[PromptReference]:
    """Every ``@@@langfusePrompt:…@@@`` tag in ``text``, in order, deduplicated.

    Raises:
        InvalidInput: a tag lacks ``name=`` first or exactly one of ``version``/``label``,
            or its version is not a number up to ``MAX_INT32``.
    """
    found: list[PromptReference] = []
    for reference in split_references(text)[1]:
        if reference not in found:
            found.append(reference)
    return found


def split_references(text: str) -> tuple[list[str], list[PromptReference]]:
    """``text`` cut at its ``@@@langfusePrompt:…@@@`` tags.

    Returns:
        The literal pieces around the tags (one more than there are tags) and the
        reference of every tag in order, repeats included: the tag ``i`` sits between
        the pieces ``i`` and ``i + 1``.

    Raises:
        InvalidInput: a tag lacks ``name=`` first or exactly one of ``version``/``label``,
            or its version is not a number up to ``MAX_INT32``.
    """
    pieces = _REFERENCE.split(text)
    return pieces[0::2], [_parse_tag(body) for body in pieces[1::2]]


def _parse_tag(body: str) -> PromptReference:
    parts = body.split("|")
    if len(parts) != 2 or not parts[0].startswith("name=") or not parts[0][5:]:
        raise InvalidInput(
            f"Invalid prompt reference '@@@langfusePrompt:{body}@@@': "
            "expected name=<name>|version=<n> or name=<name>|label=<label>"
        )
    name, (key, _, value) = parts[0][5:], parts[1].partition("=")
    version = parse_bounded_int(value, MAX_INT32) if key == "version" else None
    if version is not None:
        return PromptReference(name=name, version=version)
    if key == "label" and value:
        return PromptReference(name=name, label=value)
    raise InvalidInput(f"Invalid prompt reference '@@@langfusePrompt:{body}@@@'")


def reference_tag(reference: PromptReference) -> str:
    """The tag text that ``reference`` was parsed from."""
    selector = (
        f"version={reference.version}"
        if reference.version is not None
        else f"label={reference.label}"
    )
    return f"@@@langfusePrompt:name={reference.name}|{selector}@@@"
