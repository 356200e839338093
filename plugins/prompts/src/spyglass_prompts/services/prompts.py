"""Prompt use cases: create, fetch (cached), list, relabel, delete."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound, StorageUnavailable
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_prompts.api.schemas import CreatePromptRequest, PromptResponse
from spyglass_prompts.domain.composition import (
    CompositionLimits,
    references_in,
    resolve,
    validate_composition,
)
from spyglass_prompts.domain.prompts import (
    DEFAULT_LABEL,
    LATEST_LABEL,
    Prompt,
    PromptReference,
    PromptSummary,
    PromptType,
    validate_chat_messages,
    validate_labels,
    validate_prompt_name,
    validate_tags,
)
from spyglass_prompts.ports import PromptRepository

__all__ = ("CachedPrompt", "PromptService")

_CREATE_ATTEMPTS = 20  # concurrent creates of one name retry on the version's unique key
_encoder = msgspec.json.Encoder()


class CachedPrompt(msgspec.Struct, frozen=True):
    """A rendered GET response and its entity tag, as stored in the cache."""

    body: bytes
    etag: str


# MessagePack keeps the body as raw bytes; JSON would base64 it on every cache hit.
_cached_encoder = msgspec.msgpack.Encoder()
_cached_decoder = msgspec.msgpack.Decoder(CachedPrompt)


class PromptService:
    """Prompt management for one deployment; every call is scoped to a project.

    References are resolved within ``limits`` (see ``spyglass_prompts.domain.composition``):
    a create that would exceed them is refused, and so is a fetch of a prompt that has come
    to exceed them since.

    Fetches are served from the cache port. Every write rotates the project's cache
    epoch, which retires every cached prompt of the project at once (composed prompts
    included) and cannot be undone by a reader that loaded the old version just before.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        cache: Cache,
        clock: Clock,
        *,
        ttl_seconds: float,
        limits: CompositionLimits | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._clock = clock
        self._ttl = ttl_seconds
        self._limits = limits or CompositionLimits()

    async def create(
        self, project_id: str, request: CreatePromptRequest, *, created_by: str = "API"
    ) -> Prompt:
        """Store a new version (``max + 1``), labelled ``latest`` plus the given labels.

        ``created_by`` is ``API`` for an API key, as in Langfuse, or the id of the
        signed-in user who created it in the web UI.

        Raises:
            InvalidInput: bad name, labels, tags or content; a type change; bad references;
                references that would resolve beyond the composition limits.
        """
        name = validate_prompt_name(request.name)
        prompt_type = PromptType(request.type or "text")
        content = _validate_content(prompt_type, request.prompt)
        labels = validate_labels(request.labels or [])
        tags = None if request.tags is None else validate_tags(request.tags)
        references = references_in(prompt_type, content)
        for attempt in range(_CREATE_ATTEMPTS):
            try:
                created = await self._create_once(
                    project_id,
                    name,
                    prompt_type,
                    content,
                    labels,
                    tags,
                    references,
                    request,
                    created_by,
                )
            except Conflict:
                if attempt == _CREATE_ATTEMPTS - 1:
                    raise InvalidInput(
                        f"Too many concurrent creates of prompt '{name}'; retry"
                    ) from None
                continue
            await self._rotate_epoch(project_id)
            return created
        raise AssertionError("unreachable")

    async def _create_once(
        self,
        project_id: str,
        name: str,
        prompt_type: PromptType,
        content: Any,
        labels: list[str],
        tags: list[str] | None,
        references: list[PromptReference],
        request: CreatePromptRequest,
        created_by: str,
    ) -> Prompt:
        async with self._uow_factory() as uow:

            async def load(reference: PromptReference) -> Prompt | None:
                return await uow.repository(PromptRepository).get(
                    project_id, reference.name, version=reference.version, label=reference.label
                )

            await validate_composition(name, prompt_type, content, load, self._limits)
            latest = await uow.repository(PromptRepository).latest_version(project_id, name)
            if latest is not None:
                previous = await uow.repository(PromptRepository).get(
                    project_id, name, version=latest
                )
                if previous is not None and previous.type is not prompt_type:
                    raise InvalidInput(
                        f"Previous versions have different prompt type: '{previous.type.value}'"
                    )
            now = self._clock.now()
            prompt = Prompt(
                id=new_id(),
                project_id=project_id,
                name=name,
                version=(latest or 0) + 1,
                type=prompt_type,
                prompt=content,
                config={} if request.config is None else request.config,
                labels=sorted({*labels, LATEST_LABEL}),
                commit_message=request.commit_message,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
            await uow.repository(PromptRepository).add(prompt, references)
            if tags is not None:
                await uow.repository(PromptRepository).set_tags(project_id, name, tags)
            created = await uow.repository(PromptRepository).get(
                project_id, name, version=prompt.version
            )
            await uow.commit()
        assert created is not None
        return created

    async def fetch(
        self, project_id: str, name: str, *, version: int | None, label: str | None
    ) -> CachedPrompt:
        """The rendered, resolved prompt by version or label (``production`` by default).

        Raises:
            InvalidInput: both ``version`` and ``label`` given.
            NotFound: nothing matches.
            Conflict: a stored reference no longer resolves, or the prompt now resolves
                beyond the composition limits (nothing is cached then).
        """
        _check_one_selector(version, label)
        epoch = await self._epoch(project_id)
        selector = f"v{version}" if version is not None else f"l{label or DEFAULT_LABEL}"
        key = f"prompts:{project_id}:{epoch}:{selector}:{name}"
        cached = await self._cache_get(key)
        if cached is not None:
            return _cached_decoder.decode(cached)
        rendered = await self._render(
            project_id, name, version=version, label=label, resolve_refs=True
        )
        await self._cache_set(key, _cached_encoder.encode(rendered), self._ttl)
        return rendered

    async def fetch_unresolved(
        self, project_id: str, name: str, *, version: int | None, label: str | None
    ) -> CachedPrompt:
        """The prompt as stored, references not inlined; never cached (``resolve=false``)."""
        _check_one_selector(version, label)
        return await self._render(
            project_id, name, version=version, label=label, resolve_refs=False
        )

    async def list_summaries(
        self,
        project_id: str,
        *,
        name: str | None,
        label: str | None,
        tag: str | None,
        updated_from: datetime | None,
        updated_to: datetime | None,
        page: int,
        limit: int,
    ) -> tuple[Sequence[PromptSummary], int]:
        """One summary per name with the filters applied, and the total number of names."""
        async with self._uow_factory() as uow:
            return await uow.repository(PromptRepository).list_summaries(
                project_id,
                name=name,
                label=label,
                tag=tag,
                updated_from=updated_from,
                updated_to=updated_to,
                offset=(page - 1) * limit,
                limit=limit,
            )

    async def search_names(
        self, project_id: str, *, search: str | None, after: str | None, limit: int
    ) -> tuple[Sequence[PromptSummary], bool]:
        """One keyset page of names (ordered by name) containing ``search``, any case.

        Returns:
            Up to ``limit`` summaries of the names after ``after``, and whether more follow.
        """
        async with self._uow_factory() as uow:
            summaries, _ = await uow.repository(PromptRepository).list_summaries(
                project_id, name_contains=search, after_name=after, limit=limit + 1
            )
        return summaries[:limit], len(summaries) > limit

    async def versions(self, project_id: str, name: str) -> Sequence[Prompt]:
        """Every version of ``name``, ascending, as stored (references not inlined).

        Raises:
            NotFound: the project has no prompt of that name.
        """
        async with self._uow_factory() as uow:
            found = await uow.repository(PromptRepository).list_versions(project_id, name)
        if not found:
            raise NotFound(f"Prompt not found: '{name}'")
        return found

    async def add_labels(
        self, project_id: str, name: str, version: int, new_labels: list[str]
    ) -> Prompt:
        """Put labels on one version, moving them off the others.

        Raises:
            InvalidInput: ``latest`` or a malformed label. NotFound: no such version.
        """
        labels = validate_labels(new_labels)
        async with self._uow_factory() as uow:
            if (
                await uow.repository(PromptRepository).get(project_id, name, version=version)
                is None
            ):
                raise NotFound(f"Prompt not found: '{name}' with version {version}")
            await uow.repository(PromptRepository).add_labels(project_id, name, version, labels)
            updated = await uow.repository(PromptRepository).get(project_id, name, version=version)
            await uow.commit()
        await self._rotate_epoch(project_id)
        assert updated is not None
        return updated

    async def delete(
        self, project_id: str, name: str, *, version: int | None, label: str | None
    ) -> None:
        """Delete all versions of ``name``, or the one with ``version`` or ``label``.

        Raises:
            NotFound: nothing matches. InvalidInput: another prompt embeds a version
            being deleted.
        """
        async with self._uow_factory() as uow:
            doomed = await self._versions_to_delete(uow, project_id, name, version, label)
            await self._refuse_if_embedded(uow, project_id, name, doomed)
            delete_all = version is None and label is None
            await uow.repository(PromptRepository).delete(
                project_id, name, None if delete_all else doomed
            )
            remaining = await uow.repository(PromptRepository).latest_version(project_id, name)
            if remaining is not None:
                await uow.repository(PromptRepository).add_labels(
                    project_id, name, remaining, [LATEST_LABEL]
                )
            await uow.commit()
        await self._rotate_epoch(project_id)

    async def _versions_to_delete(
        self, uow: UnitOfWork, project_id: str, name: str, version: int | None, label: str | None
    ) -> list[int]:
        if version is not None or label is not None:
            _check_one_selector(version, label)
            found = await uow.repository(PromptRepository).get(
                project_id, name, version=version, label=label
            )
            if found is None:
                raise NotFound(_not_found(name, version, label))
            return [found.version]
        versions = [
            p.version
            for p in await uow.repository(PromptRepository).list_versions(project_id, name)
        ]
        if not versions:
            raise NotFound(f"Prompt not found: '{name}'")
        return versions

    async def _refuse_if_embedded(
        self, uow: UnitOfWork, project_id: str, name: str, doomed: list[int]
    ) -> None:
        for parent, reference in await uow.repository(PromptRepository).dependents(
            project_id, name
        ):
            if parent.name == name and parent.version in doomed:
                continue
            target = await uow.repository(PromptRepository).get(
                project_id, name, version=reference.version, label=reference.label
            )
            if target is not None and target.version in doomed:
                raise InvalidInput(
                    f"Prompt '{name}' version {target.version} is used by "
                    f"'{parent.name}' version {parent.version}; delete or update that first"
                )

    async def _render(
        self,
        project_id: str,
        name: str,
        *,
        version: int | None,
        label: str | None,
        resolve_refs: bool,
    ) -> CachedPrompt:
        async with self._uow_factory() as uow:
            prompt = await uow.repository(PromptRepository).get(
                project_id,
                name,
                version=version,
                label=None if version is not None else label or DEFAULT_LABEL,
            )
            if prompt is None:
                raise NotFound(_not_found(name, version, label or DEFAULT_LABEL))

            async def load(reference: PromptReference) -> Prompt | None:
                return await uow.repository(PromptRepository).get(
                    project_id, reference.name, version=reference.version, label=reference.label
                )

            if resolve_refs:
                resolved = await resolve(prompt, load, self._limits)
                content, graph = resolved.prompt, resolved.graph
            else:
                content, graph = prompt.prompt, None
        body = _encoder.encode(to_response(prompt, content=content, graph=graph))
        return CachedPrompt(body=body, etag=f'"{_digest(body)}"')

    async def _epoch(self, project_id: str) -> str:
        key = f"prompts-epoch:{project_id}"
        raw = await self._cache_get(key)
        if raw is not None:
            return raw.decode()
        epoch = secrets.token_hex(8)  # a fresh epoch can never match entries of an old one
        await self._cache_set(key, epoch.encode(), ttl=None)
        return epoch

    async def _rotate_epoch(self, project_id: str) -> None:
        await self._cache_set(
            f"prompts-epoch:{project_id}", secrets.token_hex(8).encode(), ttl=None
        )

    async def _cache_get(self, key: str) -> bytes | None:
        try:
            return await self._cache.get(key)
        except StorageUnavailable:
            return None

    async def _cache_set(self, key: str, value: bytes, ttl: float | None) -> None:
        with contextlib.suppress(StorageUnavailable):
            await self._cache.set(key, value, ttl)


def to_response(
    prompt: Prompt, *, content: Any = None, graph: dict[str, Any] | None = None
) -> PromptResponse:
    """The wire shape of a prompt version."""
    return PromptResponse(
        id=prompt.id,
        name=prompt.name,
        version=prompt.version,
        type=prompt.type.value,
        prompt=prompt.prompt if content is None else content,
        config=prompt.config,
        labels=prompt.labels,
        tags=prompt.tags,
        commit_message=prompt.commit_message,
        is_active=DEFAULT_LABEL in prompt.labels,
        created_at=prompt.created_at,
        updated_at=prompt.updated_at,
        project_id=prompt.project_id,
        created_by=prompt.created_by,
        resolution_graph=graph,
    )


def _validate_content(prompt_type: PromptType, content: Any) -> Any:
    if prompt_type is PromptType.TEXT:
        if not isinstance(content, str):
            raise InvalidInput("A text prompt must be a string")
        return content
    return validate_chat_messages(content)


def _check_one_selector(version: int | None, label: str | None) -> None:
    if version is not None and label is not None:
        raise InvalidInput("Cannot specify both version and label")


def _not_found(name: str, version: int | None, label: str | None) -> str:
    if version is not None:
        return f"Prompt not found: '{name}' with version {version}"
    return f"Prompt not found: '{name}' with label '{label or DEFAULT_LABEL}'"


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()
