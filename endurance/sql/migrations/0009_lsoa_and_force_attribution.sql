-- Attribution to LSOAs (per vintage) and police force areas, beside wards; and what
-- boundary files each attribution was made with, so a changed file is redone.
CREATE TABLE staging.event_lsoas (
    event_id VARCHAR NOT NULL,
    vintage VARCHAR NOT NULL,
    lsoa_code VARCHAR,                       -- NULL: outside every LSOA beyond tolerance
    method VARCHAR NOT NULL,                 -- inside | boundary | snapped | outside
    distance_m DOUBLE NOT NULL,
    PRIMARY KEY (event_id, vintage)
);

CREATE TABLE staging.event_force_areas (
    event_id VARCHAR NOT NULL,
    vintage VARCHAR NOT NULL,
    pfa_code VARCHAR,
    method VARCHAR NOT NULL,
    distance_m DOUBLE NOT NULL,
    PRIMARY KEY (event_id, vintage)
);

CREATE TABLE staging.attribution_state (
    layer VARCHAR NOT NULL,                  -- ward | lsoa | force_area | hotspot
    vintage VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,                 -- of the boundary file the rows were made with
    attributed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (layer, vintage)
);

-- Optional buffer per named hotspot (metres), e.g. to take in a car park beside a moor.
ALTER TABLE geo.hotspots ADD COLUMN buffer_m DOUBLE DEFAULT 0;
