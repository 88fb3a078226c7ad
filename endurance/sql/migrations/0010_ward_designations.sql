-- Neighbourhood-policing ward designations (Strengthen, Support, Sustain), loaded from
-- a force-maintained CSV (geodata/ward_designations_template.csv) by
-- endurance.geography.load_designations. effective_to is the last day in force
-- (inclusive); NULL means still in force. Periods of one ward never overlap.
CREATE TABLE geo.ward_designations (
    vintage         VARCHAR NOT NULL,
    ward_code       VARCHAR NOT NULL,
    designation     VARCHAR NOT NULL,       -- Strengthen | Support | Sustain
    effective_from  DATE NOT NULL,
    effective_to    DATE,
    note            VARCHAR NOT NULL,
    source_path     VARCHAR NOT NULL,
    PRIMARY KEY (vintage, ward_code, effective_from)
);
