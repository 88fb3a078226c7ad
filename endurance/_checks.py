"""Run the data checks a layer declares beside its SQL.

Each layer's checks are one file, ``endurance/sql/checks/<layer>.sql``: a list of
queries, each returning the rows that break it (none when the data are right), each
under a header line ``-- check <name>: <message>``. A check is a query rather than code
so that it reads like the SQL it checks and can be run by hand against a warehouse.

:func:`run_checks` runs every check of a layer inside the caller's transaction and
raises one :class:`~endurance._errors.CheckFailedError` listing every check that failed
with a few offending rows, so the build is not committed and all problems show at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from endurance._errors import CheckFailedError
from endurance.warehouse import sql_text

_HEADER = re.compile(r"^-- check (?P<name>[a-z0-9_]+): (?P<message>.+)$", re.MULTILINE)
#: Offending rows quoted in the error for each failed check.
EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    """One declared check: a query returning the rows that break it."""

    name: str
    message: str
    query: str


def checks_of(layer: str) -> list[Check]:
    """Return the checks declared in ``endurance/sql/checks/<layer>.sql``, in file order."""
    text = sql_text(f"checks/{layer}.sql")
    headers = list(_HEADER.finditer(text))
    if not headers:
        raise ValueError(f"checks/{layer}.sql declares no check (a line '-- check <name>: <message>')")
    ends = [h.start() for h in headers[1:]] + [len(text)]
    return [
        Check(h["name"], h["message"], text[h.end() : end].strip().rstrip(";"))
        for h, end in zip(headers, ends, strict=True)
    ]


def run_checks(
    con: duckdb.DuckDBPyConnection, layer: str, *, heading: str, params: dict[str, Any] | None = None
) -> None:
    """Run every check of ``layer``; raise one error naming each that found offending rows.

    Parameters
    ----------
    con
        The warehouse, usually inside the transaction that built what is checked.
    layer
        The checks file's name under ``endurance/sql/checks`` (``marts``, ``hotspots``).
    heading
        The error message's first line, saying what failed (e.g. ``mart checks failed``).
    params
        Values for the named parameters (``$name``) the queries use; each query is given
        only those it names.

    Raises
    ------
    CheckFailedError
        When any check returns a row: one line per failed check, its message and up to
        :data:`EXAMPLES` offending rows.
    """
    values = params or {}
    failures = []
    for check in checks_of(layer):
        bound = {k: v for k, v in values.items() if f"${k}" in check.query}
        offending = con.execute(check.query, bound).fetchmany(EXAMPLES)
        if offending:
            failures.append(f"{check.message}: e.g. {offending}")
    if failures:
        raise CheckFailedError(f"{heading}:\n" + "\n".join(failures))
