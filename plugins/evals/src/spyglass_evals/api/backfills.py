"""Public API: backfills of a rule (Spyglass extension under Langfuse's rule paths)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import NotFound
from spyglass_evals.domain.executions import Backfill
from spyglass_evals.services.backfills import BackfillRequest, BackfillService

__all__ = ("BACKFILL_ROUTES", "BackfillResponse")


class BackfillResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A backfill with its progress: ``executions`` counts its executions by status."""

    id: str
    rule_id: str
    status: str
    selection: dict[str, Any]
    selected: int
    planned: int
    executions: dict[str, int]
    error: str | None
    created_at: datetime
    updated_at: datetime


class BackfillList(msgspec.Struct, frozen=True, kw_only=True):
    """A rule's newest backfills (without their execution counts)."""

    data: list[BackfillResponse]


def _response(backfill: Backfill, counts: Mapping[str, int] | None = None) -> BackfillResponse:
    return BackfillResponse(
        id=backfill.id,
        rule_id=backfill.rule_id,
        status=backfill.status.value,
        selection=backfill.selection,
        selected=backfill.selected,
        planned=backfill.planned,
        executions=dict(counts or {}),
        error=backfill.error,
        created_at=backfill.created_at,
        updated_at=backfill.updated_at,
    )


def _paths(tail: str) -> list[str]:
    return [
        f"/v2/evaluation-rules/{{rule_id:str}}/{tail}",
        f"/unstable/evaluation-rules/{{rule_id:str}}/{tail}",
    ]


@post(_paths("backfills"), status_code=HTTP_202_ACCEPTED)
async def start_backfill(
    rule_id: FromPath[str],
    data: JSONBody[BackfillRequest],
    principal: FromDishka[Principal],
    service: FromDishka[BackfillService],
) -> BackfillResponse:
    """Run the rule over past traces or a dataset run; answers at once (202), planning
    continues in the background."""
    return _response(await service.start(principal.project_id, rule_id, data))


@get(_paths("backfills"))
async def list_backfills(
    rule_id: FromPath[str], principal: FromDishka[Principal], service: FromDishka[BackfillService]
) -> BackfillList:
    """The rule's newest backfills."""
    return BackfillList(
        data=[_response(b) for b in await service.of_rule(principal.project_id, rule_id)]
    )


@get(_paths("backfills/{backfill_id:str}"))
async def get_backfill(
    rule_id: FromPath[str],
    backfill_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[BackfillService],
) -> BackfillResponse:
    """One backfill with its executions counted by status."""
    backfill, counts = await service.get(principal.project_id, backfill_id)
    if backfill.rule_id != rule_id:
        raise NotFound("Backfill not found")
    return _response(backfill, counts)


BACKFILL_ROUTES = [start_backfill, list_backfills, get_backfill]
