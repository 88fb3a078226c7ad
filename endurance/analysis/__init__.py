"""Find, test and score hotspots of off-road-bike incidents.

One module per method family; every function here is pure: it takes coordinates in
the project CRS (British National Grid, metres), timestamps or counts, and returns
numbers, masks or small records. None reads the warehouse: :mod:`endurance.hotspots`
(a period's analysis into the marts) and :mod:`endurance.backtests` (backtests of a
stream) do that and pass the arrays in.

- :mod:`~endurance.analysis.grid`: the regular grid of square cells the methods share;
- :mod:`~endurance.analysis.density`: quartic kernel density, top-cell hotspots and
  their dissolved, named areas;
- :mod:`~endurance.analysis.gistar`: Getis-Ord Gi* with Benjamini-Hochberg control;
- :mod:`~endurance.analysis.change`: change between periods (conditional binomial test);
- :mod:`~endurance.analysis.trend`: Mann-Kendall trends and hotspot trend labels;
- :mod:`~endurance.analysis.temporal`: hour-by-weekday profiles and monthly charts;
- :mod:`~endurance.analysis.evaluation`: hit rate and PAI of flagged cells;
- :mod:`~endurance.analysis.forecast`: the candidate methods that draw a risk surface
  for the month ahead (naive counts, decayed counts, kernel density, prospective
  kernel density, blends, a self-exciting point process);
- :mod:`~endurance.analysis.selection`: rolling-origin backtests of the candidates and
  the nested selection of the map's method.
"""

from endurance.analysis.change import ChangeResult, change_test, compare_periods, relative_change
from endurance.analysis.density import (
    DAYS_PER_MONTH,
    DEFAULT_BANDWIDTH_M,
    DEFAULT_CELL_M,
    HotspotArea,
    dissolve_hotspots,
    hotspot_cells,
    kernel_density,
)
from endurance.analysis.evaluation import Score, score_hotspots
from endurance.analysis.forecast import (
    DEFAULT_CANDIDATES,
    NAIVE_MONTHS,
    Blend,
    DecayedCounts,
    EventHistory,
    KernelDensity,
    Method,
    NaiveCounts,
    ProspectiveKDE,
    SelfExciting,
    method_from_name,
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
from endurance.analysis.selection import NESTED, SELECTION_WINDOW, Backtest, backtest, flag_top_cells
from endurance.analysis.temporal import monthly_chart_png, peak_days, peak_hours, temporal_profile
from endurance.analysis.trend import MannKendall, mann_kendall, trend_label

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_BANDWIDTH_M",
    "DEFAULT_CANDIDATES",
    "DEFAULT_CELL_M",
    "NAIVE_MONTHS",
    "NESTED",
    "SELECTION_WINDOW",
    "Backtest",
    "Blend",
    "ChangeResult",
    "DecayedCounts",
    "DensityGrid",
    "EventHistory",
    "GiStar",
    "HotspotArea",
    "KernelDensity",
    "MannKendall",
    "Method",
    "NaiveCounts",
    "ProspectiveKDE",
    "Score",
    "SelfExciting",
    "area_weights",
    "backtest",
    "benjamini_hochberg",
    "change_test",
    "compare_periods",
    "count_grid",
    "dissolve_hotspots",
    "flag_top_cells",
    "getis_ord_gi_star",
    "grid_gi_star",
    "grid_weights",
    "hotspot_cells",
    "kernel_density",
    "mann_kendall",
    "method_from_name",
    "monthly_chart_png",
    "peak_days",
    "peak_hours",
    "relative_change",
    "score_hotspots",
    "temporal_profile",
    "trend_label",
]
