"""`perfex-graph token`: mint an access token for a user in an organization.

For operators and tests holding the signing key (PERFEX_JWT_SECRET or PERFEX_JWT_PRIVATE_KEY).
Only the token goes to stdout, so `TOKEN=$(perfex-graph token ...)` works; errors go to stderr.
"""

from __future__ import annotations

import typer

from graph.auth import mint_token
from settings import ConfigError, auth_settings


def token(
    user: str = typer.Option(..., "--user", help="User id (UUID)."),
    org: str = typer.Option(..., "--org", help="Organization id (UUID)."),
    roles: str = typer.Option("clinician", "--roles", help="comma-separated"),
    ttl: int = typer.Option(3600, "--ttl", help="Lifetime in seconds."),
) -> None:
    """Print a signed access token (PERFEX_JWT_* settings) for a user in an organization."""
    from cli.output import fail  # imported here: cli.main imports this module

    try:
        role_list = [role.strip() for role in roles.split(",") if role.strip()]
        value = mint_token(
            auth_settings(),
            user_id=user.strip(),
            organization_id=org.strip(),
            roles=role_list,
            ttl_seconds=ttl,
        )
    except (ConfigError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(value)
