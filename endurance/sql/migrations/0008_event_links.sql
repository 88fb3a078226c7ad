-- Cross-source de-duplication: pairs of events judged to be the same incident, and
-- the linked incident (group) every counted event belongs to. See endurance/linking.py.
CREATE TABLE staging.event_links (
    rule         VARCHAR NOT NULL,     -- the LinkRule that matched
    event_a      VARCHAR NOT NULL,
    event_b      VARCHAR NOT NULL,
    distance_m   DOUBLE NOT NULL,
    hours_apart  DOUBLE,               -- NULL when one side has month precision only
    PRIMARY KEY (event_a, event_b)
);

CREATE TABLE staging.event_groups (
    event_id     VARCHAR PRIMARY KEY,
    group_id     VARCHAR NOT NULL      -- the representative event of the linked incident
);
