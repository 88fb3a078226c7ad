-- Repeat section 59 events (Police Reform Act 2002): an s.59 warning or seizure is a
-- repeat when an earlier s.59 event has the same VRM or the same person reference and
-- this event's date falls within $window_months months beginning with that event's
-- date. "Earlier" orders by recorded time, then a warning ($warning) before a seizure
-- ($seizure) at the same time, then the event id, so ties never depend on row order.
-- Reads the restricted VRM and person reference; writes neither.
INSERT INTO staging.s59_repeats
WITH s59 AS (
    SELECT
        o.event_id, o.outcome_type, o.outcome_at,
        CASE WHEN o.outcome_type = $warning THEN 0 ELSE 1 END AS same_time_order,
        r.vrm, r.person_ref
    FROM staging.stg_enforcement_outcomes AS o
    LEFT JOIN staging.stg_enforcement_restricted AS r USING (event_id)
    WHERE o.outcome_type IN ($warning, $seizure)
),

earlier AS (
    SELECT ev.event_id, count(DISTINCT prev.event_id) AS prior_s59_events
    FROM s59 AS ev
    INNER JOIN s59 AS prev
        ON
            (ev.vrm = prev.vrm OR ev.person_ref = prev.person_ref)
            AND (prev.outcome_at, prev.same_time_order, prev.event_id)
            < (ev.outcome_at, ev.same_time_order, ev.event_id)
            AND ev.outcome_at::DATE < prev.outcome_at::DATE + to_months($window_months)
    GROUP BY ev.event_id
)

SELECT
    s.event_id, s.outcome_type, s.outcome_at,
    coalesce(e.prior_s59_events, 0) > 0 AS is_repeat_s59,
    coalesce(e.prior_s59_events, 0) AS prior_s59_events,
    $window_months AS window_months
FROM s59 AS s
LEFT JOIN earlier AS e USING (event_id);
