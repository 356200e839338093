"""Accounts of the web UI: sign-up, sign-in, sessions, sign-out and the first user.

Sign-up policy: the first user of a deployment becomes OWNER of the default
organization. Once ``spyglass serve`` has printed a sign-up link, that first sign-up
needs the link's token, so a deployment reachable before its owner signs up cannot be
claimed by someone else. After that a sign-up needs an invitation (a single-use link), unless
``open_signup`` is set, in which case the new user belongs to no organization until
someone invites them, so open sign-up never grants access to data by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from spyglass_core.domain.accounts import (
    Invitation,
    Membership,
    Role,
    UserSession,
    csrf_token_for,
    hash_token,
    new_token,
    validate_email,
    validate_password,
)
from spyglass_core.domain.errors import AuthenticationFailed, Conflict, PermissionDenied
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.projects import Organization, User
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.passwords import PasswordHasher
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_core.services.login_throttle import LoginThrottle

__all__ = (
    "INVALID_SIGN_IN",
    "NO_SESSION",
    "Accounts",
    "SessionContext",
    "SessionPolicy",
    "SignedIn",
    "default_organization",
)

INVALID_SIGN_IN = "Invalid email or password"
NO_SESSION = "Sign in to use this route"
_INVALID_INVITATION = "This invitation link is invalid or has expired"
_DEFAULT_ORGANIZATION_NAME = "Default Organization"


class SessionPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How long sessions live."""

    idle_timeout: timedelta = timedelta(hours=12)
    absolute_timeout: timedelta = timedelta(days=7)
    touch_interval: timedelta = timedelta(minutes=1)
    """Activity is recorded at most this often, so reads do not write on every request."""


class SignedIn(msgspec.Struct, frozen=True, kw_only=True):
    """A new session: ``token`` goes into the cookie and is never stored."""

    user: User
    token: str
    csrf_token: str
    expires_at: datetime


class SessionContext(msgspec.Struct, frozen=True, kw_only=True):
    """Who a request's session belongs to and what they may do."""

    user: User
    session: UserSession
    memberships: tuple[Membership, ...]
    csrf_token: str

    def role_in(self, organization_id: str) -> Role | None:
        """The user's role in an organization, or None when not a member."""
        return next(
            (m.role for m in self.memberships if m.organization_id == organization_id), None
        )

    @property
    def highest_role(self) -> Role | None:
        """The strongest role in any organization (instance-wide routes check this)."""
        return max((m.role for m in self.memberships), key=lambda r: r.rank, default=None)


async def default_organization(uow: UnitOfWork, clock: Clock) -> Organization:
    """The oldest organization, created when there is none."""
    existing = await uow.organizations.list()
    if existing:
        return existing[0]
    org = Organization(id=new_id(), name=_DEFAULT_ORGANIZATION_NAME, created_at=clock.now())
    await uow.organizations.add(org)
    return org


class Accounts:
    """Use cases of people signing in to the UI."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        *,
        policy: SessionPolicy | None = None,
        open_signup: bool = False,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._throttle = throttle
        self._policy = policy or SessionPolicy()
        self._open_signup = open_signup
        self._dummy_hash: str | None = None

    async def sign_up(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        invitation_token: str | None = None,
    ) -> User:
        """Create a user, with the membership the policy grants.

        Raises:
            InvalidInput: a malformed email or a password of the wrong length.
            Conflict: the email is taken.
            PermissionDenied: sign-up is closed and no valid invitation was given.
        """
        email = validate_email(email)
        password_hash = await self._hasher.hash(validate_password(password))
        async with self._uow_factory() as uow:
            if await uow.users.get_by_email(email) is not None:
                raise Conflict("An account with this email already exists")
            user = User(
                id=new_id(),
                email=email,
                name=(name or "").strip() or None,
                created_at=self._clock.now(),
                password_hash=password_hash,
            )
            first = await uow.users.count() == 0
            await uow.users.add(user)
            if invitation_token:
                await self._accept_invitation(uow, user, invitation_token)
            elif first:
                if await self._sign_up_links_exist(uow):
                    raise PermissionDenied("Use the sign-up link printed at start-up")
                await self._make_owner(uow, user)
            elif not self._open_signup:
                raise PermissionDenied("Sign-up needs an invitation link")
            if first:
                await self._withdraw_sign_up_links(uow)
            await uow.commit()
        return user

    async def ensure_user(self, email: str, password: str) -> User | None:
        """The headless bootstrap: make ``email`` an OWNER of the default organization.

        Idempotent: an existing user is left as it is (its password is not reset), so
        the variables can stay set across restarts. Returns the user when created.
        """
        email = validate_email(email)
        async with self._uow_factory() as uow:
            if await uow.users.get_by_email(email) is not None:
                return None
        password_hash = await self._hasher.hash(validate_password(password))
        async with self._uow_factory() as uow:
            user = User(
                id=new_id(), email=email, created_at=self._clock.now(), password_hash=password_hash
            )
            first = await uow.users.count() == 0
            await uow.users.add(user)
            await self._make_owner(uow, user)
            if first:
                await self._withdraw_sign_up_links(uow)
            await uow.commit()
        return user

    async def sign_in(self, email: str, password: str, *, address: str | None) -> SignedIn:
        """Check the password and open a session.

        An unknown email costs the same hashing work as a wrong password and gets the
        same message, so neither the answer nor its timing tells whether it exists.

        Raises:
            RateLimited: too many failures for this email or this address.
            AuthenticationFailed: wrong email or password (one message for both).
        """
        await self._throttle.check(email, address)
        async with self._uow_factory() as uow:
            user = await uow.users.get_by_email(email.strip())
        if user is None or user.password_hash is None:
            await self._hasher.verify(await self._dummy(), password)
            ok = False
        else:
            ok = await self._hasher.verify(user.password_hash, password)
        if not ok or user is None or user.password_hash is None:
            await self._throttle.record_failure(email, address)
            raise AuthenticationFailed(INVALID_SIGN_IN)
        await self._throttle.record_success(email)
        if self._hasher.needs_rehash(user.password_hash):
            await self._set_password_hash(user.id, await self._hasher.hash(password))
        return await self.start_session(user)

    async def start_session(self, user: User) -> SignedIn:
        """Open a session for a user who just proved who they are."""
        token = new_token()
        now = self._clock.now()
        session = UserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._policy.absolute_timeout,
        )
        async with self._uow_factory() as uow:
            # Expired sessions are purged here: sign-ins are rare enough to pay for it.
            await uow.sessions.delete_expired(now, now - self._policy.idle_timeout)
            await uow.sessions.add(session)
            await uow.commit()
        return SignedIn(
            user=user, token=token, csrf_token=csrf_token_for(token), expires_at=session.expires_at
        )

    async def resolve(self, token: str) -> SessionContext:
        """The session a cookie's token opens, with the user's memberships.

        Raises:
            AuthenticationFailed: no such session, or it expired (it is then deleted).
        """
        now = self._clock.now()
        token_hash = hash_token(token)
        async with self._uow_factory() as uow:
            session = await uow.sessions.get(token_hash)
            user = await uow.users.get(session.user_id) if session else None
            if session is None or user is None:
                raise AuthenticationFailed(NO_SESSION)
            if not session.is_live(now, self._policy.idle_timeout):
                await uow.sessions.delete(token_hash)
                await uow.commit()
                raise AuthenticationFailed(NO_SESSION)
            memberships = tuple(await uow.memberships.list_for_user(user.id))
            if now - session.last_seen_at >= self._policy.touch_interval:
                await uow.sessions.touch(token_hash, now)
                await uow.commit()
                session = msgspec.structs.replace(session, last_seen_at=now)
        return SessionContext(
            user=user, session=session, memberships=memberships, csrf_token=csrf_token_for(token)
        )

    async def sign_out(self, token: str) -> None:
        """Delete the session; its cookie stops working at once, in every process."""
        async with self._uow_factory() as uow:
            await uow.sessions.delete(hash_token(token))
            await uow.commit()

    async def sign_up_link_token(self, ttl: timedelta = timedelta(days=7)) -> str | None:
        """On a deployment with no user, a new single-use token to sign up as its OWNER.

        Returns None once a user exists. The token is stored hashed, as an OWNER
        invitation to the default organization; the first sign-up withdraws every one.
        """
        token = new_token()
        async with self._uow_factory() as uow:
            if await uow.users.count():
                return None
            org = await default_organization(uow, self._clock)
            now = self._clock.now()
            await uow.invitations.add(
                Invitation(
                    token_hash=hash_token(token),
                    organization_id=org.id,
                    role=Role.OWNER,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            await uow.commit()
        return token

    async def project_organization(self, project_id: str) -> str | None:
        """The organization owning a project, or None when there is no such project."""
        async with self._uow_factory() as uow:
            project = await uow.projects.get(project_id)
        return project.organization_id if project else None

    async def memberships(self, user_id: str) -> Sequence[Membership]:
        """The user's memberships."""
        async with self._uow_factory() as uow:
            return await uow.memberships.list_for_user(user_id)

    async def accept_invitation(self, user: User, token: str) -> Membership:
        """Join an invitation's organization as an existing user.

        Raises:
            PermissionDenied: the token is unknown, used, expired or for another email.
            Conflict: the user already belongs to that organization.
        """
        async with self._uow_factory() as uow:
            membership = await self._accept_invitation(uow, user, token)
            await uow.commit()
        return membership

    async def _accept_invitation(self, uow: UnitOfWork, user: User, token: str) -> Membership:
        invitation = await uow.invitations.get(hash_token(token))
        if invitation is None or invitation.expires_at <= self._clock.now():
            raise PermissionDenied(_INVALID_INVITATION)
        if invitation.email and invitation.email.casefold() != user.email.casefold():
            raise PermissionDenied("This invitation is for another email address")
        # The delete decides a race: only the unit of work that removed the row may use it.
        if not await uow.invitations.delete(invitation.token_hash):
            raise PermissionDenied(_INVALID_INVITATION)
        membership = Membership(
            organization_id=invitation.organization_id,
            user_id=user.id,
            role=invitation.role,
            created_at=self._clock.now(),
        )
        if await uow.memberships.get(membership.organization_id, user.id) is not None:
            raise Conflict("You are already a member of this organization")
        await uow.memberships.add(membership)
        return membership

    async def _make_owner(self, uow: UnitOfWork, user: User) -> None:
        org = await default_organization(uow, self._clock)
        membership = Membership(
            organization_id=org.id, user_id=user.id, role=Role.OWNER, created_at=self._clock.now()
        )
        await uow.memberships.add(membership)

    async def _sign_up_links_exist(self, uow: UnitOfWork) -> bool:
        for org in await uow.organizations.list():
            if await uow.invitations.list(org.id):
                return True
        return False

    async def _withdraw_sign_up_links(self, uow: UnitOfWork) -> None:
        # Before the first user only first-start sign-up links can exist (nobody could
        # invite anyone); once someone owns the deployment they must stop working.
        for org in await uow.organizations.list():
            for invitation in await uow.invitations.list(org.id):
                await uow.invitations.delete(invitation.token_hash)

    async def _set_password_hash(self, user_id: str, password_hash: str) -> None:
        async with self._uow_factory() as uow:
            await uow.users.set_password_hash(user_id, password_hash)
            await uow.commit()

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(new_token())
        return self._dummy_hash
