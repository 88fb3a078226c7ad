"""Read code-list cells the way exports write them: as the code or as its label.

Partner systems export the same code list in different dress: ``SECONDARY``,
``Secondary``, ``Secondary fire``, ``not known``, ``NOT_KNOWN``. A cell is matched
against every code and every label after folding case and treating runs of spaces,
hyphens and underscores alike; anything else is left as typed, so the unknown-code
reject can quote it.
"""

from __future__ import annotations

import re

import pandas as pd

_SEPARATORS = re.compile(r"[\s_-]+")


def _fold(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().lower())


def codes_from_text(values: pd.Series, codes: dict[str, str]) -> pd.Series:
    """Return each cell as its code from ``codes`` (code -> label), or stripped as typed.

    >>> codes_from_text(pd.Series(["secondary fire", "NOT_KNOWN", "x"]),
    ...                 {"SECONDARY": "Secondary fire", "NOT-KNOWN": "Not known"}).tolist()
    ['SECONDARY', 'NOT-KNOWN', 'x']
    """
    lookup = {_fold(code): code for code in codes} | {_fold(label): code for code, label in codes.items()}
    stripped = values.fillna("").str.strip()
    return stripped.map(lambda text: lookup.get(_fold(text), text))
