"""`jadechain tx` commands that administer the ledger: users, roles, participants, settings.

They are plain click commands that `jadechain.cli.tx` adds to its group.
"""

from __future__ import annotations

import click

from jadechain.cli.client_options import reports_client_errors, transaction, tx_options
from jadechain.cli.common import CommandError
from jadechain.crypto import SIGNATURE_NAMES, PublicKey
from jadechain.ledger.model import (
    LedgerPermission,
    ParticipantState,
    RolePolicy,
    TransactionPermission,
    UserState,
)

_POLICIES = [policy.value for policy in RolePolicy]


@click.command("register-user")
@click.argument("public_key")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="Give the user ROLE.")
@click.option(
    "--policy",
    type=click.Choice(_POLICIES),
    default=RolePolicy.UNION.value,
    show_default=True,
    help="union: the user may do what any of its roles allows; intersect: what all allow.",
)
@tx_options
@reports_client_errors
def register_user(public_key: str, roles: tuple[str, ...], policy: str, as_json: bool) -> None:
    """Register the user whose public key (Base58) is PUBLIC_KEY, with roles if given."""
    key = PublicKey.from_base58(public_key)
    with transaction(as_json) as tx:
        tx.builder.register_user(key, roles, policy)


@click.command("update-user-state")
@click.argument("address")
@click.argument("state", type=click.Choice([state.value for state in UserState]))
@tx_options
@reports_client_errors
def update_user_state(address: str, state: str, as_json: bool) -> None:
    """Set the state of the user at ADDRESS: normal, frozen (may not sign) or revoked."""
    with transaction(as_json) as tx:
        tx.builder.update_user_state(address, state)


@click.command("configure-role")
@click.argument("name")
@click.option(
    "--ledger-permission",
    "ledger_permissions",
    multiple=True,
    type=click.Choice([p.value for p in LedgerPermission]),
    help="A ledger permission of the role (repeat for several).",
)
@click.option(
    "--tx-permission",
    "tx_permissions",
    multiple=True,
    type=click.Choice([p.value for p in TransactionPermission]),
    help="A transaction permission of the role (repeat for several).",
)
@tx_options
@reports_client_errors
def configure_role(
    name: str, ledger_permissions: tuple[str, ...], tx_permissions: tuple[str, ...], as_json: bool
) -> None:
    """Create role NAME, or replace it, with exactly the permissions given."""
    with transaction(as_json) as tx:
        tx.builder.configure_role(name, ledger_permissions, tx_permissions)


@click.command("authorize-user")
@click.argument("address")
@click.option("--grant", multiple=True, metavar="ROLE", help="Give the user ROLE.")
@click.option("--revoke", multiple=True, metavar="ROLE", help="Take ROLE from the user.")
@click.option(
    "--policy",
    type=click.Choice(_POLICIES),
    help="Change how the user's roles combine (union or intersect).",
)
@tx_options
@reports_client_errors
def authorize_user(
    address: str, grant: tuple[str, ...], revoke: tuple[str, ...], policy: str | None, as_json: bool
) -> None:
    """Grant roles to the user at ADDRESS, revoke roles, or change its role policy."""
    if not grant and not revoke and policy is None:
        raise CommandError("nothing to change: give --grant, --revoke or --policy")
    with transaction(as_json) as tx:
        tx.builder.authorize_user(address, grant, revoke, policy)


@click.command("register-participant")
@click.argument("name")
@click.argument("public_key")
@click.option("--host", default="", help="The participant's host name or address.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The participant's port.")
@tx_options
@reports_client_errors
def register_participant(name: str, public_key: str, host: str, port: int, as_json: bool) -> None:
    """Register a consensus participant NAME with PUBLIC_KEY (Base58); it starts as ready."""
    key = PublicKey.from_base58(public_key)
    with transaction(as_json) as tx:
        tx.builder.register_participant(name, key, host, port)


@click.command("update-participant-state")
@click.argument("address")
@click.argument("state", type=click.Choice([state.value for state in ParticipantState]))
@tx_options
@reports_client_errors
def update_participant_state(address: str, state: str, as_json: bool) -> None:
    """Set the state of the participant at ADDRESS: ready, active or deactivated."""
    with transaction(as_json) as tx:
        tx.builder.update_participant_state(address, state)


@click.command("update-settings")
@click.option(
    "--time-window-ms",
    type=click.IntRange(min=0),
    help="How far a transaction's time may be from its block's time, in milliseconds.",
)
@click.option(
    "--contract-fuel-max",
    type=click.IntRange(min=0),
    help="The most fuel one contract invocation may burn.",
)
@click.option(
    "--accept-algorithm",
    "algorithms",
    multiple=True,
    type=click.Choice(SIGNATURE_NAMES),
    help="A signature algorithm users may sign with (repeat for several; replaces the list).",
)
@tx_options
@reports_client_errors
def update_settings(
    time_window_ms: int | None,
    contract_fuel_max: int | None,
    algorithms: tuple[str, ...],
    as_json: bool,
) -> None:
    """Change the given ledger settings; the others stay as they are."""
    if time_window_ms is None and contract_fuel_max is None and not algorithms:
        raise CommandError(
            "nothing to change: give --time-window-ms, --contract-fuel-max or --accept-algorithm"
        )
    with transaction(as_json) as tx:
        tx.builder.update_ledger_settings(time_window_ms, contract_fuel_max, algorithms or None)


ADMIN_COMMANDS = (
    register_user,
    update_user_state,
    configure_role,
    authorize_user,
    register_participant,
    update_participant_state,
    update_settings,
)
