"""The newest revision of a chain, read from its files without Alembic, is Alembic's.

``upgrade`` skips Alembic when every version table holds this head, so a wrong answer
would skip a migration: the reader must agree with Alembic on every chain installed, and
answer None (let Alembic decide) whenever a file is not plainly readable.
"""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from spyglass.plugins import make_plugin_manager
from spyglass.settings import Settings
from spyglass.storage import collect_storage, migration_chains
from spyglass_adapters.sql.migrate import CORE_CHAIN, MigrationChain, alembic_config
from spyglass_adapters.sql.revisions import head_revision


def _installed_chains() -> list[MigrationChain]:
    pm = make_plugin_manager(load_entrypoints=True)
    return [CORE_CHAIN, *migration_chains(collect_storage(pm, Settings().plugin_config))]


@pytest.mark.parametrize("chain", _installed_chains(), ids=lambda chain: chain.namespace)
def test_every_installed_chain_has_alembics_head(chain: MigrationChain) -> None:
    alembic_head = ScriptDirectory.from_config(alembic_config(chain)).get_current_head()
    assert head_revision(chain.package) == alembic_head


def _chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> str:
    """A package of revision files, importable under a name used once."""
    name = f"chain_{uuid.uuid4().hex}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for filename, source in files.items():
        (package / filename).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


_BASE = """
    revision = "a1"
    down_revision = None
    branch_labels = ("mine",)
    depends_on = None
"""


def test_a_linear_chain_in_any_file_order_and_annotated_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _chain(
        tmp_path,
        monkeypatch,
        {
            "z_first.py": _BASE,
            "b_third.py": 'revision: str = "c3"\ndown_revision: str | None = "b2"\n',
            "m_second.py": 'revision = "b2"\ndown_revision = "a1"\n',
            ".#m_second.py": "an editor's lock file, not Python",
            "notes.txt": "not a revision",
        },
    )
    assert head_revision(package) == "c3"


@pytest.mark.parametrize(
    "second",
    [
        'import os\nrevision = os.environ["REV"]\ndown_revision = "a1"\n',  # computed
        'down_revision = "a1"\n',  # no revision id
        'revision = "b2"\ndown_revision = "a1"\ndepends_on = ("x1",)\n',  # dependencies
        'revision = "b2"\nif True:\n    down_revision = "a1"\n',  # not at module level
        'revision = "b2"\ndown_revision = "a1"\ndef broken(:\n',  # not Python
    ],
    ids=["computed", "missing", "depends_on", "conditional", "syntax"],
)
def test_a_file_not_plainly_readable_leaves_the_decision_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    package = _chain(tmp_path, monkeypatch, {"first.py": _BASE, "second.py": second})
    assert head_revision(package) is None


def test_two_heads_or_a_repeated_id_or_no_file_leave_it_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    branched = {
        "first.py": _BASE,
        "left.py": 'revision = "b2"\ndown_revision = "a1"\n',
        "right.py": 'revision = "b3"\ndown_revision = "a1"\n',
    }
    assert head_revision(_chain(tmp_path, monkeypatch, branched)) is None
    repeated = {"first.py": _BASE, "again.py": _BASE}
    assert head_revision(_chain(tmp_path, monkeypatch, repeated)) is None
    assert head_revision(_chain(tmp_path, monkeypatch, {})) is None
    assert head_revision("no_such_package_anywhere") is None
