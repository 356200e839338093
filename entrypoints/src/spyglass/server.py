"""``spyglass serve`` and ``spyglass worker``: the long-running processes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import uvicorn

from spyglass.api.sessions import SIGN_UP_PATH
from spyglass.app import collapse_leading_slashes, create_app
from spyglass.malloc import trim_free_memory
from spyglass.quiet import run_when_quiet
from spyglass.runtime import Runtime, open_runtime, run_account_bootstrap, run_bootstrap
from spyglass.settings import Settings
from spyglass_adapters.queue.consumer import DRAIN_TIMEOUT_SECONDS
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.domain.projects import Project

__all__ = ("format_new_keys", "format_sign_up_link", "serve", "work")

logger = logging.getLogger("spyglass")


SWITCH_INTERVAL_SECONDS = 0.001
"""How long a thread holds the interpreter before another that waits gets it (Python's
default is 5 ms). The worker merges and encodes rows in threads while the event loop
serves requests: each time the loop wakes it may wait this long for its turn."""

GC_THRESHOLDS = (5_000, 20, 50)
"""The collector's generation thresholds while serving (Python's defaults: 700, 10, 10).
A group of ingested batches allocates hundreds of thousands of containers that live
until it is written; with the defaults they reach the oldest generation and a full
collection (20-30 ms, pausing every request) ran about once per group under load."""


def _settle_interpreter() -> None:
    """Tune the interpreter for serving once start-up is done (see the constants)."""
    # Everything built so far lives as long as the process: move it out of the
    # collector's reach so full collections stop scanning it.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


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


def format_sign_up_link(token: str, base_url: str) -> str:
    """The first-start message for the owner's account, shown once per start without users."""
    return "\n".join(
        [
            "",
            "No user can sign in yet. Create the owner's account with this link",
            "(it works once, for 7 days; a new one is printed at each start until then):",
            "",
            f"  {base_url.rstrip('/')}{SIGN_UP_PATH}?token={token}",
            "",
        ]
    )


async def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the API with an in-process worker until interrupted."""
    async with open_runtime(settings) as runtime:
        result = await run_bootstrap(runtime)
        sign_up_token = await run_account_bootstrap(runtime)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        base_url = settings.public_url or f"http://{shown_host}:{port}"
        if result.project and result.new_keys:
            print(format_new_keys(result.project, result.new_keys, base_url))
        if sign_up_token:
            print(format_sign_up_link(sign_up_token, base_url), flush=True)
        app = create_app(runtime.pm, runtime.container, runtime.settings.plugin_config)
        config = uvicorn.Config(
            collapse_leading_slashes(app),
            host=host,
            port=port,
            log_level=settings.log_level,
            lifespan="on",
        )
        server = _DrainingServer(config)
        await runtime.queue.broker.startup()
        consumer = _start_consumer(runtime)
        _settle_interpreter()
        try:
            print(f"Spyglass listening on http://{host}:{port}", flush=True)
            async with _giving_memory_back(settings):
                await server.serve()
        finally:
            if consumer is not None:
                await _stop_consumer(consumer)
            await _drain_in_process_tasks(runtime)
            await runtime.queue.broker.shutdown()
    print("Spyglass stopped", flush=True)


async def work(settings: Settings) -> None:
    """Run tasks from the shared queue until interrupted (scale-out mode)."""
    if not settings.queue_url:
        raise SystemExit(
            "spyglass worker needs a shared queue: set SPYGLASS_QUEUE_URL=redis://… "
            "(in embedded mode 'spyglass serve' runs the worker in-process)"
        )
    # serve gets its logging from uvicorn; the worker sets up the same level itself, so
    # that what it runs (and what fails) shows up in its output.
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(levelname)s - %(asctime)s - %(name)s - %(message)s",
    )
    async with open_runtime(settings) as runtime:
        await runtime.queue.broker.startup()
        stop = asyncio.Event()
        try:
            with _stop_on_signals(stop):
                print("Spyglass worker waiting for tasks", flush=True)
                async with _giving_memory_back(settings):
                    await runtime.queue.consume(stop)
        finally:
            await runtime.queue.broker.shutdown()
    print("Spyglass worker stopped", flush=True)


@contextlib.asynccontextmanager
async def _giving_memory_back(settings: Settings) -> AsyncIterator[None]:
    """Hand memory back to the system whenever the process goes quiet after work.

    After a few quiet seconds, the C heap's free pages: an ingestion burst leaves tens of
    MB freed inside the heap (``spyglass.malloc``). After a longer quiet, the code pages
    of the embedded engine that ran since the last time: a request that runs that code
    again maps it back from the page cache, a minor fault per page, which costs the
    first request after such a spell up to ~10 ms. A setting of 0 turns either off.
    """
    schedule = [
        (wait, action)
        for wait, action in (
            (settings.malloc_trim_quiet_seconds, trim_free_memory),
            (settings.release_engine_code_quiet_seconds, _release_engine_code),
        )
        if wait
    ]
    if not schedule:
        yield
        return
    task = asyncio.create_task(run_when_quiet(schedule))
    try:
        yield
    finally:
        # An action already running in its thread finishes there; both are harmless
        # beside a closing engine.
        task.cancel()
        await asyncio.wait({task})


def _release_engine_code() -> None:
    if "chdb" not in sys.modules:  # no embedded engine in this process: nothing to release
        return
    from spyglass_adapters.clickhouse.embedded import release_library_pages

    release_library_pages()


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM or SIGINT sets ``stop``; a second signal acts at once.

    Without a handler SIGTERM (``docker stop``, Kubernetes) kills the worker mid-task;
    with one it finishes what it runs within the consumer's drain timeout. After the
    first signal the default handlers are back, so a second one interrupts the drain.
    """
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)

    def restore_defaults() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)

    def on_signal(sig: signal.Signals) -> None:
        logger.warning("%s received: finishing running tasks, then stopping", sig.name)
        stop.set()
        restore_defaults()

    try:
        for sig in signals:
            loop.add_signal_handler(sig, on_signal, sig)
    except NotImplementedError:  # Windows: Ctrl-C still cancels the run
        pass
    try:
        yield
    finally:
        restore_defaults()


class _DrainingServer(uvicorn.Server):
    """uvicorn's server, except that it does not re-raise the stop signal when it is done.

    uvicorn restores the default handlers and raises SIGTERM again once it has shut down,
    which kills the process before Spyglass stops its consumer, lets in-process tasks
    finish and closes its stores. Here the signal only stops serving; ``serve`` then
    cleans up and returns, and the process exits 0.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


async def _drain_in_process_tasks(runtime: Runtime) -> None:
    """Give tasks the in-process broker still runs a bounded time to finish, and the
    tasks they enqueue (the deliveries of the events an applied batch raises).

    A batch not applied by then stays pending and is applied at the next start.
    """
    try:
        await asyncio.wait_for(runtime.queue.wait_idle(), DRAIN_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.warning("stopping with tasks still running; their batches stay pending")


def _start_consumer(runtime: Runtime) -> asyncio.Task[None] | None:
    # The in-process broker runs tasks as they are sent; a shared queue needs a consumer,
    # and `serve` consumes it too so a single replica works without a separate worker.
    if not runtime.settings.queue_url:
        return None
    return asyncio.create_task(runtime.queue.consume())


async def _stop_consumer(consumer: asyncio.Task[None]) -> None:
    """Cancel the consumer and wait for it; it stops in bounded time (see ``consume``)."""
    consumer.cancel()
    # asyncio.wait, not `await consumer`: the consumer's CancelledError is expected, while
    # a cancellation of this task must still propagate.
    await asyncio.wait({consumer})
    if not consumer.cancelled() and consumer.exception() is not None:
        logger.error("The task queue consumer failed", exc_info=consumer.exception())
