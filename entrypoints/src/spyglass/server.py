"""``spyglass serve`` and ``spyglass worker``: the long-running processes."""

from __future__ import annotations

import asyncio
import gc
import logging

import uvicorn
from taskiq.api import run_receiver_task

from spyglass.app import collapse_leading_slashes, create_app
from spyglass.runtime import Runtime, open_runtime, run_bootstrap
from spyglass.settings import Settings
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.domain.projects import Project

__all__ = ("format_new_keys", "serve", "work")

logger = logging.getLogger("spyglass")


def format_new_keys(project: Project, keys: KeyPair, base_url: str) -> str:
    """The first-start message: where to point an SDK, shown once."""
    return "\n".join(
        [
            "",
            f"Created project '{project.name}' ({project.id}) with an API key.",
            "The secret key is shown only now; keep it:",
            "",
            f"  LANGFUSE_PUBLIC_KEY={keys.public_key}",
            f"  LANGFUSE_SECRET_KEY={keys.secret_key}",
            f"  LANGFUSE_BASE_URL={base_url}",
            "",
        ]
    )


async def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the API with an in-process worker until interrupted."""
    async with open_runtime(settings) as runtime:
        result = await run_bootstrap(runtime)
        if result.project and result.new_keys:
            shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            print(format_new_keys(result.project, result.new_keys, f"http://{shown_host}:{port}"))
        app = create_app(runtime.pm, runtime.container, runtime.settings.plugin_config)
        config = uvicorn.Config(
            collapse_leading_slashes(app),
            host=host,
            port=port,
            log_level=settings.log_level,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        await runtime.queue.broker.startup()
        receiver = _start_receiver(runtime)
        # Everything built so far lives as long as the process: move it out of the
        # collector's reach so full collections stop pausing request handling.
        gc.collect()
        gc.freeze()
        try:
            print(f"Spyglass listening on http://{host}:{port}", flush=True)
            await server.serve()
        finally:
            if receiver is not None:
                receiver.cancel()
            await runtime.queue.broker.shutdown()


async def work(settings: Settings) -> None:
    """Run tasks from the shared queue until interrupted (scale-out mode)."""
    if not settings.queue_url:
        raise SystemExit(
            "spyglass worker needs a shared queue: set SPYGLASS_QUEUE_URL=redis://… "
            "(in embedded mode 'spyglass serve' runs the worker in-process)"
        )
    async with open_runtime(settings) as runtime:
        await runtime.queue.broker.startup()
        print("Spyglass worker waiting for tasks", flush=True)
        try:
            await run_receiver_task(runtime.queue.broker)
        finally:
            await runtime.queue.broker.shutdown()


def _start_receiver(runtime: Runtime) -> asyncio.Task[None] | None:
    # The in-process broker runs tasks as they are sent; a shared queue needs a receiver,
    # and `serve` consumes it too so a single replica works without a separate worker.
    if not runtime.settings.queue_url:
        return None
    return asyncio.create_task(run_receiver_task(runtime.queue.broker))
