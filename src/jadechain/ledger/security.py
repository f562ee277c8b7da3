"""Roles, permissions and the checks every operation passes.

A user holds roles combined by a policy: UNION (allowed if any role allows) or INTERSECT (allowed
only if every role allows). An operation is allowed when at least one of the transaction's endpoint
signers is allowed (JD Chain's rule). Data and event accounts have owners; writing to one needs the
WRITE_DATA / WRITE_EVENTS permission *and* being an owner or holding the account's writer role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jadechain.codec import Record
from jadechain.crypto import PublicKey
from jadechain.ledger.model import (
    LedgerPermission,
    RolePolicy,
    RoleSpec,
    TransactionPermission,
    UserState,
)

ROLE_NAME_CHARS_MAX = 32
ROLES_PER_USER_MAX = 32
DEFAULT_ROLE = "DEFAULT"


class UserRecord(Record, frozen=True):
    public_key: PublicKey
    state: UserState
    roles: list[str]
    policy: RolePolicy


class RoleRecord(Record, frozen=True):
    ledger_permissions: list[LedgerPermission]
    transaction_permissions: list[TransactionPermission]

    @classmethod
    def of(cls, spec: RoleSpec) -> RoleRecord:
        return cls(sorted(set(spec.ledger_permissions)), sorted(set(spec.transaction_permissions)))


def normalize_role(name: str) -> str:
    """Role names are case-insensitive (stored upper-case), 1-32 letters, digits, '_' or '-'."""
    cleaned = name.strip().upper()
    if not cleaned or len(cleaned) > ROLE_NAME_CHARS_MAX:
        raise ValueError(f"role name must be 1-{ROLE_NAME_CHARS_MAX} characters: {name!r}")
    if not all(c.isalnum() or c in "_-" for c in cleaned) or not cleaned.isascii():
        raise ValueError(f"role name may hold only letters, digits, '_' and '-': {name!r}")
    return cleaned


def allows(
    user: UserRecord,
    roles: Mapping[str, RoleRecord],
    permission: LedgerPermission | TransactionPermission,
) -> bool:
    """Whether `user`'s roles, combined by its policy, grant `permission`."""
    if user.state is not UserState.NORMAL:
        return False
    grants = [_grants(roles.get(name), permission) for name in user.roles]
    if not grants:
        return False
    return all(grants) if user.policy is RolePolicy.INTERSECT else any(grants)


def _grants(role: RoleRecord | None, permission: LedgerPermission | TransactionPermission) -> bool:
    if role is None:
        return False
    if isinstance(permission, LedgerPermission):
        return permission in role.ledger_permissions
    return permission in role.transaction_permissions


def permissions(
    user: UserRecord, roles: Mapping[str, RoleRecord]
) -> frozenset[LedgerPermission | TransactionPermission]:
    """Everything `user` may do: `allows(user, roles, p)` iff `p in permissions(user, roles)`."""
    if user.state is not UserState.NORMAL or not user.roles:
        return frozenset()
    sets = [_granted(roles.get(name)) for name in user.roles]
    if user.policy is RolePolicy.INTERSECT:
        return frozenset.intersection(*sets)
    return frozenset.union(*sets)


def _granted(role: RoleRecord | None) -> frozenset[LedgerPermission | TransactionPermission]:
    if role is None:
        return frozenset()
    return frozenset((*role.ledger_permissions, *role.transaction_permissions))


def any_allows(
    users: Iterable[UserRecord],
    roles: Mapping[str, RoleRecord],
    permission: LedgerPermission | TransactionPermission,
) -> bool:
    return any(allows(user, roles, permission) for user in users)
