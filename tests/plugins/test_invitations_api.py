"""Invitations by link and organization members, through the real app."""

from __future__ import annotations

from spyglass_core.domain.accounts import Role
from tests.plugins.accounts_support import PASSWORD, add_user, anonymous, session_of
from tests.plugins.conftest import EmbeddedApp

SIGN_UP = "/api/internal/auth/sign-up"


async def test_an_invitation_link_signs_up_once_with_its_role(embedded: EmbeddedApp) -> None:
    org_id = embedded.project.organization_id
    admin = await add_user(embedded, "admin@example.com", Role.ADMIN, org_id)
    invitations = f"/api/internal/organizations/{org_id}/invitations"
    async with session_of(embedded, admin) as signed_in:
        created = await signed_in.client.post(
            invitations, json={"role": "MEMBER"}, headers=signed_in.csrf()
        )
        assert created.status_code == 201, created.text
        invitation = created.json()
        assert invitation["signUpPath"] == f"/sign-up?token={invitation['token']}"
        listed = await signed_in.client.get(invitations)
        assert [i["id"] for i in listed.json()] == [invitation["id"]]
        assert invitation["token"] not in listed.text
    token = invitation["token"]
    async with anonymous(embedded) as client:
        joined = await client.post(
            SIGN_UP,
            json={"email": "new@example.com", "password": PASSWORD, "invitationToken": token},
        )
        assert joined.status_code == 201, joined.text
        assert joined.json()["memberships"] == [{"organizationId": org_id, "role": "MEMBER"}]
        projects = await client.get("/api/internal/projects")
        assert [p["id"] for p in projects.json()] == [embedded.project.id]
    async with anonymous(embedded) as client:
        reused = await client.post(
            SIGN_UP,
            json={"email": "other@example.com", "password": PASSWORD, "invitationToken": token},
        )
        assert reused.status_code == 403


async def test_no_one_invites_above_their_own_role(embedded: EmbeddedApp) -> None:
    org_id = embedded.project.organization_id
    admin = await add_user(embedded, "admin@example.com", Role.ADMIN, org_id)
    async with session_of(embedded, admin) as signed_in:
        response = await signed_in.client.post(
            f"/api/internal/organizations/{org_id}/invitations",
            json={"role": "OWNER"},
            headers=signed_in.csrf(),
        )
    assert response.status_code == 403
    assert "above your own" in response.json()["message"]


async def test_bad_invitation_input_is_400(embedded: EmbeddedApp) -> None:
    org_id = embedded.project.organization_id
    owner = await add_user(embedded, "owner@example.com", Role.OWNER, org_id)
    async with session_of(embedded, owner) as signed_in:
        for body in ({"role": "KING"}, {"role": "MEMBER", "email": "nope"}, {}):
            response = await signed_in.client.post(
                f"/api/internal/organizations/{org_id}/invitations",
                json=body,
                headers=signed_in.csrf(),
            )
            assert response.status_code == 400, (body, response.text)


async def test_an_email_bound_invitation_and_a_withdrawn_one_are_refused(
    embedded: EmbeddedApp,
) -> None:
    org_id = embedded.project.organization_id
    owner = await add_user(embedded, "owner@example.com", Role.OWNER, org_id)
    invitations = f"/api/internal/organizations/{org_id}/invitations"
    async with session_of(embedded, owner) as signed_in:
        bound = await signed_in.client.post(
            invitations,
            json={"role": "VIEWER", "email": "Bob@Example.com"},
            headers=signed_in.csrf(),
        )
        withdrawn = await signed_in.client.post(
            invitations, json={"role": "VIEWER"}, headers=signed_in.csrf()
        )
        gone = await signed_in.client.delete(
            f"{invitations}/{withdrawn.json()['id']}", headers=signed_in.csrf()
        )
        assert gone.status_code == 204
    async with anonymous(embedded) as client:
        for email, token in (
            ("mallory@example.com", bound.json()["token"]),
            ("mallory@example.com", withdrawn.json()["token"]),
        ):
            response = await client.post(
                SIGN_UP, json={"email": email, "password": PASSWORD, "invitationToken": token}
            )
            assert response.status_code == 403
        bob = await client.post(
            SIGN_UP,
            json={
                "email": "bob@example.com",
                "password": PASSWORD,
                "invitationToken": bound.json()["token"],
            },
        )
        assert bob.status_code == 201


async def test_a_signed_in_user_accepts_an_invitation_to_another_organization(
    embedded: EmbeddedApp,
) -> None:
    admin = await embedded.admin()
    other = await admin.create_project("Elsewhere", organization_name="Other Org")
    owner = await add_user(embedded, "owner@example.com", Role.OWNER, other.organization_id)
    guest = await add_user(
        embedded, "guest@example.com", Role.VIEWER, embedded.project.organization_id
    )
    async with session_of(embedded, owner) as signed_in:
        created = await signed_in.client.post(
            f"/api/internal/organizations/{other.organization_id}/invitations",
            json={"role": "MEMBER"},
            headers=signed_in.csrf(),
        )
    async with session_of(embedded, guest) as signed_in:
        accept = "/api/internal/invitations/accept"
        token = created.json()["token"]
        joined = await signed_in.client.post(
            accept, json={"token": token}, headers=signed_in.csrf()
        )
        assert joined.status_code == 200, joined.text
        assert joined.json()["role"] == "MEMBER"
        projects = await signed_in.client.get("/api/internal/projects")
        assert {p["id"] for p in projects.json()} == {embedded.project.id, other.id}
        members = await signed_in.client.get(
            f"/api/internal/organizations/{other.organization_id}/members"
        )
        assert {(m["email"], m["role"]) for m in members.json()} == {
            ("owner@example.com", "OWNER"),
            ("guest@example.com", "MEMBER"),
        }


async def test_admins_change_roles_but_never_above_their_own(embedded: EmbeddedApp) -> None:
    org_id = embedded.project.organization_id
    owner = await add_user(embedded, "owner@example.com", Role.OWNER, org_id)
    admin = await add_user(embedded, "admin@example.com", Role.ADMIN, org_id)
    viewer = await add_user(embedded, "viewer@example.com", Role.VIEWER, org_id)
    members = f"/api/internal/organizations/{org_id}/members"
    async with session_of(embedded, admin) as signed_in:
        promoted = await signed_in.client.patch(
            f"{members}/{viewer.id}", json={"role": "MEMBER"}, headers=signed_in.csrf()
        )
        assert promoted.status_code == 200, promoted.text
        assert promoted.json()["role"] == "MEMBER"
        too_high = await signed_in.client.patch(
            f"{members}/{viewer.id}", json={"role": "OWNER"}, headers=signed_in.csrf()
        )
        assert too_high.status_code == 403
        demote_owner = await signed_in.client.patch(
            f"{members}/{owner.id}", json={"role": "VIEWER"}, headers=signed_in.csrf()
        )
        assert demote_owner.status_code == 403
        bad = await signed_in.client.patch(
            f"{members}/{viewer.id}", json={"role": "KING"}, headers=signed_in.csrf()
        )
        assert bad.status_code == 400
    async with session_of(embedded, owner) as signed_in:
        last_owner = await signed_in.client.patch(
            f"{members}/{owner.id}", json={"role": "ADMIN"}, headers=signed_in.csrf()
        )
        assert last_owner.status_code == 409
        assert "at least one OWNER" in last_owner.json()["message"]


async def test_a_removed_member_loses_access_at_once(embedded: EmbeddedApp) -> None:
    org_id = embedded.project.organization_id
    owner = await add_user(embedded, "owner@example.com", Role.OWNER, org_id)
    member = await add_user(embedded, "member@example.com", Role.MEMBER, org_id)
    members = f"/api/internal/organizations/{org_id}/members"
    async with session_of(embedded, member) as victim, session_of(embedded, owner) as boss:
        assert (await victim.client.get(members)).status_code == 200
        removed = await boss.client.delete(f"{members}/{member.id}", headers=boss.csrf())
        assert removed.status_code == 204
        assert (await victim.client.get(members)).status_code == 403
        assert (await victim.client.get("/api/internal/projects")).json() == []
        again = await boss.client.delete(f"{members}/{member.id}", headers=boss.csrf())
        assert again.status_code == 404
        last = await boss.client.delete(f"{members}/{owner.id}", headers=boss.csrf())
        assert last.status_code == 409
