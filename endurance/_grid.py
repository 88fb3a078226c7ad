"""The layout of a square grid in British National Grid metres, with no values.

The kernel sums of the hotspot analysis, the area index behind ward attribution and the
map's raster layers each lay cells out the same way; this is that layout, written once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grid:
    """Where a grid's cells lie: south-west corner, cell side (metres) and size in cells.

    Row 0 is the southern-most row and column 0 the western-most. The layout alone, with
    no values: the kernel sums, the area index and the map's raster layers share it.
    """

    origin_x: float
    origin_y: float
    cell_m: float
    nx: int
    ny: int

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return the grid's extent ``(xmin, ymin, xmax, ymax)`` in BNG metres."""
        return (
            self.origin_x,
            self.origin_y,
            self.origin_x + self.nx * self.cell_m,
            self.origin_y + self.ny * self.cell_m,
        )
