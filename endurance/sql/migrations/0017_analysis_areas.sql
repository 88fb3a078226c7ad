-- Analysis areas (endurance/forces.py AnalysisArea): the hotspot analysis, its maps and
-- briefing packs are made per force area and for the joint operation of every force in
-- use. Each analysis mart and the method backtests gain the area as the first part of
-- their key: a force's key ('cleveland', 'durham') or 'joint'. The marts are derived: their
-- rows are dropped here and rebuilt the next time a period is analysed, as in 0015.

DELETE FROM ops.derived_state
WHERE name = 'analysis';

DROP TABLE marts.density_grid;
CREATE TABLE marts.density_grid (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    period VARCHAR NOT NULL,
    origin_x DOUBLE NOT NULL,
    origin_y DOUBLE NOT NULL,
    cell_m DOUBLE NOT NULL,
    nx INTEGER NOT NULL,
    ny INTEGER NOT NULL,
    method VARCHAR NOT NULL,
    method_family VARCHAR NOT NULL,
    method_params VARCHAR NOT NULL,
    method_label VARCHAR NOT NULL,
    bandwidth_m DOUBLE,
    forecast_month DATE NOT NULL,
    coverage DOUBLE NOT NULL,
    threshold_km2 DOUBLE,
    max_km2 DOUBLE NOT NULL,
    incidents INTEGER NOT NULL,
    history_incidents INTEGER NOT NULL,
    history_from DATE,
    study_cells INTEGER NOT NULL,
    vintage VARCHAR NOT NULL,
    hotspot_cells INTEGER NOT NULL,
    selection_window INTEGER NOT NULL,
    backtest_from DATE,
    backtest_to DATE,
    backtest_months INTEGER NOT NULL,
    nested_pai DOUBLE,
    nested_hit_rate DOUBLE,
    naive_pai DOUBLE,
    naive_hit_rate DOUBLE,
    method_pai DOUBLE,
    analysed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (analysis_area, period)
);

DROP TABLE marts.density_cells;
CREATE TABLE marts.density_cells (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    period VARCHAR,
    col INTEGER,
    "row" INTEGER,
    x DOUBLE NOT NULL,
    y DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    density_km2 DOUBLE NOT NULL,
    incidents INTEGER NOT NULL,
    hotspot BOOLEAN NOT NULL,
    gi_z DOUBLE,
    gi_p DOUBLE,
    gi_class VARCHAR NOT NULL,
    CHECK (gi_class IN ('hot_99', 'hot_95', 'hot_90', 'cold_99', 'cold_95', 'cold_90', 'not_significant')),
    PRIMARY KEY (analysis_area, period, col, "row")
);

DROP TABLE marts.hotspot_areas;
CREATE TABLE marts.hotspot_areas (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    period VARCHAR,
    area_id INTEGER,
    name VARCHAR NOT NULL,
    named_after VARCHAR NOT NULL,
    ward_names VARCHAR NOT NULL,
    lad_codes VARCHAR NOT NULL,
    geom_4326 GEOMETRY NOT NULL,
    area_km2 DOUBLE NOT NULL,
    incidents INTEGER NOT NULL,
    previous INTEGER NOT NULL,
    last_year INTEGER NOT NULL,
    change_previous DOUBLE,
    p_previous DOUBLE,
    change_last_year DOUBLE,
    p_last_year DOUBLE,
    trend VARCHAR NOT NULL,
    mk_tau DOUBLE,
    mk_p DOUBLE,
    peak_days VARCHAR,
    peak_hours VARCHAR,
    monthly VARCHAR NOT NULL,
    n_cells INTEGER NOT NULL,
    peak_km2 DOUBLE NOT NULL,
    CHECK (named_after IN ('gazetteer', 'ward')),
    CHECK (trend IN ('emerging', 'persistent', 'fading', 'none')),
    PRIMARY KEY (analysis_area, period, area_id)
);

DROP TABLE marts.ward_analysis;
CREATE TABLE marts.ward_analysis (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    period VARCHAR,
    vintage VARCHAR,
    ward_code VARCHAR,
    ward_name VARCHAR NOT NULL,
    lad_code VARCHAR NOT NULL,
    lad_name VARCHAR NOT NULL,
    incidents INTEGER NOT NULL,
    previous INTEGER NOT NULL,
    last_year INTEGER NOT NULL,
    change_previous DOUBLE,
    p_previous DOUBLE,
    change_last_year DOUBLE,
    p_last_year DOUBLE,
    gi_z DOUBLE,
    gi_p DOUBLE,
    gi_class VARCHAR NOT NULL,
    trend VARCHAR NOT NULL,
    mk_tau DOUBLE,
    mk_p DOUBLE,
    hotspot_areas VARCHAR,
    CHECK (gi_class IN ('hot_99', 'hot_95', 'hot_90', 'cold_99', 'cold_95', 'cold_90', 'not_significant')),
    CHECK (trend IN ('emerging', 'persistent', 'fading', 'none')),
    PRIMARY KEY (analysis_area, period, vintage, ward_code)
);

DROP TABLE marts.temporal_profile;
CREATE TABLE marts.temporal_profile (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    period VARCHAR,
    scope VARCHAR,                  -- 'all' or the hotspot area_id as text
    day_of_week INTEGER,
    hour INTEGER,
    incidents INTEGER NOT NULL,
    CHECK (day_of_week BETWEEN 0 AND 6),
    CHECK (hour BETWEEN 0 AND 23),
    PRIMARY KEY (analysis_area, period, scope, day_of_week, hour)
);

DROP TABLE marts.method_backtest;
CREATE TABLE marts.method_backtest (
    analysis_area VARCHAR NOT NULL,  -- a force's key or 'joint'
    stream VARCHAR,
    period VARCHAR,
    coverage DOUBLE,
    cell_m DOUBLE,
    selection_window INTEGER,
    method VARCHAR,
    family VARCHAR NOT NULL,
    params VARCHAR NOT NULL,
    scored_month DATE,
    selected_method VARCHAR,
    hits INTEGER NOT NULL,
    incidents INTEGER NOT NULL,
    best_hits INTEGER NOT NULL,
    flagged_cells INTEGER NOT NULL,
    study_cells INTEGER NOT NULL,
    hit_rate DOUBLE,
    pai DOUBLE,
    pei_star DOUBLE,
    stability DOUBLE,
    in_summary BOOLEAN NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (analysis_area, stream, period, coverage, cell_m, selection_window, method, scored_month)
);
