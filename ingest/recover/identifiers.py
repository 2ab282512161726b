"""Namespaces and cohorts become schema names, Glue databases and S3 prefixes: only plain
identifiers (lowercase letters, digits, underscores; starting with a letter) are accepted."""

from __future__ import annotations

import re

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def check_identifier(what: str, value: str, hint: str = "") -> str:
    """Return `value` if it is a plain identifier, else raise ValueError naming `what`."""
    if not IDENTIFIER.fullmatch(value or ""):
        raise ValueError(f"{what} {value!r} is not a plain identifier ([a-z][a-z0-9_]*){hint}")
    return value
