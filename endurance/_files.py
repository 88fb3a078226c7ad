"""Hash files without reading them whole.

Inputs, boundary layers and published outputs are all identified by the sha256 of
their bytes. Files of several hundred megabytes (a year of police.uk data, a national
boundary layer) are read in blocks of 1 MiB so hashing never holds one in memory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
