"""Annotation scores from the web UI: ``POST /projects/{id}/scores`` and ``DELETE
/projects/{id}/scores/{scoreId}`` (members and up).

A score created here takes the public ``POST /api/public/scores`` path (its checks, its
score-config validation, durable ingestion), with source ANNOTATION and the signed-in user
as its author; see ``services.annotation_scores``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import delete, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.accounts import SessionContext
from spyglass_tracing.api.pages import IdResponse
from spyglass_tracing.services.annotation_scores import Annotation, AnnotationScores
from spyglass_tracing.services.reads import TracingReads

__all__ = ("ANNOTATION_SCORE_ROUTES", "CreateAnnotationScoreRequest")


class CreateAnnotationScoreRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A score given in the UI: a trace (optionally one of its observations), an
    observation (its trace is looked up) or a session, and a value fitting ``dataType``
    (a number for NUMERIC, 0 or 1 for BOOLEAN, a category label for CATEGORICAL; inferred
    from the value when absent). A ``configId`` is required (the score is checked against
    that config), as for every ANNOTATION score on the public API."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    value: float | str
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    data_type: Literal["NUMERIC", "CATEGORICAL", "BOOLEAN"] | None = None
    config_id: str | None = None
    comment: str | None = None


@post("/projects/{project_id:str}/scores", opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_annotation_score(
    data: JSONBody[CreateAnnotationScoreRequest],
    principal: FromDishka[Principal],
    session: FromDishka[SessionContext],
    scores: FromDishka[AnnotationScores],
) -> IdResponse:
    """Accept an annotation score (201 with its id); it is readable once ingested. 400
    when it breaks a score rule or its score config."""
    annotation = Annotation(
        name=data.name,
        value=data.value,
        trace_id=data.trace_id,
        observation_id=data.observation_id,
        session_id=data.session_id,
        data_type=data.data_type,
        config_id=data.config_id,
        comment=data.comment,
    )
    return IdResponse(id=await scores.create(principal.project_id, session.user.id, annotation))


@delete(
    "/projects/{project_id:str}/scores/{score_id:str}",
    opt=requires(Role.MEMBER),
    status_code=HTTP_204_NO_CONTENT,
)
async def delete_annotation_score(
    score_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> None:
    """Delete a score of the project (204; an unknown id too, as the public API)."""
    await reads.delete_score(principal.project_id, score_id)


ANNOTATION_SCORE_ROUTES = [create_annotation_score, delete_annotation_score]
