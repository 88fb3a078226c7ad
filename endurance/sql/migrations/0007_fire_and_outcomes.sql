-- Two more sources: Cleveland Fire Brigade incidents and enforcement outcomes
-- (police, councils, housing providers); staging.events reads both
-- (endurance/sql/views/staging.events.sql).
CREATE TABLE raw.fire_incidents (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    incident_number VARCHAR, call_datetime VARCHAR, incident_type VARCHAR,
    fire_category VARCHAR, cause VARCHAR, easting VARCHAR, northing VARCHAR,
    latitude VARCHAR, longitude VARCHAR, address VARCHAR, station VARCHAR,
    PRIMARY KEY (file_sha256, row_number)
);

CREATE TABLE raw.enforcement_outcomes (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    outcome_ref VARCHAR, outcome_date VARCHAR, outcome_type VARCHAR, agency VARCHAR,
    incident_ref VARCHAR, vrm VARCHAR, person_ref VARCHAR, easting VARCHAR,
    northing VARCHAR, latitude VARCHAR, longitude VARCHAR,
    PRIMARY KEY (file_sha256, row_number)
);

CREATE TABLE staging.stg_fire_incidents (
    event_id VARCHAR PRIMARY KEY,            -- 'FIRE:' || incident_number
    incident_number VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    called_at TIMESTAMP NOT NULL,            -- Europe/London wall-clock time
    incident_type VARCHAR NOT NULL,          -- GRASS | REFUSE | DERELICT-VEHICLE | OTHER
    fire_category VARCHAR NOT NULL,          -- PRIMARY | SECONDARY | CHIMNEY
    cause VARCHAR NOT NULL,                  -- DELIBERATE | ACCIDENTAL | NOT-KNOWN
    station VARCHAR,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE,
    coordinate_repair VARCHAR,
    is_deliberate_secondary BOOLEAN NOT NULL
);

-- Restricted: the address may be someone's home. Never read by marts.
CREATE TABLE staging.stg_fire_restricted (
    event_id VARCHAR PRIMARY KEY,
    address VARCHAR
);

CREATE TABLE staging.stg_enforcement_outcomes (
    event_id VARCHAR PRIMARY KEY,            -- 'OUT:' || outcome_ref
    outcome_ref VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    outcome_at TIMESTAMP NOT NULL,           -- midnight when only a date was given
    time_known BOOLEAN NOT NULL,
    outcome_type VARCHAR NOT NULL,           -- S59-WARN | S59-SEIZE | ARREST | CHARGE | TENANCY-*
    outcome_kind VARCHAR NOT NULL,           -- the events view category
    agency VARCHAR NOT NULL,                 -- POLICE | COUNCIL | HOUSING
    incident_ref VARCHAR,                    -- the incident log's Incident Ref, when linked
    linked_event_id VARCHAR,                 -- 'INC:' || incident_ref
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE,  -- NULL: recorded with no location
    coordinate_repair VARCHAR
);

-- Restricted: vehicle registration mark (normalised) and person reference.
CREATE TABLE staging.stg_enforcement_restricted (
    event_id VARCHAR PRIMARY KEY,
    vrm VARCHAR, person_ref VARCHAR
);

-- Section 59 repeats, rebuilt by endurance.sources.outcomes.flag_repeat_s59
-- (endurance/sql/staging/s59_repeats.sql). No VRM, no person reference.
CREATE TABLE staging.s59_repeats (
    event_id VARCHAR PRIMARY KEY,
    outcome_type VARCHAR NOT NULL,           -- S59-WARN | S59-SEIZE
    outcome_at TIMESTAMP NOT NULL,
    is_repeat_s59 BOOLEAN NOT NULL,
    prior_s59_events INTEGER NOT NULL,       -- earlier s.59 events in the window
    window_months INTEGER NOT NULL
);
