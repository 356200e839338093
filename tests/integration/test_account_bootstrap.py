"""Headless bootstrap of the first user, and the first-start sign-up link."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyglass.runtime import open_runtime, run_account_bootstrap, run_bootstrap
from spyglass.server import format_sign_up_link
from spyglass.settings import Settings
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.errors import InvalidInput, PermissionDenied
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.accounts import Accounts

PASSWORD = "correct horse battery staple"


def _settings(tmp_path: Path, chdb_dsn: str, **overrides: str) -> Settings:
    values = {
        "data_dir": str(tmp_path),
        "analytics_url": chdb_dsn,
        "analytics_database": f"boot_{tmp_path.name}",
        "salt": "test-salt",
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


async def test_init_user_is_created_once_as_owner(tmp_path: Path, chdb_dsn: str) -> None:
    settings = _settings(
        tmp_path, chdb_dsn, init_user_email="ops@example.com", init_user_password=PASSWORD
    )
    for _ in range(2):  # a restart with the variables still set changes nothing
        async with open_runtime(settings, migrate=True) as runtime:
            await run_bootstrap(runtime)
            assert await run_account_bootstrap(runtime) is None
            factory = await runtime.container.get(UnitOfWorkFactory)
            async with factory() as uow:
                user = await uow.users.get_by_email("ops@example.com")
                assert user is not None and await uow.users.count() == 1
                memberships = await uow.memberships.list_for_user(user.id)
    assert [m.role for m in memberships] == [Role.OWNER]
    async with open_runtime(settings, migrate=True) as runtime:
        accounts = await runtime.container.get(Accounts)
        signed_in = await accounts.sign_in("ops@example.com", PASSWORD, address=None)
        assert signed_in.user.email == "ops@example.com"


async def test_half_of_the_init_user_variables_is_refused(tmp_path: Path, chdb_dsn: str) -> None:
    settings = _settings(tmp_path, chdb_dsn, init_user_email="ops@example.com")
    async with open_runtime(settings, migrate=True) as runtime:
        with pytest.raises(InvalidInput, match="set together"):
            await run_account_bootstrap(runtime)


async def test_a_first_start_issues_a_single_use_sign_up_link(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = _settings(tmp_path, chdb_dsn)
    async with open_runtime(settings, migrate=True) as runtime:
        await run_bootstrap(runtime)
        token = await run_account_bootstrap(runtime)
        assert token
        assert f"/sign-up?token={token}" in format_sign_up_link(token, "http://127.0.0.1:3000/")
        accounts = await runtime.container.get(Accounts)
        factory = await runtime.container.get(UnitOfWorkFactory)
        async with factory() as uow:
            orgs = await uow.organizations.list()
            stored = await uow.invitations.list(orgs[0].id)
        assert len(stored) == 1 and stored[0].token_hash != token  # kept hashed

        # With a link issued, claiming the deployment needs it.
        with pytest.raises(PermissionDenied, match="sign-up link"):
            await accounts.sign_up("mallory@example.com", PASSWORD)
        owner = await accounts.sign_up("owner@example.com", PASSWORD, invitation_token=token)
        assert [m.role for m in await accounts.memberships(owner.id)] == [Role.OWNER]
        with pytest.raises(PermissionDenied):
            await accounts.sign_up("again@example.com", PASSWORD, invitation_token=token)
        # Once a user exists, starts print no link.
        assert await run_account_bootstrap(runtime) is None


async def test_older_sign_up_links_die_with_the_first_sign_up(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = _settings(tmp_path, chdb_dsn)
    async with open_runtime(settings, migrate=True) as runtime:
        first_start = await run_account_bootstrap(runtime)
        second_start = await run_account_bootstrap(runtime)
        assert first_start and second_start and first_start != second_start
        accounts = await runtime.container.get(Accounts)
        await accounts.sign_up("owner@example.com", PASSWORD, invitation_token=second_start)
        with pytest.raises(PermissionDenied):
            await accounts.sign_up("late@example.com", PASSWORD, invitation_token=first_start)
