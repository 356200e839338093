"""End-to-end fixtures: a real ``spyglass serve`` process and the real Langfuse SDK.

Each SDK lives in its own virtualenv (``<repo>/.e2e-venvs/langfuse5`` for v5,
``<repo>/.e2e-venvs/langfuse2`` for the legacy v2) so it never enters the project's
environment; tests run SDK snippets there as separate processes.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import POSTGRES_DSN

_T = TypeVar("_T")

# Browser assertions wait up to 15 s rather than Playwright's 5: on the 2-core CI machine
# a browser, its server and another test file's server share the cores, and a page that
# takes a few seconds to answer there is slow, not broken.
expect.set_options(timeout=15_000)

REPO_ROOT = Path(__file__).resolve().parents[2]
LANGFUSE_VENV = REPO_ROOT / ".e2e-venvs" / "langfuse5"
LANGFUSE_REQUIREMENT = "langfuse>=5,<6"
LANGFUSE2_VENV = REPO_ROOT / ".e2e-venvs" / "langfuse2"
LANGFUSE2_REQUIREMENT = "langfuse>=2.60,<3"
SPYGLASS_BIN = Path(sys.executable).parent / "spyglass"

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0

_KEY_LINE = re.compile(r"^\s*(LANGFUSE_(?:PUBLIC_KEY|SECRET_KEY|BASE_URL))=(\S+)\s*$", re.MULTILINE)


# --------------------------------------------------------------------------- SDK venv


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _has_langfuse(python: Path) -> bool:
    if not python.exists():
        return False
    check = subprocess.run(
        [str(python), "-c", "import langfuse"], capture_output=True, text=True, timeout=120
    )
    return check.returncode == 0


def _sdk_venv(venv: Path, requirement: str) -> Path:
    """The python of ``venv`` with ``requirement`` installed (built once, reused; the
    two test workers may both ask, so building holds a lock)."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_sdk_venv(venv, requirement)


def _build_sdk_venv(venv: Path, requirement: str) -> Path:
    python = _venv_python(venv)
    if _has_langfuse(python):
        return python
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    steps = [
        ["uv", "venv", "--clear", "--python", sys.executable, str(venv)],
        ["uv", "pip", "install", "--python", str(python), requirement],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, env=env, timeout=600)
        if done.returncode != 0:
            pytest.fail(
                f"building the Langfuse SDK venv failed: {' '.join(step)}\n"
                f"{done.stdout}\n{done.stderr}"
            )
    if not _has_langfuse(python):
        pytest.fail(f"langfuse is not importable from {python} after installing it")
    return python


@pytest.fixture(scope="session")
def langfuse_python() -> Path:
    """The python of a virtualenv with the real ``langfuse`` v5 SDK (built once, reused)."""
    return _sdk_venv(LANGFUSE_VENV, LANGFUSE_REQUIREMENT)


@pytest.fixture(scope="session")
def langfuse2_python() -> Path:
    """The python of a virtualenv with the legacy ``langfuse`` v2 SDK (built once, reused)."""
    return _sdk_venv(LANGFUSE2_VENV, LANGFUSE2_REQUIREMENT)


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without SPYGLASS_* / LANGFUSE_* leaking in, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPYGLASS_", "LANGFUSE_", "OTEL_"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_sdk(
    python: Path,
    code: str,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in the SDK venv, in its own process (one public key each)."""
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=_clean_env(env),
        timeout=timeout,
        cwd=tempfile.gettempdir(),
    )


def poll(
    probe: Callable[[], _T | None],
    *,
    timeout: float = 20.0,
    interval: float = 0.2,
    what: str = "the condition",
    detail: Callable[[], str] | None = None,
) -> _T:
    """Call ``probe`` until it returns something other than None; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{detail()}" if detail else ""
            pytest.fail(f"{what} did not happen within {timeout}s{extra}")
        time.sleep(interval)


# --------------------------------------------------------------------------- deployments


def run_uv(*args: str) -> None:
    """Run ``uv ARGS`` (the real installer) outside the project's virtualenv."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    done = subprocess.run(["uv", *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"uv {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture
def deployment_python(tmp_path: Path) -> Path:
    """The python of a fresh environment that sees the project's installed packages.

    A deployment environment is a virtualenv layered on the project's (a ``.pth`` adds
    its site-packages), so installing a package there with a real installer
    (``run_uv("pip", "install", "--python", str(deployment_python), ...)``) changes
    nothing for the other tests. Start a server with it through ``spyglass_command``.
    """
    venv = tmp_path / "deployment"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    project_site = sysconfig.get_paths()["purelib"]
    # addsitedir (not a bare path line) so the project's own .pth files (editable installs)
    # are processed too.
    (site_packages / "spyglass_project.pth").write_text(
        f"import site; site.addsitedir({project_site!r})\n"
    )
    return python


def spyglass_command(python: Path) -> list[str]:
    """The ``spyglass`` command run by ``python`` (a deployment environment's)."""
    return [str(python), "-c", "from spyglass.cli import main; main()"]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SpyglassServer:
    """A ``spyglass serve`` subprocess on a free port with its own data directory."""

    data_dir: Path
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=lambda: [str(SPYGLASS_BIN)])
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    printed_keys: dict[str, str] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process_env(self) -> dict[str, str]:
        return _clean_env({**self.env, "SPYGLASS_DATA_DIR": str(self.data_dir)})

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def start(self) -> SpyglassServer:
        """Start (or restart) the process and wait until health answers."""
        assert self.process is None, "already running"
        self.starts += 1
        self.port = free_port()
        self.log_path = self.log_dir / f"spyglass-{self.starts}-{self.port}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*self.command, "serve", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.process_env,
                cwd=str(self.data_dir),
            )
        self._wait_healthy()
        self.printed_keys = self._parse_keys()
        return self

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        url = f"{self.base_url}/api/public/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                pytest.fail(f"spyglass serve exited with {code} during start-up:\n{self.log()}")
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"spyglass serve not healthy after {STARTUP_TIMEOUT_SECONDS}s:\n{self.log()}")

    def _parse_keys(self) -> dict[str, str] | None:
        keys = dict(_KEY_LINE.findall(self.log()))
        if not keys:
            return None
        assert {"LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"} <= keys.keys(), self.log()
        return keys

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after a grace period; returns the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
        return process.returncode

    def kill(self) -> int | None:
        """SIGKILL at once, as a crash would (no shutdown hooks run); returns the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        return process.returncode

    def restart(self) -> SpyglassServer:
        self.stop()
        return self.start()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``spyglass ARGS`` against the same data directory and settings."""
        done = subprocess.run(
            [*self.command, *args],
            capture_output=True,
            text=True,
            env=self.process_env,
            cwd=str(self.data_dir),
            timeout=120,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"spyglass {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done

    def sdk_env(self, public_key: str, secret_key: str) -> dict[str, str]:
        """Environment for an SDK process pointed at this server."""
        return {
            "LANGFUSE_PUBLIC_KEY": public_key,
            "LANGFUSE_SECRET_KEY": secret_key,
            "LANGFUSE_BASE_URL": self.base_url,
        }


class ServerFactory:
    """Starts servers with chosen env / data dirs and stops them all at teardown."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._servers: list[SpyglassServer] = []

    def __call__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        data_dir: Path | None = None,
        start: bool = True,
        command: list[str] | None = None,
    ) -> SpyglassServer:
        index = len(self._servers)
        if data_dir is None:
            data_dir = self._tmp_path / f"data-{index}"
        data_dir.mkdir(parents=True, exist_ok=True)
        log_dir = self._tmp_path / f"logs-{index}"
        log_dir.mkdir(parents=True, exist_ok=True)
        server = SpyglassServer(data_dir=data_dir, log_dir=log_dir, env=dict(env or {}))
        if command is not None:
            server.command = command
        self._servers.append(server)
        return server.start() if start else server

    def stop_all(self) -> None:
        for server in reversed(self._servers):
            server.stop()


def _factory(base: Path) -> Iterator[ServerFactory]:
    if not SPYGLASS_BIN.exists():
        pytest.fail(f"the spyglass console script is missing: {SPYGLASS_BIN}")
    factory = ServerFactory(base)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def spyglass_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """A factory: ``spyglass_server(env={...}, data_dir=...)`` starts a server process.

    Every server it started is stopped when the test ends.
    """
    yield from _factory(tmp_path)


@pytest.fixture(scope="module")
def module_spyglass_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerFactory]:
    """Like ``spyglass_server``, for servers that several tests of a module only read."""
    yield from _factory(tmp_path_factory.mktemp("spyglass"))


@pytest.fixture(scope="module")
def fresh_server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    """One server per module on a new data directory with no ``SPYGLASS_INIT_*`` variables.

    Tests using it must not change its state (no restarts, no new projects or keys).
    """
    return module_spyglass_server()


# --------------------------------------------------------------------------- PostgreSQL


async def _create_database(name: str, *, drop: bool = False) -> str:
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(POSTGRES_DSN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            if drop:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return sa.make_url(POSTGRES_DSN).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"spyglass_e2e_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(_create_database(name))
    yield url
    asyncio.run(_create_database(name, drop=True))
