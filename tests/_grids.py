"""A grid of given cell values at the origin, for the analysis tests."""

import numpy as np

from endurance.analysis import DensityGrid


def grid_of(values, cell_m=100.0):
    """Wrap ``values`` (rows south to north) as a grid with its south-west corner at (0, 0)."""
    return DensityGrid(0.0, 0.0, cell_m, np.asarray(values, dtype=float))
