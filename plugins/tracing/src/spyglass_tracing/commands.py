"""``spyglass batches list|show|replay``: the operator's handle on dead-lettered batches."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from spyglass_core.domain.errors import DomainError
from spyglass_core.hookspecs import COMMAND_CONTAINER
from spyglass_tracing.services.dead_letters import DeadLetters

__all__ = ("batches",)

T = TypeVar("T")


def _with_dead_letters(ctx: click.Context, use: Callable[[DeadLetters], Awaitable[T]]) -> T:
    async def run() -> T:
        async with ctx.meta[COMMAND_CONTAINER]() as container:
            return await use(await container.get(DeadLetters))

    try:
        return asyncio.run(run())
    except DomainError as error:
        raise click.ClickException(error.message) from error


@click.group()
def batches() -> None:
    """Ingestion batches the worker gave up on (dead-lettered)."""


@batches.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.pass_context
def list_batches(ctx: click.Context, limit: int, offset: int) -> None:
    """Dead batches, oldest first: id, project, received, attempts, last error."""
    records, total = _with_dead_letters(ctx, lambda d: d.list(offset=offset, limit=limit))
    for record in records:
        error = (record.last_error or "").splitlines()[0][:120] if record.last_error else ""
        click.echo(
            f"{record.id}\t{record.project_id}\t{record.received_at.isoformat()}"
            f"\t{record.attempts}\t{error}"
        )
    click.echo(f"{total} dead-lettered batch(es)", err=True)


@batches.command("show")
@click.argument("batch_id")
@click.pass_context
def show_batch(ctx: click.Context, batch_id: str) -> None:
    """One batch's record and its stored events (JSON)."""
    record, body = _with_dead_letters(ctx, lambda d: d.show(batch_id))
    fields: dict[str, Any] = {
        "id": record.id,
        "project": record.project_id,
        "source": record.source,
        "received_at": record.received_at.isoformat(),
        "events": record.event_count,
        "attempts": record.attempts,
        "dead_at": record.dead_at.isoformat() if record.dead_at else None,
        "last_error": record.last_error,
    }
    for name, value in fields.items():
        click.echo(f"{name}: {value}")
    click.echo("file: missing" if body is None else body.decode("utf-8", errors="replace"))


@batches.command("replay")
@click.argument("batch_ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead-lettered batch.")
@click.pass_context
def replay_batches(ctx: click.Context, batch_ids: tuple[str, ...], replay_all: bool) -> None:
    """Make dead batches pending again; the worker applies them (or dead-letters them again)."""
    if not batch_ids and not replay_all:
        raise click.UsageError("name batch ids, or pass --all")

    async def replay(dead_letters: DeadLetters) -> int:
        ids = list(batch_ids)
        if replay_all:
            while True:
                records, _ = await dead_letters.list(limit=1000)
                page = [r.id for r in records if r.id not in ids]
                if not page:
                    break
                ids.extend(page)
                for batch_id in page:
                    await dead_letters.replay(batch_id)
            return len(ids)
        for batch_id in ids:
            await dead_letters.replay(batch_id)
        return len(ids)

    count = _with_dead_letters(ctx, replay)
    click.echo(f"replayed {count} batch(es)")


def register(cli: click.Group) -> None:
    """Add ``batches`` to the root command group."""
    cli.add_command(batches)
