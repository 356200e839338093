"""A cached prompt fetched again and again, timed from a process of its own, while a load runs.

``otlp_load.py --prompt-poll`` uses it: the issue's "prompt fetch stays fast while
ingestion runs at full speed".
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.process
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ("PROMPT_NAME", "PromptPoller")

PROMPT_NAME = "bench/otlp-load"


@dataclass
class PromptPoller:
    """Fetches a cached prompt every ``interval`` seconds from a process of its own.

    The load generator's own event loop is busy sending the exports: a fetch timed on it
    would count the client's waits as the server's. The poller therefore runs in a
    separate process with a blocking client on one connection, and only its results
    come back.
    """

    interval: float
    seconds: list[float] = field(default_factory=list)
    failures: int = 0
    _process: multiprocessing.process.BaseProcess | None = None
    _stop: Any = None
    _results: Any = None

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Create the prompt and fetch it once, so every timed fetch is a cache hit."""
        created = await client.post(
            "/api/public/v2/prompts",
            json={"name": PROMPT_NAME, "prompt": "Hello {{name}}", "labels": ["production"]},
        )
        if created.status_code not in (200, 201, 409):
            created.raise_for_status()
        (await client.get(self.path)).raise_for_status()

    @property
    def path(self) -> str:
        return "/api/public/v2/prompts/" + PROMPT_NAME.replace("/", "%2F")

    def start(self, base: str, auth: tuple[str, str]) -> None:
        """Start polling in a child process; returns once its first fetch is done."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=_poll_prompt,
            args=(base, auth, self.path, self.interval, self._stop, self._results),
            daemon=True,
        )
        self._process.start()
        if self._results.get(timeout=60) != "ready":
            raise RuntimeError("the prompt poller could not fetch the prompt")

    async def stop(self) -> None:
        """Stop polling and collect the timings."""
        assert self._process is not None
        self._stop.set()
        self.seconds, self.failures = await asyncio.to_thread(self._results.get, True, 60)
        await asyncio.to_thread(self._process.join, 10)


def _poll_prompt(
    base: str, auth: tuple[str, str], path: str, interval: float, stop: Any, results: Any
) -> None:
    """The poller process: fetch ``path`` every ``interval`` s until ``stop`` is set."""
    seconds: list[float] = []
    failures = 0
    with httpx.Client(base_url=base, auth=auth, timeout=60) as client:
        client.get(path).raise_for_status()
        results.put("ready")
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = client.get(path).status_code == 200
            except httpx.HTTPError:
                ok = False
            seconds.append(time.perf_counter() - started)
            failures += not ok
            stop.wait(interval)
    results.put((seconds, failures))
