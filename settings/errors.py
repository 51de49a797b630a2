"""The one exception every configuration mistake raises."""

from __future__ import annotations


class ConfigError(Exception):
    """A setting is wrong; the message says which and how to fix it."""


__all__ = ["ConfigError"]
