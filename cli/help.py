"""Help pages without type noise: flags show no `<bool>`, arguments show `OLD NEW` in the usage.

Typer renders a `<bool>` type for every flag (even --help) and wraps required arguments in
braces (`{old}`); these command classes render flags bare and arguments by their metavar.
"""

from __future__ import annotations

from typing import Any

from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _bare_flags(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # a flag takes no value: nothing to show in the type column
    return params


def _usage(command: _click.Command, ctx: _click.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = param.display_name_raw.upper() if param.metavar is None else param.metavar
            name = name if param.required else f"[{name}]"
            pieces.append(f"{name}..." if param.nargs != 1 else name)
        else:
            pieces.extend(param.get_usage_pieces(ctx))
    return pieces


class Command(TyperCommand):
    """A perfex-graph command (pass as `cls=`)."""

    def get_params(self, ctx: _click.Context) -> list[Any]:
        return _bare_flags(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return _usage(self, ctx)


class Group(TyperGroup):
    """The perfex-graph command group (pass as `cls=` to `typer.Typer`)."""

    def get_params(self, ctx: _click.Context) -> list[Any]:
        return _bare_flags(super().get_params(ctx))
