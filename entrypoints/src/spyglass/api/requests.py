"""The request class of the app: Litestar's, with JSON bodies checked before decoding."""

from __future__ import annotations

from typing import Any

from litestar import Request

from spyglass_core.domain.input_limits import check_json_depth

__all__ = ("SpyglassRequest",)


class SpyglassRequest(Request[Any, Any, Any]):
    """A request whose JSON body is refused (400) when it nests too deeply.

    Litestar decodes ``JSONBody`` parameters through ``json()``; a body nested thousands
    of levels deep would make the decoder raise ``RecursionError`` (a 500) instead.
    Routes that read ``body()`` and decode it themselves use
    ``spyglass_core.domain.input_limits.decode_json``, which applies the same limit.
    """

    async def json(self) -> Any:
        """The decoded JSON body. Raises: InvalidInput when it nests too deeply."""
        check_json_depth(await self.body())
        return await super().json()
