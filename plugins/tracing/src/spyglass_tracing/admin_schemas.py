"""Wire schemas of the models, score-configs and media APIs (camelCase JSON).

Field names follow Langfuse's Fern definitions (``models.yml``, ``score-configs.yml``,
``media.yml`` and ``commons.yml``), so the generated SDK clients parse every answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from spyglass_core.domain.input_limits import MAX_INT32, MAX_INT64
from spyglass_tracing.views.wire import PageMeta

__all__ = (
    "CategoryBody",
    "CreateModelRequest",
    "CreateScoreConfigRequest",
    "MediaResponse",
    "MediaUploadRequest",
    "MediaUploadResponse",
    "ModelPage",
    "ModelPriceBody",
    "ModelResponse",
    "PatchMediaRequest",
    "PricingTierBody",
    "PricingTierConditionBody",
    "PricingTierInput",
    "ScoreConfigPage",
    "ScoreConfigResponse",
    "UpdateScoreConfigRequest",
)


# --- models ------------------------------------------------------------------------------


class PricingTierConditionBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The tier applies when the usage keys matching the pattern sum to ``operator value``."""

    usage_detail_pattern: str
    operator: str
    value: float
    case_sensitive: bool = False


class PricingTierInput(msgspec.Struct, kw_only=True, rename="camel"):
    """One tier of ``POST /models``; the server assigns its id."""

    name: str
    is_default: bool
    # An INTEGER column; the service checks the lower bound (0 default, else 1 or more).
    priority: Annotated[int, msgspec.Meta(le=MAX_INT32)]
    conditions: list[PricingTierConditionBody] = []
    prices: dict[str, float] = {}


class CreateModelRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /models``: flat prices (one "Standard" tier) or ``pricingTiers``, not both."""

    model_name: str
    match_pattern: str
    start_date: datetime | None = None
    unit: str | None = None
    input_price: float | None = None
    output_price: float | None = None
    total_price: float | None = None
    pricing_tiers: list[PricingTierInput] | None = None
    tokenizer_id: str | None = None
    tokenizer_config: Any = None


class ModelPriceBody(msgspec.Struct, kw_only=True):
    """One price of the default tier, as the legacy ``prices`` map shows it."""

    price: float


class PricingTierBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A stored tier."""

    id: str
    name: str
    is_default: bool
    priority: int
    conditions: list[PricingTierConditionBody]
    prices: dict[str, float]


class ModelResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """A model definition; the flat prices and ``prices`` come from the default tier."""

    id: str
    model_name: str
    match_pattern: str
    start_date: datetime | None
    unit: str | None
    input_price: float | None
    output_price: float | None
    total_price: float | None
    tokenizer_id: str | None
    tokenizer_config: Any
    is_langfuse_managed: bool
    created_at: datetime
    prices: dict[str, ModelPriceBody]
    pricing_tiers: list[PricingTierBody]


class ModelPage(msgspec.Struct, kw_only=True):
    """``GET /models``."""

    data: list[ModelResponse]
    meta: PageMeta


# --- score configs -----------------------------------------------------------------------


class CategoryBody(msgspec.Struct, kw_only=True):
    """One allowed value of a categorical score."""

    label: str
    value: float


class CreateScoreConfigRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /score-configs``."""

    name: str
    data_type: str
    categories: list[CategoryBody] | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str | None = None


class UpdateScoreConfigRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``PATCH /score-configs/{id}``: absent fields keep their value.

    ``null`` clears ``minValue``, ``maxValue`` and ``description``; for ``name``,
    ``isArchived`` and ``categories`` it means "unchanged" (they cannot be cleared).
    """

    name: str | msgspec.UnsetType | None = msgspec.UNSET
    is_archived: bool | msgspec.UnsetType | None = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    min_value: float | msgspec.UnsetType | None = msgspec.UNSET
    max_value: float | msgspec.UnsetType | None = msgspec.UNSET
    categories: list[CategoryBody] | msgspec.UnsetType | None = msgspec.UNSET


class ScoreConfigResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """A score config."""

    id: str
    name: str
    data_type: str
    is_archived: bool
    min_value: float | None
    max_value: float | None
    categories: list[CategoryBody] | None
    description: str | None
    created_at: datetime
    updated_at: datetime
    project_id: str


class ScoreConfigPage(msgspec.Struct, kw_only=True):
    """``GET /score-configs``."""

    data: list[ScoreConfigResponse]
    meta: PageMeta


# --- media -------------------------------------------------------------------------------


class MediaUploadRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /media``: a trace (and observation) field or a dataset item field."""

    content_type: str
    # The service refuses lengths beyond the configured maximum with its own message.
    content_length: Annotated[int, msgspec.Meta(le=MAX_INT64)]
    sha256_hash: str
    field: str
    trace_id: str | None = None
    observation_id: str | None = None
    dataset_id: str | None = None
    dataset_item_id: str | None = None


class MediaUploadResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """Where to PUT the bytes; ``uploadUrl`` is null when they are already stored."""

    media_id: str
    upload_url: str | None


class PatchMediaRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``PATCH /media/{id}``: how the client's upload went."""

    uploaded_at: datetime
    upload_http_status: Annotated[int, msgspec.Meta(ge=-MAX_INT32 - 1, le=MAX_INT32)]
    upload_http_error: str | None = None
    upload_time_ms: Annotated[int, msgspec.Meta(ge=-MAX_INT64 - 1, le=MAX_INT64)] | None = None


class MediaResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """``GET /media/{id}``: the record and a signed download URL valid until ``urlExpiry``."""

    media_id: str
    content_type: str
    content_length: int
    uploaded_at: datetime
    url: str
    url_expiry: str
