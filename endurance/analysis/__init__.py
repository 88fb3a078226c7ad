"""Find, test and score hotspots of off-road-bike incidents.

One module per method family; every function here is pure: it takes coordinates in
the project CRS (British National Grid, metres), timestamps or counts, and returns
numbers, masks or small records. None reads the warehouse; the flow and the marts do
that and pass the arrays in.

- :mod:`~endurance.analysis.grid`: the regular grid of square cells the methods share;
- :mod:`~endurance.analysis.density`: quartic kernel density, top-cell hotspots and
  their dissolved, named areas;
- :mod:`~endurance.analysis.gistar`: Getis-Ord Gi* with Benjamini-Hochberg control;
- :mod:`~endurance.analysis.change`: change between periods (conditional binomial test);
- :mod:`~endurance.analysis.trend`: Mann-Kendall trends and hotspot trend labels;
- :mod:`~endurance.analysis.temporal`: hour-by-weekday profiles and monthly charts;
- :mod:`~endurance.analysis.evaluation`: hit rate and PAI against a naive baseline.
"""

from endurance.analysis.change import ChangeResult, change_test, compare_periods
from endurance.analysis.density import (
    DAYS_PER_MONTH,
    DEFAULT_BANDWIDTH_M,
    DEFAULT_CELL_M,
    HotspotArea,
    dissolve_hotspots,
    hotspot_cells,
    kernel_density,
)
from endurance.analysis.evaluation import Evaluation, Score, evaluate_hotspots, score_hotspots
from endurance.analysis.gistar import (
    GiStar,
    area_weights,
    benjamini_hochberg,
    getis_ord_gi_star,
    grid_weights,
)
from endurance.analysis.grid import DensityGrid, count_grid
from endurance.analysis.temporal import monthly_chart_png, temporal_profile
from endurance.analysis.trend import MannKendall, mann_kendall, trend_label

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_BANDWIDTH_M",
    "DEFAULT_CELL_M",
    "ChangeResult",
    "DensityGrid",
    "Evaluation",
    "GiStar",
    "HotspotArea",
    "MannKendall",
    "Score",
    "area_weights",
    "benjamini_hochberg",
    "change_test",
    "compare_periods",
    "count_grid",
    "dissolve_hotspots",
    "evaluate_hotspots",
    "getis_ord_gi_star",
    "grid_weights",
    "hotspot_cells",
    "kernel_density",
    "mann_kendall",
    "monthly_chart_png",
    "score_hotspots",
    "temporal_profile",
    "trend_label",
]
