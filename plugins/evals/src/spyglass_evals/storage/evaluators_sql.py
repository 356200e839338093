"""Evaluators, their versions and evaluation rules in SQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, utc_loaded, utc_value
from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    Evaluator,
    EvaluatorVersion,
    RuleAssignment,
    RuleStatus,
    RuleTarget,
)
from spyglass_evals.ports import EvaluationRuleRepository, EvaluatorRepository
from spyglass_evals.storage.tables import evaluation_rules, evaluator_versions, evaluators

__all__ = ("SqlEvaluationRules", "SqlEvaluators")

_e = evaluators.c
_v = evaluator_versions.c
_r = evaluation_rules.c


def _json(value: Any) -> Any:
    # sa.JSON stores Python None as JSON null unless told: keep SQL NULL for "none".
    return sa.null() if value is None else value


class SqlEvaluators(SqlRepository, EvaluatorRepository):
    """Evaluators joined with their latest version."""

    async def add(self, evaluator: Evaluator) -> None:
        await self._write(
            evaluators.insert().values(
                id=evaluator.id,
                project_id=evaluator.project_id,
                name=evaluator.name,
                description=evaluator.description,
                latest_version=evaluator.latest.version,
                created_at=utc_value(evaluator.created_at),
                updated_at=utc_value(evaluator.updated_at),
            )
        )
        await self._write(evaluator_versions.insert().values(_version_values(evaluator.latest)))

    async def update(self, evaluator: Evaluator) -> None:
        of_evaluator = (_e.project_id == evaluator.project_id, _e.id == evaluator.id)
        stored = await self._first(sa.select(_e.latest_version).where(*of_evaluator))
        if stored is None:
            return
        if evaluator.latest.version != stored.latest_version:
            await self._write(evaluator_versions.insert().values(_version_values(evaluator.latest)))
        await self._write(
            evaluators.update()
            .where(*of_evaluator)
            .values(
                name=evaluator.name,
                description=evaluator.description,
                latest_version=evaluator.latest.version,
                updated_at=utc_value(evaluator.updated_at),
            )
        )

    async def get(self, project_id: str, evaluator_id: str) -> Evaluator | None:
        row = await self._first(_joined().where(_e.project_id == project_id, _e.id == evaluator_id))
        return _evaluator(row) if row else None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Evaluator]:
        rows = await self._all(
            _joined()
            .where(_e.project_id == project_id)
            .order_by(_e.created_at.desc(), self._by_id(_e.id))
            .offset(offset)
            .limit(limit)
        )
        return [_evaluator(r) for r in rows]

    async def versions(
        self, project_id: str, evaluator_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluatorVersion]:
        rows = await self._all(
            sa.select(evaluator_versions)
            .where(_v.project_id == project_id, _v.evaluator_id == evaluator_id)
            .order_by(_v.version.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_version(r) for r in rows]

    async def delete(self, project_id: str, evaluator_id: str) -> bool:
        # Versions go first: SQLite enforces the cascade only with its foreign keys on.
        await self._write(
            evaluator_versions.delete().where(
                _v.project_id == project_id, _v.evaluator_id == evaluator_id
            )
        )
        deleted = await self._write(
            evaluators.delete().where(_e.project_id == project_id, _e.id == evaluator_id)
        )
        return deleted > 0

    def _by_id(self, column: Any) -> Any:
        # Ids are compared byte-wise on every backend, as the memory adapter does.
        return column.collate("C") if self._conn.dialect.name == "postgresql" else column


class SqlEvaluationRules(SqlRepository, EvaluationRuleRepository):
    """Evaluation rules, their assignments as JSON."""

    async def add(self, rule: EvaluationRule) -> None:
        await self._write(evaluation_rules.insert().values(_rule_values(rule)))

    async def update(self, rule: EvaluationRule) -> None:
        values = _rule_values(rule)
        del values["id"], values["project_id"], values["created_at"]
        await self._write(
            evaluation_rules.update()
            .where(_r.project_id == rule.project_id, _r.id == rule.id)
            .values(values)
        )

    async def get(self, project_id: str, rule_id: str) -> EvaluationRule | None:
        row = await self._first(
            sa.select(evaluation_rules).where(_r.project_id == project_id, _r.id == rule_id)
        )
        return _rule(row) if row else None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluationRule]:
        by_id = _r.id.collate("C") if self._conn.dialect.name == "postgresql" else _r.id
        rows = await self._all(
            sa.select(evaluation_rules)
            .where(_r.project_id == project_id)
            .order_by(_r.created_at.desc(), by_id)
            .offset(offset)
            .limit(limit)
        )
        return [_rule(r) for r in rows]

    async def active(self, project_id: str | None = None) -> Sequence[EvaluationRule]:
        query = sa.select(evaluation_rules).where(_r.status == RuleStatus.ACTIVE.value)
        if project_id is not None:
            query = query.where(_r.project_id == project_id)
        return [_rule(r) for r in await self._all(query)]

    async def using(
        self, project_id: str, evaluator_ids: Collection[str]
    ) -> Sequence[EvaluationRule]:
        # A project has few rules: filtering the JSON here keeps the query portable.
        rules = await self.page(project_id, limit=1_000_000)
        return [
            r
            for r in rules
            if any(a.evaluator_id in evaluator_ids for a in r.assignments if a.evaluator_id)
        ]

    async def delete(self, project_id: str, rule_id: str) -> bool:
        deleted = await self._write(
            evaluation_rules.delete().where(_r.project_id == project_id, _r.id == rule_id)
        )
        return deleted > 0


def _joined() -> sa.Select[Any]:
    return sa.select(evaluators, *[c.label(f"v_{c.name}") for c in evaluator_versions.c]).join(
        evaluator_versions,
        sa.and_(
            _v.project_id == _e.project_id,
            _v.evaluator_id == _e.id,
            _v.version == _e.latest_version,
        ),
    )


def _version_values(version: EvaluatorVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "project_id": version.project_id,
        "evaluator_id": version.evaluator_id,
        "version": version.version,
        "messages": version.messages,
        "variables": version.variables,
        "variable_mapping": _json(version.variable_mapping),
        "model_config": _json(version.model_config),
        "output_definition": version.output_definition,
        "created_at": utc_value(version.created_at),
    }


def _version(row: Any, prefix: str = "") -> EvaluatorVersion:
    def col(name: str) -> Any:
        return getattr(row, prefix + name)

    return EvaluatorVersion(
        id=col("id"),
        project_id=col("project_id"),
        evaluator_id=col("evaluator_id"),
        version=col("version"),
        messages=col("messages"),
        variables=col("variables"),
        variable_mapping=col("variable_mapping"),
        model_config=col("model_config"),
        output_definition=col("output_definition"),
        created_at=utc_loaded(col("created_at")),
    )


def _evaluator(row: Any) -> Evaluator:
    return Evaluator(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        description=row.description,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
        latest=_version(row, "v_"),
    )


def _rule_values(rule: EvaluationRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "project_id": rule.project_id,
        "name": rule.name,
        "status": rule.status.value,
        "paused_reason": rule.paused_reason,
        "sampling": rule.sampling,
        "delay_seconds": rule.delay_seconds,
        "filters": rule.filters,
        "assignments": msgspec.to_builtins(rule.assignments),
        "target": rule.target.value,
        "created_at": utc_value(rule.created_at),
        "updated_at": utc_value(rule.updated_at),
    }


def _rule(row: Any) -> EvaluationRule:
    return EvaluationRule(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        status=RuleStatus(row.status),
        paused_reason=row.paused_reason,
        sampling=row.sampling,
        delay_seconds=row.delay_seconds,
        filters=row.filters,
        assignments=msgspec.convert(row.assignments, list[RuleAssignment]),
        target=RuleTarget(row.target),
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )
