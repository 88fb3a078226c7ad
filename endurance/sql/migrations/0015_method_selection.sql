-- The map's surface is the method that predicted best (endurance/analysis/selection.py),
-- not always kernel density: density_grid records which method drew it and how well the
-- selection procedure predicted; method_backtest holds every candidate's monthly scores.
-- The analysis marts are derived: their rows are dropped here and rebuilt the next time
-- a period is analysed (`endurance map` and the flows analyse a period that is missing).

DELETE FROM marts.density_cells;
DELETE FROM marts.hotspot_areas;
DELETE FROM marts.ward_analysis;
DELETE FROM marts.temporal_profile;
DROP TABLE marts.hotspot_evaluation;
-- The map's hotspot areas lying in each ward, for the council ward summaries.
ALTER TABLE marts.ward_analysis ADD COLUMN hotspot_areas VARCHAR;
DROP TABLE marts.density_grid;

-- The risk grid of the period: where it lies, which method drew it, and how well the
-- method selection predicted over the months before.
CREATE TABLE marts.density_grid (
    period            VARCHAR PRIMARY KEY,
    origin_x          DOUBLE NOT NULL,      -- British National Grid, south-west corner of the grid
    origin_y          DOUBLE NOT NULL,
    cell_m            DOUBLE NOT NULL,
    nx                INTEGER NOT NULL,     -- columns (west to east)
    ny                INTEGER NOT NULL,     -- rows (south to north)
    method            VARCHAR NOT NULL,     -- the selected candidate, e.g. 'decayed_counts(half_life=12)'
    method_family     VARCHAR NOT NULL,
    method_params     VARCHAR NOT NULL,     -- JSON
    method_label      VARCHAR NOT NULL,     -- the method in plain words, for legends
    bandwidth_m       DOUBLE,               -- the method's kernel bandwidth; NULL for plain counts
    forecast_month    DATE NOT NULL,        -- the month the surface predicts: the one after the period
    coverage          DOUBLE NOT NULL,      -- share of study cells flagged as hotspot cells
    threshold_km2     DOUBLE,               -- risk at/above which a cell is a hotspot cell (NULL: none)
    max_km2           DOUBLE NOT NULL,
    incidents         INTEGER NOT NULL,     -- located linked incidents in the period
    history_incidents INTEGER NOT NULL,     -- located linked incidents up to the period's end (the fit)
    history_from      DATE,                 -- first month of that history
    study_cells       INTEGER NOT NULL,     -- cells whose centre lies in the force area
    vintage           VARCHAR NOT NULL,     -- ward vintage used for names and ward_analysis
    hotspot_cells     INTEGER NOT NULL,
    selection_window  INTEGER NOT NULL,     -- scored months each selection looks back over
    backtest_from     DATE,                 -- first and last month the figures below average over
    backtest_to       DATE,                 --   (NULL: too little history to score any month)
    backtest_months   INTEGER NOT NULL,
    nested_pai        DOUBLE,               -- the selection procedure, nested (no month sees itself)
    nested_hit_rate   DOUBLE,
    naive_pai         DOUBLE,               -- the naive baseline over the same months
    naive_hit_rate    DOUBLE,
    method_pai        DOUBLE,               -- the selected method's own mean (flattered by selection)
    analysed_at       TIMESTAMP NOT NULL
);

-- Every candidate's and the selection procedure's scores, month by month, per stream.
-- A backtest is identified by its stream, the months it reports on (period: a label such
-- as 2025-07_to_2025-12), the coverage and the cell size; rerunning one replaces its rows.
CREATE TABLE marts.method_backtest (
    stream            VARCHAR NOT NULL,     -- 'incidents' or 'policeuk_asb'
    period            VARCHAR NOT NULL,
    coverage          DOUBLE NOT NULL,
    cell_m            DOUBLE NOT NULL,
    selection_window  INTEGER NOT NULL,
    method            VARCHAR NOT NULL,     -- a candidate, or 'selected (nested)' for the procedure
    family            VARCHAR NOT NULL,
    params            VARCHAR NOT NULL,     -- JSON
    scored_month      DATE NOT NULL,
    selected_method   VARCHAR,              -- procedure rows: the candidate chosen for that month
    hits              INTEGER NOT NULL,
    incidents         INTEGER NOT NULL,     -- events of the month in the study area
    best_hits         INTEGER NOT NULL,     -- events in the month's busiest cells of the same number
    flagged_cells     INTEGER NOT NULL,
    study_cells       INTEGER NOT NULL,
    hit_rate          DOUBLE,               -- NULL with no events to score
    pai               DOUBLE,
    pei_star          DOUBLE,
    stability         DOUBLE,               -- share of flagged cells flagged the month before too
    in_summary        BOOLEAN NOT NULL,     -- the month is one the backtest reports on
    computed_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (stream, period, coverage, cell_m, selection_window, method, scored_month)
);
