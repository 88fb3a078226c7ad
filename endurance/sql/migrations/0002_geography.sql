-- Reference geography. Geometries are held twice: British National Grid metres for
-- every spatial join and measurement, WGS 84 for maps.
CREATE TABLE geo.layers (
    kind        VARCHAR NOT NULL,           -- ward | lad | force_area | lsoa | hotspot
    vintage     VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    features    INTEGER NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, vintage)
);

CREATE TABLE geo.wards (
    vintage     VARCHAR NOT NULL,
    ward_code   VARCHAR NOT NULL,
    ward_name   VARCHAR NOT NULL,
    lad_code    VARCHAR NOT NULL,
    lad_name    VARCHAR NOT NULL,
    area_km2    DOUBLE NOT NULL,
    geom_27700  GEOMETRY NOT NULL,
    geom_4326   GEOMETRY NOT NULL,
    PRIMARY KEY (vintage, ward_code)
);

CREATE TABLE geo.lads (
    vintage     VARCHAR NOT NULL,
    lad_code    VARCHAR NOT NULL,
    lad_name    VARCHAR NOT NULL,
    geom_27700  GEOMETRY NOT NULL,
    geom_4326   GEOMETRY NOT NULL,
    PRIMARY KEY (vintage, lad_code)
);

CREATE TABLE geo.force_areas (
    vintage     VARCHAR NOT NULL,
    pfa_code    VARCHAR NOT NULL,
    pfa_name    VARCHAR NOT NULL,
    geom_27700  GEOMETRY NOT NULL,
    geom_4326   GEOMETRY NOT NULL,
    PRIMARY KEY (vintage, pfa_code)
);

CREATE TABLE geo.lsoas (
    vintage     VARCHAR NOT NULL,
    lsoa_code   VARCHAR NOT NULL,
    lsoa_name   VARCHAR NOT NULL,
    lad_code    VARCHAR NOT NULL,
    geom_27700  GEOMETRY NOT NULL,
    geom_4326   GEOMETRY NOT NULL,
    PRIMARY KEY (vintage, lsoa_code)
);

-- The project's own gazetteer of named hotspots (geodata/hotspots.geojson).
CREATE TABLE geo.hotspots (
    hotspot_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    aliases     VARCHAR NOT NULL,           -- semicolon separated, for free-text matching
    lad_code    VARCHAR NOT NULL,
    concern     VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    area_km2    DOUBLE NOT NULL,
    geom_27700  GEOMETRY NOT NULL,
    geom_4326   GEOMETRY NOT NULL
);
