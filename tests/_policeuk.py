"""Writing police.uk street-level files of any size for load and crash tests."""

from __future__ import annotations

import random
from pathlib import Path

from endurance.sources import policeuk

CRIMES = ("Anti-social behaviour", "Burglary", "Criminal damage and arson", "Vehicle crime")


def policeuk_file(path: Path, rows: int, *, seed: int = 1, month: str = "2025-05") -> Path:
    """Return a police.uk street-level file of ``rows`` distinct rows inside Cleveland."""
    rng = random.Random(seed)
    lines = [",".join(policeuk.HEADER)]
    for i in range(rows):
        crime = CRIMES[i % len(CRIMES)]
        crime_id = "" if crime.startswith("Anti") else f"{seed:04d}{i:012d}{rng.getrandbits(64):016x}"
        lon, lat = -1.35 + rng.random() * 0.35, 54.52 + rng.random() * 0.1
        lines.append(
            f"{crime_id},{month},Cleveland Police,Cleveland Police,{lon:.6f},{lat:.6f},"
            f"On or near Street {i % 4000},E01012{i % 900:03d},Middlesbrough {i % 90:03d}A,{crime},,"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wal_size(db: Path) -> int:
    """Bytes in the warehouse's write-ahead log (0 when there is none)."""
    try:
        return Path(f"{db}.wal").stat().st_size
    except OSError:
        return 0
