"""Cross-source de-duplication: one incident reported several ways is counted once.

The same bikes on the same evening can reach the warehouse as a 101 call in the
control-room log, a web-form report from a resident, a councillor's report, and a
month later as an anonymised police.uk ASB row. Counting each would inflate the
picture partners see. ``link_events`` pairs events that are close enough in space
and time under a set of rules, stores the pairs in ``staging.event_links`` (with the
rule, distance and time apart, so an analyst can inspect every link), and groups
linked events into incidents in ``staging.event_groups``: each group is represented
by its earliest control-room incident where it has one.

The default rules (``DEFAULT_RULES``) are deliberately tight; a force can pass its
own. police.uk rows carry only a month and a snapped map point, so they link on the
same month within a distance, one-to-one (mutual nearest), and never stand for a group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import duckdb
import pandas as pd

from endurance import freshness
from endurance._errors import ArgumentError
from endurance.forces import ForceProfile
from endurance.geography.attribution import force_areas_box
from endurance.geography.official import loaded_forces
from endurance.warehouse import sql_text, transaction

#: Categories counted as incidents (ASB context rows only merge into them).
COUNTED = ("off_road_bike", "community_intelligence")
#: Which source stands for a group, best first.
SOURCE_RANK = {"incident_log": 0, "intelligence": 1, "policeuk": 2}


@dataclass(frozen=True)
class LinkRule:
    """Two events are the same incident when they meet every condition of one rule."""

    name: str
    source_a: str
    categories_a: tuple[str, ...]
    source_b: str
    categories_b: tuple[str, ...]
    distance_m: float
    hours: float | None  # None: the same calendar month (police.uk precision)
    one_to_one: bool = False  # keep only mutual nearest pairs

    def __post_init__(self) -> None:
        if self.distance_m <= 0 or (self.hours is not None and self.hours <= 0):
            raise ValueError(f"rule {self.name!r}: distance and hours must be positive")


DEFAULT_RULES = (
    LinkRule(
        "repeat_call",
        "incident_log",
        ("off_road_bike",),
        "incident_log",
        ("off_road_bike",),
        distance_m=150,
        hours=0.5,
    ),
    LinkRule(
        "call_and_report",
        "incident_log",
        ("off_road_bike",),
        "intelligence",
        ("community_intelligence",),
        distance_m=250,
        hours=3,
    ),
    LinkRule(
        "call_and_policeuk_asb",
        "incident_log",
        ("off_road_bike",),
        "policeuk",
        ("asb_context",),
        distance_m=300,
        hours=None,
        one_to_one=True,
    ),
)


@dataclass(frozen=True)
class LinkSummary:
    """How many pairs each rule found, and how many incidents the counted events make."""

    links_by_rule: dict[str, int]
    counted_events: int
    linked_incidents: int


def _groups(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Union-find over the links; each group is named by its best representative."""
    members = con.execute(
        "SELECT event_id, source, occurred_at FROM staging.events"
        " WHERE list_contains(?, category) OR event_id IN"
        " (SELECT event_a FROM staging.event_links UNION SELECT event_b FROM staging.event_links)",
        [list(COUNTED)],
    ).fetchall()
    parent = {event_id: event_id for event_id, _, _ in members}

    def find(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in con.execute("SELECT event_a, event_b FROM staging.event_links").fetchall():
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    rank = {
        event_id: (SOURCE_RANK.get(source, 9), str(occurred_at or ""), event_id)
        for event_id, source, occurred_at in members
    }
    best: dict[str, str] = {}
    for event_id in parent:
        root = find(event_id)
        if root not in best or rank[event_id] < rank[best[root]]:
            best[root] = event_id
    return [(event_id, best[find(event_id)]) for event_id in parent]


def link_events(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: tuple[LinkRule, ...] = DEFAULT_RULES,
    forces: Sequence[ForceProfile] | None = None,
    margin_m: float = 5000.0,
    run_id: str | None = None,
) -> LinkSummary:
    """Rebuild ``staging.event_links`` and ``staging.event_groups`` from the staged events.

    Events within ``margin_m`` of the force areas of ``forces`` (default: the forces whose
    wards are loaded) are linked, whichever force reported them: one bike seen on both
    sides of the Cleveland and Durham boundary within minutes is one incident. ``run_id``
    names the run doing it in the record of what the links were built from.
    """
    minx, miny, maxx, maxy = force_areas_box(con, loaded_forces(con) if forces is None else forces, margin_m)
    envelope = {"minx": minx, "maxx": maxx, "miny": miny, "maxy": maxy}
    inputs = freshness.current(con)
    with transaction(con):
        con.execute("DELETE FROM staging.event_links")
        for rule in rules:
            params = {k: v for k, v in asdict(rule).items() if k not in ("name", "distance_m")}
            params.update(
                rule=rule.name,
                distance=rule.distance_m,
                categories_a=list(rule.categories_a),
                categories_b=list(rule.categories_b),
                **envelope,
            )
            con.execute(sql_text("staging/event_links.sql"), params)
        groups = _groups(con)
        con.execute("DELETE FROM staging.event_groups")
        if groups:
            frame = pd.DataFrame(groups, columns=["event_id", "group_id"])
            con.register("group_frame", frame)
            con.execute("INSERT INTO staging.event_groups SELECT * FROM group_frame")
            con.unregister("group_frame")
        freshness.record(con, "links", inputs, run_id=run_id)
    by_rule = dict(con.execute("SELECT rule, count(*) FROM staging.event_links GROUP BY 1").fetchall())
    counted = con.execute(
        "SELECT count(*), count(DISTINCT g.group_id) FROM staging.event_groups AS g"
        " JOIN staging.events AS e USING (event_id) WHERE list_contains(?, e.category)",
        [list(COUNTED)],
    ).fetchone()
    assert counted is not None
    return LinkSummary({r.name: int(by_rule.get(r.name, 0)) for r in rules}, int(counted[0]), int(counted[1]))


def links_by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return how many links each rule made."""
    rows = con.execute("SELECT rule, count(*) FROM staging.event_links GROUP BY 1 ORDER BY 1").fetchall()
    return dict(rows)


def recent_links(
    con: duckdb.DuckDBPyConnection, *, rule: str | None = None, limit: int = 20
) -> list[tuple[str, str, str, float, float | None]]:
    """Return links as ``(rule, event_a, event_b, distance_m, hours_apart)``, of one rule or all."""
    if limit < 1:
        raise ArgumentError(f"--limit must be a number of links, 1 or more; got {limit}")
    names = sorted({r.name for r in DEFAULT_RULES} | set(links_by_rule(con)))
    if rule is not None and rule not in names:
        raise ArgumentError(f"--rule must be one of {', '.join(names)}; got {rule!r}")
    return con.execute(
        "SELECT rule, event_a, event_b, distance_m, hours_apart FROM staging.event_links"
        " WHERE ? IS NULL OR rule = ? ORDER BY rule, event_a, event_b LIMIT ?",
        [rule, rule, limit],
    ).fetchall()
