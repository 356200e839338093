"""import-linter holds the rings; these tests prove the contracts pass and that they bite."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "importlinter.ini"
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def _run(config: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    assert LINT_IMPORTS, "lint-imports is not installed next to the interpreter"
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def _listed(parser: configparser.ConfigParser, section: str, key: str) -> list[str]:
    return [line.strip() for line in parser[section].get(key, "").splitlines() if line.strip()]


def _config_with_plugins(tmp_path: Path, plugins: list[str]) -> Path:
    """The real config with extra plugin packages added to every plugin contract."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    roots = _listed(parser, "importlinter", "root_packages") + plugins
    parser["importlinter"]["root_packages"] = "\n" + "\n".join(roots)
    independent = _listed(parser, "importlinter:contract:plugins-independent", "modules")
    parser["importlinter:contract:plugins-independent"]["modules"] = "\n" + "\n".join(
        independent + plugins
    )
    below = _listed(parser, "importlinter:contract:adapters-below-entrypoints", "forbidden_modules")
    parser["importlinter:contract:adapters-below-entrypoints"]["forbidden_modules"] = (
        "\n" + "\n".join(below + plugins)
    )
    path = tmp_path / "importlinter.ini"
    with path.open("w") as handle:
        parser.write(handle)
    return path


def _write_package(root: Path, name: str, body: str) -> None:
    """Write ``root/<name as a path>/__init__.py`` (parents created, with empty inits)."""
    folder = root.joinpath(*name.split("."))
    folder.mkdir(parents=True)
    for parent in [folder, *folder.relative_to(root).parents][1:-1]:
        (root / parent / "__init__.py").touch()
    (folder / "__init__.py").write_text(textwrap.dedent(body))


def test_contracts_are_kept() -> None:
    result = _run(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_every_plugin_package_is_under_contract() -> None:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    independent = set(_listed(parser, "importlinter:contract:plugins-independent", "modules"))
    below = set(
        _listed(parser, "importlinter:contract:adapters-below-entrypoints", "forbidden_modules")
    )
    for package in ROOT.glob("plugins/*/src/spyglass_*"):
        assert package.name in independent, f"add {package.name} to importlinter.ini"
        assert package.name in below, f"add {package.name} to adapters-below-entrypoints"


def test_a_plugin_importing_another_plugin_breaks_the_build(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "import spyglass_beta\n")
    _write_package(tmp_path, "spyglass_beta", "import spyglass_core\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha", "spyglass_beta"]), tmp_path)
    assert result.returncode != 0
    assert "Plugins are independent of each other BROKEN" in result.stdout


def test_a_plugin_importing_an_adapter_breaks_the_build(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "import spyglass_adapters.memory\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha"]), tmp_path)
    assert result.returncode != 0
    assert "Plugins import no adapter or entry point BROKEN" in result.stdout


def test_independent_plugins_pass(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "import spyglass_core.hookspecs\n")
    _write_package(tmp_path, "spyglass_beta", "import spyglass_core.ports\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha", "spyglass_beta"]), tmp_path)
    assert result.returncode == 0, result.stdout


def test_a_plugin_api_importing_a_driver_breaks_the_build(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "")
    _write_package(tmp_path, "spyglass_alpha.api", "import sqlalchemy\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha"]), tmp_path)
    assert result.returncode != 0
    assert "Drivers are imported by adapters, entry points and plugin storage only BROKEN" in (
        result.stdout
    )


def test_a_plugin_outside_storage_importing_an_spi_breaks_the_build(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "")
    _write_package(tmp_path, "spyglass_alpha.services", "import spyglass_adapters.sql.spi\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha"]), tmp_path)
    assert result.returncode != 0
    assert "Plugins import no adapter or entry point BROKEN" in result.stdout


def test_plugin_storage_importing_adapter_internals_breaks_the_build(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "")
    _write_package(
        tmp_path, "spyglass_alpha.storage", "import spyglass_adapters.sql.unit_of_work\n"
    )
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha"]), tmp_path)
    assert result.returncode != 0
    assert "Plugins import no adapter or entry point BROKEN" in result.stdout


def test_plugin_storage_may_import_the_spi_and_drivers(tmp_path: Path) -> None:
    _write_package(tmp_path, "spyglass_alpha", "import spyglass_alpha.storage\n")
    _write_package(
        tmp_path,
        "spyglass_alpha.storage",
        "import sqlalchemy\nimport spyglass_adapters.sql.spi\n"
        "import spyglass_adapters.clickhouse.spi\n",
    )
    _write_package(tmp_path, "spyglass_alpha.storage.sql", "import spyglass_adapters.memory.spi\n")
    result = _run(_config_with_plugins(tmp_path, ["spyglass_alpha"]), tmp_path)
    assert result.returncode == 0, result.stdout
