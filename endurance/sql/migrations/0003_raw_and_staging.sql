-- raw: every row as received (all text), keyed by the file it came from.
CREATE TABLE raw.policeuk_street (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    crime_id VARCHAR, month VARCHAR, reported_by VARCHAR, falls_within VARCHAR,
    longitude VARCHAR, latitude VARCHAR, location VARCHAR, lsoa_code VARCHAR,
    lsoa_name VARCHAR, crime_type VARCHAR, last_outcome_category VARCHAR, context VARCHAR,
    PRIMARY KEY (file_sha256, row_number)
);

CREATE TABLE raw.incident_log (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    incident_ref VARCHAR, created VARCHAR, opening_code VARCHAR, closing_code VARCHAR,
    location_text VARCHAR, easting VARCHAR, northing VARCHAR, latitude VARCHAR,
    longitude VARCHAR, narrative VARCHAR,
    PRIMARY KEY (file_sha256, row_number)
);

CREATE TABLE raw.intelligence (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    intel_ref VARCHAR, received VARCHAR, channel VARCHAR, source_evaluation VARCHAR,
    intelligence_assessment VARCHAR, handling_code VARCHAR, latitude VARCHAR,
    longitude VARCHAR, location_text VARCHAR, subject VARCHAR, narrative VARCHAR,
    vrm VARCHAR, phone VARCHAR,
    PRIMARY KEY (file_sha256, row_number)
);

-- staging: one typed, validated, reprojected row per entity.
-- Coordinates: x/y in British National Grid metres, lon/lat in WGS 84; NULL when the
-- row carries no usable location (kept, counted as unlocated).
CREATE TABLE staging.stg_policeuk_street (
    event_id VARCHAR PRIMARY KEY,            -- Crime ID, or a stable hash for ASB rows
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    crime_id VARCHAR, month DATE NOT NULL, reported_by VARCHAR, falls_within VARCHAR,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE, coordinate_repair VARCHAR,
    location VARCHAR, lsoa_code VARCHAR, lsoa_name VARCHAR,
    crime_type VARCHAR NOT NULL, last_outcome_category VARCHAR, context VARCHAR
);

CREATE TABLE staging.stg_incident_log_incidents (
    event_id VARCHAR PRIMARY KEY,            -- 'INC:' || incident_ref
    incident_ref VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,           -- Europe/London wall-clock time
    opening_code VARCHAR NOT NULL, closing_code VARCHAR,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE,
    coordinate_repair VARCHAR,               -- NULL, or what was repaired (e.g. latlon_swapped)
    is_off_road_bike BOOLEAN NOT NULL,
    classification_rule VARCHAR              -- the rule that matched, for audit
);

-- Restricted: free text that may hold personal data. Never read by marts.
CREATE TABLE staging.stg_incident_log_restricted (
    event_id VARCHAR PRIMARY KEY,
    location_text VARCHAR, narrative VARCHAR
);

CREATE TABLE staging.stg_intelligence_reports (
    event_id VARCHAR PRIMARY KEY,            -- 'INT:' || intel_ref
    intel_ref VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    channel VARCHAR NOT NULL,
    source_evaluation VARCHAR NOT NULL,      -- 1 | 2 | 3
    intelligence_assessment VARCHAR NOT NULL,-- A .. E
    handling_code VARCHAR NOT NULL,          -- P | C
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE,
    coordinate_repair VARCHAR,
    location_precision VARCHAR NOT NULL,     -- exact | gazetteer | ward | unresolved
    hotspot_id VARCHAR,                      -- set when resolved to a gazetteer place
    ward_name VARCHAR                        -- set when resolved to a ward name only
);

CREATE TABLE staging.stg_intelligence_restricted (
    event_id VARCHAR PRIMARY KEY,
    location_text VARCHAR, subject VARCHAR, narrative VARCHAR, vrm VARCHAR, phone VARCHAR
);

-- Attribution results (see endurance/geography/attribution.py for the rules).
CREATE TABLE staging.event_wards (
    event_id VARCHAR NOT NULL,
    vintage VARCHAR NOT NULL,
    ward_code VARCHAR,                       -- NULL: outside every ward beyond tolerance
    lad_code VARCHAR,
    method VARCHAR NOT NULL,                 -- inside | boundary | snapped | outside
    distance_m DOUBLE NOT NULL,              -- 0 unless snapped or outside
    PRIMARY KEY (event_id, vintage)
);

CREATE TABLE staging.event_hotspots (
    event_id VARCHAR NOT NULL,
    hotspot_id VARCHAR NOT NULL,
    PRIMARY KEY (event_id, hotspot_id)
);
