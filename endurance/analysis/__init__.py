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
- :mod:`~endurance.analysis.evaluation`: hit rate and PAI against a naive baseline;
- :mod:`~endurance.analysis.marts`: the one module that reads and writes the warehouse:
  :func:`analyse_period` runs all of the above for a reporting period into the marts.
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
from endurance.analysis.evaluation import (
    TRAINING_MONTHS,
    Evaluation,
    Score,
    evaluate_hotspots,
    rolling_evaluation,
    score_hotspots,
)
from endurance.analysis.gistar import (
    GiStar,
    area_weights,
    benjamini_hochberg,
    getis_ord_gi_star,
    grid_gi_star,
    grid_weights,
)
from endurance.analysis.grid import DensityGrid, count_grid
from endurance.analysis.marts import analyse_period, previous_map_pai
from endurance.analysis.temporal import monthly_chart_png, peak_days, peak_hours, temporal_profile
from endurance.analysis.trend import MannKendall, mann_kendall, trend_label

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_BANDWIDTH_M",
    "DEFAULT_CELL_M",
    "TRAINING_MONTHS",
    "ChangeResult",
    "DensityGrid",
    "Evaluation",
    "GiStar",
    "HotspotArea",
    "MannKendall",
    "Score",
    "analyse_period",
    "area_weights",
    "benjamini_hochberg",
    "change_test",
    "compare_periods",
    "count_grid",
    "dissolve_hotspots",
    "evaluate_hotspots",
    "getis_ord_gi_star",
    "grid_gi_star",
    "grid_weights",
    "hotspot_cells",
    "kernel_density",
    "mann_kendall",
    "monthly_chart_png",
    "peak_days",
    "peak_hours",
    "previous_map_pai",
    "rolling_evaluation",
    "score_hotspots",
    "temporal_profile",
    "trend_label",
]
