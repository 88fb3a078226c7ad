-- Hotspot analysis marts, written by endurance/hotspots.py (analyse_period): one
-- set of rows per reporting period (`period` is Period.label, e.g. 2025-01_to_2025-12),
-- replaced whole each time the period is analysed. Maps and briefings read these.

-- staging.linked_incidents, the unit they count, is a view: endurance/sql/views/.

-- The kernel density grid of the period: where it lies and how it was drawn.
CREATE TABLE marts.density_grid (
    period          VARCHAR PRIMARY KEY,
    origin_x        DOUBLE NOT NULL,        -- British National Grid, south-west corner of the grid
    origin_y        DOUBLE NOT NULL,
    cell_m          DOUBLE NOT NULL,
    nx              INTEGER NOT NULL,       -- columns (west to east)
    ny              INTEGER NOT NULL,       -- rows (south to north)
    bandwidth_m     DOUBLE NOT NULL,
    coverage        DOUBLE NOT NULL,        -- share of study cells flagged as hotspot cells
    threshold_km2   DOUBLE,                 -- density at/above which a cell is a hotspot cell (NULL: none)
    max_km2         DOUBLE NOT NULL,
    incidents       INTEGER NOT NULL,       -- located linked incidents the density is drawn from
    study_cells     INTEGER NOT NULL,       -- cells whose centre lies in the force area
    vintage         VARCHAR NOT NULL,       -- ward vintage used for names and ward_analysis
    hotspot_cells   INTEGER NOT NULL,
    training_months INTEGER NOT NULL,       -- months each rolling evaluation draws hotspots from
    analysed_at     TIMESTAMP NOT NULL
);

-- Study cells with some density or a significant Gi* class.
CREATE TABLE marts.density_cells (
    period       VARCHAR NOT NULL,
    col          INTEGER NOT NULL,          -- 0-based from origin_x
    "row"        INTEGER NOT NULL,          -- 0-based from origin_y (row 0 = southmost)
    x            DOUBLE NOT NULL,           -- cell centre, British National Grid
    y            DOUBLE NOT NULL,
    lon          DOUBLE NOT NULL,           -- cell centre, WGS 84
    lat          DOUBLE NOT NULL,
    density_km2  DOUBLE NOT NULL,           -- incidents per km2 over the whole period
    incidents    INTEGER NOT NULL,          -- raw count in the cell
    hotspot      BOOLEAN NOT NULL,
    gi_z         DOUBLE,                    -- NULL when Gi* cannot be computed (no variance)
    gi_p         DOUBLE,                    -- Benjamini-Hochberg adjusted
    gi_class     VARCHAR NOT NULL CHECK (
        gi_class IN
        ('hot_99', 'hot_95', 'hot_90', 'cold_99', 'cold_95', 'cold_90', 'not_significant')
    ),
    PRIMARY KEY (period, col, "row")
);

-- Hotspot cells dissolved into named areas; area 1 holds the most incidents.
CREATE TABLE marts.hotspot_areas (
    period            VARCHAR NOT NULL,
    area_id           INTEGER NOT NULL,
    name              VARCHAR NOT NULL,
    named_after       VARCHAR NOT NULL CHECK (named_after IN ('gazetteer', 'ward')),
    ward_names        VARCHAR NOT NULL,     -- comma-separated, density_grid.vintage
    lad_codes         VARCHAR NOT NULL,
    geom_4326         GEOMETRY NOT NULL,
    area_km2          DOUBLE NOT NULL,
    incidents         INTEGER NOT NULL,
    previous          INTEGER NOT NULL,     -- same number of months just before
    last_year         INTEGER NOT NULL,     -- the same months twelve months earlier
    change_previous   DOUBLE,               -- incidents / previous - 1; NULL when previous is 0
    p_previous        DOUBLE,               -- conditional binomial test; NULL when some month of that
    change_last_year  DOUBLE,               --   window holds no incident at all (no data there, not zero)
    p_last_year       DOUBLE,
    trend             VARCHAR NOT NULL CHECK (trend IN ('emerging', 'persistent', 'fading', 'none')),
    mk_tau            DOUBLE,               -- NULL for periods under three months
    mk_p              DOUBLE,
    peak_days         VARCHAR,              -- e.g. 'Sat, Sun'
    peak_hours        VARCHAR,              -- e.g. '16:00-20:00'
    monthly           VARCHAR NOT NULL,     -- JSON list of monthly counts in the period
    n_cells           INTEGER NOT NULL,
    peak_km2          DOUBLE NOT NULL,
    PRIMARY KEY (period, area_id)
);

-- Every ward of the vintage: counts, change, Gi* and trend.
CREATE TABLE marts.ward_analysis (
    period            VARCHAR NOT NULL,
    vintage           VARCHAR NOT NULL,
    ward_code         VARCHAR NOT NULL,
    ward_name         VARCHAR NOT NULL,
    lad_code          VARCHAR NOT NULL,
    lad_name          VARCHAR NOT NULL,
    incidents         INTEGER NOT NULL,
    previous          INTEGER NOT NULL,
    last_year         INTEGER NOT NULL,
    change_previous   DOUBLE,               -- as in hotspot_areas
    p_previous        DOUBLE,
    change_last_year  DOUBLE,
    p_last_year       DOUBLE,
    gi_z              DOUBLE,
    gi_p              DOUBLE,
    gi_class          VARCHAR NOT NULL CHECK (
        gi_class IN
        ('hot_99', 'hot_95', 'hot_90', 'cold_99', 'cold_95', 'cold_90', 'not_significant')
    ),
    trend             VARCHAR NOT NULL CHECK (trend IN ('emerging', 'persistent', 'fading', 'none')),
    mk_tau            DOUBLE,
    mk_p              DOUBLE,
    PRIMARY KEY (period, vintage, ward_code)
);

-- Hour of day by day of week (Europe/London), overall and per hotspot area.
CREATE TABLE marts.temporal_profile (
    period       VARCHAR NOT NULL,
    scope        VARCHAR NOT NULL,          -- 'all' or the area_id as text
    day_of_week  INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),  -- 0 = Monday
    hour         INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    incidents    INTEGER NOT NULL,
    PRIMARY KEY (period, scope, day_of_week, hour)
);

-- Rolling evaluation: hotspots drawn from the months just before each scored month.
CREATE TABLE marts.hotspot_evaluation (
    period            VARCHAR NOT NULL,
    trained_from      DATE NOT NULL,        -- first month whose incidents drew the hotspots
    trained_to        DATE NOT NULL,        -- last such month
    scored_month      DATE NOT NULL,
    method            VARCHAR NOT NULL CHECK (method IN ('kde', 'naive')),
    coverage          DOUBLE NOT NULL,
    flagged_cells     INTEGER NOT NULL,
    study_cells       INTEGER NOT NULL,
    hits              INTEGER NOT NULL,
    incidents_scored  INTEGER NOT NULL,
    hit_rate          DOUBLE,               -- NULL with no incidents to score
    pai               DOUBLE,               -- NULL when nothing was flagged or nothing to score
    PRIMARY KEY (period, scored_month, method)
);
