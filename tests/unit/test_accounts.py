"""Account rules and services on the memory adapters, with a real (cheap) argon2 hasher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spyglass_adapters.cache import InProcessCache
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_adapters.passwords import Argon2PasswordHasher
from spyglass_core.domain.accounts import (
    Role,
    csrf_token_for,
    csrf_token_matches,
    validate_email,
    validate_password,
)
from spyglass_core.domain.errors import AuthenticationFailed, InvalidInput, RateLimited
from spyglass_core.services.accounts import INVALID_SIGN_IN, Accounts, SessionPolicy
from spyglass_core.services.login_throttle import LoginThrottle

PASSWORD = "correct horse battery staple"


def test_roles_are_ordered() -> None:
    assert Role.OWNER.allows(Role.ADMIN) and Role.ADMIN.allows(Role.ADMIN)
    assert not Role.MEMBER.allows(Role.ADMIN) and Role.MEMBER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.MEMBER)


@pytest.mark.parametrize("email", ["a@b", "no-at.example.com", "@example.com", "a b@c.de", ""])
def test_implausible_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput):
        validate_email(email)


def test_emails_are_stripped_and_passwords_bounded() -> None:
    assert validate_email("  Ada@Example.com ") == "Ada@Example.com"
    with pytest.raises(InvalidInput, match="at least"):
        validate_password("1234567")
    with pytest.raises(InvalidInput, match="at most"):
        validate_password("x" * 257)


def test_the_csrf_token_depends_on_the_session_token() -> None:
    assert csrf_token_for("a") != csrf_token_for("b")
    assert csrf_token_matches("a", csrf_token_for("a"))
    assert not csrf_token_matches("a", csrf_token_for("b"))


async def test_the_throttle_window_closes() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    throttle = LoginThrottle(InProcessCache(clock), clock, limit=2, window_seconds=60)
    for _ in range(2):
        await throttle.check("a@example.com", "10.0.0.1")
        await throttle.record_failure("a@example.com", "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        await throttle.check("A@example.com ", None)  # the same email, normalized
    assert raised.value.retry_after == 60
    with pytest.raises(RateLimited):
        await throttle.check("other@example.com", "10.0.0.1")  # the same address
    clock.advance(61)
    await throttle.check("a@example.com", "10.0.0.1")


def _accounts(clock: FixedClock, policy: SessionPolicy | None = None) -> Accounts:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost_kib=64)
    throttle = LoginThrottle(InProcessCache(clock), clock)
    return Accounts(MemoryUnitOfWorkFactory(), clock, hasher, throttle, policy=policy)


async def test_sessions_expire_when_idle_and_at_their_absolute_end() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    policy = SessionPolicy(idle_timeout=timedelta(hours=1), absolute_timeout=timedelta(hours=3))
    accounts = _accounts(clock, policy)
    await accounts.sign_up("ada@example.com", PASSWORD)
    idle = await accounts.sign_in("ada@example.com", PASSWORD, address=None)
    active = await accounts.sign_in("ada@example.com", PASSWORD, address=None)
    for _ in range(2):
        clock.advance(50 * 60)
        context = await accounts.resolve(active.token)  # use pushes the idle expiry back
        assert context.highest_role is Role.OWNER
    with pytest.raises(AuthenticationFailed):
        await accounts.resolve(idle.token)
    clock.advance(50 * 60)
    await accounts.resolve(active.token)
    clock.advance(40 * 60)  # past three hours since sign-in, though used recently
    with pytest.raises(AuthenticationFailed):
        await accounts.resolve(active.token)


async def test_unknown_email_and_wrong_password_fail_alike() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    accounts = _accounts(clock)
    await accounts.sign_up("ada@example.com", PASSWORD)
    messages = set()
    for email, password in (("ada@example.com", "wrong-pass"), ("bob@example.com", PASSWORD)):
        with pytest.raises(AuthenticationFailed) as raised:
            await accounts.sign_in(email, password, address=None)
        messages.add(raised.value.message)
    assert messages == {INVALID_SIGN_IN}


async def test_a_weak_hash_is_upgraded_at_sign_in() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    factory = MemoryUnitOfWorkFactory()
    weak = Argon2PasswordHasher(time_cost=1, memory_cost_kib=64)
    strong = Argon2PasswordHasher(time_cost=2, memory_cost_kib=128)
    throttle = LoginThrottle(InProcessCache(clock), clock)
    user = await Accounts(factory, clock, weak, throttle).sign_up("ada@example.com", PASSWORD)
    await Accounts(factory, clock, strong, throttle).sign_in(
        "ada@example.com", PASSWORD, address=None
    )
    async with factory() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None and stored.password_hash
    assert not strong.needs_rehash(stored.password_hash)
    assert await strong.verify(stored.password_hash, PASSWORD)
