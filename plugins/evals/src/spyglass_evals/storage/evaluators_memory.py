"""In-memory evaluators, versions and rules: the SQL adapters' rules over the memory
database. Reads hand out deep copies (the structs hold lists and dicts)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    Evaluator,
    EvaluatorVersion,
    RuleStatus,
)
from spyglass_evals.ports import EvaluationRuleRepository, EvaluatorRepository

__all__ = ("MemoryEvaluationRules", "MemoryEvaluators")

_EVALUATORS = "evaluators"
_VERSIONS = "evaluator_versions"
_RULES = "evaluation_rules"


class MemoryEvaluators(EvaluatorRepository):
    """Evaluators by (project, id); versions by (project, evaluator, version)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, evaluator: Evaluator) -> None:
        table = self._db.table(_EVALUATORS)
        key = (evaluator.project_id, evaluator.id)
        if key in table:
            raise Conflict("Evaluator already exists")
        table[key] = copy.deepcopy(evaluator)
        self._store_version(evaluator.latest)

    async def update(self, evaluator: Evaluator) -> None:
        table = self._db.table(_EVALUATORS)
        key = (evaluator.project_id, evaluator.id)
        stored = table.get(key)
        if stored is None:
            return
        if evaluator.latest.version != stored.latest.version:
            self._store_version(evaluator.latest)
        table[key] = copy.deepcopy(msgspec.structs.replace(evaluator, created_at=stored.created_at))

    async def get(self, project_id: str, evaluator_id: str) -> Evaluator | None:
        stored = self._db.table(_EVALUATORS).get((project_id, evaluator_id))
        return copy.deepcopy(stored) if stored is not None else None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Evaluator]:
        mine = [e for e in self._db.table(_EVALUATORS).values() if e.project_id == project_id]
        # Newest first, ties by id ascending: sort by id, then (stably) by time descending.
        mine.sort(key=lambda e: e.id)
        mine.sort(key=lambda e: e.created_at, reverse=True)
        return [copy.deepcopy(e) for e in mine[offset : offset + limit]]

    async def versions(
        self, project_id: str, evaluator_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluatorVersion]:
        mine = [
            v
            for (p, e, _), v in self._db.table(_VERSIONS).items()
            if p == project_id and e == evaluator_id
        ]
        mine.sort(key=lambda v: v.version, reverse=True)
        return [copy.deepcopy(v) for v in mine[offset : offset + limit]]

    async def delete(self, project_id: str, evaluator_id: str) -> bool:
        versions = self._db.table(_VERSIONS)
        for key in [k for k in versions if k[0] == project_id and k[1] == evaluator_id]:
            del versions[key]
        return self._db.table(_EVALUATORS).pop((project_id, evaluator_id), None) is not None

    def _store_version(self, version: EvaluatorVersion) -> None:
        key = (version.project_id, version.evaluator_id, version.version)
        versions = self._db.table(_VERSIONS)
        if key in versions:
            raise Conflict("Evaluator version already exists")
        versions[key] = copy.deepcopy(version)


class MemoryEvaluationRules(EvaluationRuleRepository):
    """Evaluation rules by (project, id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, rule: EvaluationRule) -> None:
        table = self._db.table(_RULES)
        key = (rule.project_id, rule.id)
        if key in table:
            raise Conflict("Evaluation rule already exists")
        table[key] = copy.deepcopy(rule)

    async def update(self, rule: EvaluationRule) -> None:
        table = self._db.table(_RULES)
        key = (rule.project_id, rule.id)
        stored = table.get(key)
        if stored is not None:
            table[key] = copy.deepcopy(msgspec.structs.replace(rule, created_at=stored.created_at))

    async def get(self, project_id: str, rule_id: str) -> EvaluationRule | None:
        stored = self._db.table(_RULES).get((project_id, rule_id))
        return copy.deepcopy(stored) if stored is not None else None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluationRule]:
        mine = [r for r in self._db.table(_RULES).values() if r.project_id == project_id]
        mine.sort(key=lambda r: r.id)
        mine.sort(key=lambda r: r.created_at, reverse=True)
        return [copy.deepcopy(r) for r in mine[offset : offset + limit]]

    async def active(self, project_id: str | None = None) -> Sequence[EvaluationRule]:
        return [
            copy.deepcopy(r)
            for r in self._db.table(_RULES).values()
            if r.status is RuleStatus.ACTIVE and project_id in (None, r.project_id)
        ]

    async def using(
        self, project_id: str, evaluator_ids: Collection[str]
    ) -> Sequence[EvaluationRule]:
        rules = await self.page(project_id, limit=1_000_000)
        return [
            r
            for r in rules
            if any(a.evaluator_id in evaluator_ids for a in r.assignments if a.evaluator_id)
        ]

    async def delete(self, project_id: str, rule_id: str) -> bool:
        return self._db.table(_RULES).pop((project_id, rule_id), None) is not None
