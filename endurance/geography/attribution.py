"""Attribute staged events to wards (every vintage), LSOAs, force areas and hotspots.

Each located event gets exactly one area per layer and vintage, by these rules:

- ``inside``: the point lies in exactly one area (interior or edge);
- ``boundary``: it touches or lies in more than one (a shared edge, or a sliver where
  two generalisations overlap): an area holding it in its interior wins, then the
  lowest GSS code, so the result never depends on row order;
- ``snapped``: it lies in no area but within ``tolerance_m`` of one (beaches and
  foreshore lie seaward of wards clipped to the coastline): the nearest area, with the
  distance recorded;
- ``outside``: farther than that from every area: no area, distance recorded.

A report with no point but a named ward gets that ward (``named``) when the name is
unique in the vintage; a report naming a gazetteer place counts in that hotspot. No
point is ever made up. Hotspots are many-to-many: an event counts in every hotspot it
lies in (or within the hotspot's own ``buffer_m``).

The joins run in ``endurance.geography._area_index``: a grid over each layer answers points deep
inside one area by lookup and tests only points in cells crossing a boundary exactly;
it reproduces the rules above exactly and is faster than both GeoPandas ``sjoin`` and
a plain DuckDB spatial join (``make bench``).

Attribution is incremental: only events not yet attributed in a layer and vintage are
processed, so a nightly run costs what arrived that night. When a boundary file
changes (a new sha256 in ``geo.layers``), that layer and vintage is redone. Events
farther than ``ENVELOPE_MARGIN_M`` beyond the force areas in use (a national police.uk
download) are left unattributed: they are outside every area loaded by definition.

With several forces in use (``ENDURANCE_FORCES``), their layers share the tables, so an
event lands in the force area, ward and LSOA where it happened, whichever force
reported it. A vintage may cover only some of them (Cleveland's 2013 and 2018 wards): a
point lying in the area of a force the vintage does not cover is then ``outside`` it,
never snapped across the force boundary to the nearest ward of another force.
``full=True`` rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely

from endurance import freshness
from endurance.forces import ForceProfile
from endurance.geography._area_index import AreaIndex
from endurance.geography.official import force_area, loaded_forces
from endurance.warehouse import quote_table, sql_text, transaction

#: Default distance (metres) within which a point outside every area is snapped to the
#: nearest one: wide enough for Cleveland's beaches at low tide, narrow enough to
#: refuse points out at sea or across the force boundary.
SNAP_TOLERANCE_M = 400.0
#: Events farther than this beyond the force area's bounding box are not attributed.
ENVELOPE_MARGIN_M = 5000.0


@dataclass(frozen=True)
class Layer:
    """One single-valued layer: where its polygons are and where its results go."""

    name: str  # ward | lsoa | force_area
    source_table: str  # geo.wards ...
    code_column: str
    target_table: str  # staging.event_wards ...
    kind: str  # the geo.layers kind, for change detection


LAYERS = (
    Layer("ward", "geo.wards", "ward_code", "staging.event_wards", "ward"),
    Layer("lsoa", "geo.lsoas", "lsoa_code", "staging.event_lsoas", "lsoa"),
    Layer("force_area", "geo.force_areas", "pfa_code", "staging.event_force_areas", "force_area"),
)


@dataclass(frozen=True)
class AttributionSummary:
    """How many events each rule placed, per layer and vintage, after the run."""

    by_layer: dict[str, int]
    hotspot_links: int

    def describe(self) -> dict[str, object]:
        """Return the counts as plain values for a run record, layers in name order."""
        return {"areas": dict(sorted(self.by_layer.items())), "event_hotspots": self.hotspot_links}


def _vintages(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    query = f"SELECT DISTINCT vintage FROM {quote_table(table)} ORDER BY 1"  # noqa: S608 (quoted)
    return [r[0] for r in con.execute(query).fetchall()]


def force_areas_box(
    con: duckdb.DuckDBPyConnection, forces: Sequence[ForceProfile], margin_m: float = ENVELOPE_MARGIN_M
) -> tuple[float, float, float, float]:
    """Return ``(minx, miny, maxx, maxy)`` in metres around the areas of ``forces``, grown by ``margin_m``.

    Raises
    ------
    LookupError
        When a force's area is not loaded.
    """
    boxes = [force_area(con, force.force_code).bounds for force in forces]
    return (
        min(b[0] for b in boxes) - margin_m,
        min(b[1] for b in boxes) - margin_m,
        max(b[2] for b in boxes) + margin_m,
        max(b[3] for b in boxes) + margin_m,
    )


def _polygons(
    con: duckdb.DuckDBPyConnection,
    table: str,
    code: str,
    vintage: str | None,
    buffer_column: str | None = None,
) -> tuple[list[str], np.ndarray]:
    where = "WHERE vintage = ?" if vintage is not None else ""
    extra = f", {buffer_column}" if buffer_column else ""
    rows = con.execute(
        f"SELECT {code}, ST_AsWKB(geom_27700){extra} FROM {quote_table(table)} {where} ORDER BY 1",  # noqa: S608
        [vintage] if vintage is not None else [],
    ).fetchall()
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    if buffer_column:
        buffers = np.array([r[2] or 0.0 for r in rows], dtype=float)
        geoms = np.where(buffers > 0, shapely.buffer(geoms, buffers), geoms)
    return [r[0] for r in rows], geoms


def _pending(
    con: duckdb.DuckDBPyConnection,
    target: str,
    vintage: str | None,
    envelope: tuple[float, float, float, float],
) -> pd.DataFrame:
    done = (
        f"SELECT event_id FROM {quote_table(target)}"  # noqa: S608 (quoted)
        + (" WHERE vintage = ?" if vintage is not None else "")
    )
    return con.execute(
        f"SELECT e.event_id, e.x, e.y FROM staging.events AS e ANTI JOIN ({done}) AS d USING (event_id)"  # noqa: S608
        " WHERE e.x IS NOT NULL AND e.x BETWEEN ? AND ? AND e.y BETWEEN ? AND ?",
        [*([vintage] if vintage is not None else []), envelope[0], envelope[2], envelope[1], envelope[3]],
    ).df()


def _refresh_changed(con: duckdb.DuckDBPyConnection) -> None:
    """Forget attributions made with a boundary file that has since been replaced."""
    stale = con.execute(
        "SELECT s.layer, s.vintage FROM staging.attribution_state AS s"
        " LEFT JOIN geo.layers AS g ON g.kind = s.layer AND g.vintage = s.vintage"
        " WHERE g.sha256 IS DISTINCT FROM s.sha256"
    ).fetchall()
    for layer_name, vintage in stale:
        layer = next(layer for layer in LAYERS if layer.name == layer_name)
        con.execute(f"DELETE FROM {quote_table(layer.target_table)} WHERE vintage = ?", [vintage])  # noqa: S608
        con.execute(
            "DELETE FROM staging.attribution_state WHERE layer = ? AND vintage = ?", [layer_name, vintage]
        )


def _uncovered_area(
    con: duckdb.DuckDBPyConnection, layer: Layer, vintage: str, forces: Sequence[ForceProfile]
) -> shapely.Geometry | None:
    """Return the area of the forces in use that this layer and vintage has no area of, if any."""
    if layer.name == "force_area":
        return None
    query = f"SELECT DISTINCT lad_code FROM {quote_table(layer.source_table)} WHERE vintage = ?"  # noqa: S608
    lads = {r[0] for r in con.execute(query, [vintage]).fetchall()}
    codes = [f.force_code for f in forces if not lads & set(f.lad_codes)]
    if not codes:
        return None
    rows = con.execute(
        "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE list_contains(?, pfa_code)", [codes]
    ).fetchall()
    return shapely.union_all(shapely.from_wkb([bytes(r[0]) for r in rows])) if rows else None


def _attribute_layer(
    con: duckdb.DuckDBPyConnection,
    layer: Layer,
    vintage: str,
    tolerance_m: float,
    envelope: tuple[float, float, float, float],
    forces: Sequence[ForceProfile],
) -> None:
    pending = _pending(con, layer.target_table, vintage, envelope)
    if not pending.empty:
        codes, geoms = _polygons(con, layer.source_table, layer.code_column, vintage)
        index = AreaIndex.build(codes, geoms, tolerance_m=tolerance_m)
        x, y = pending["x"].to_numpy(), pending["y"].to_numpy()
        result = index.assign(x, y)
        code, method = result.code.copy(), result.method.copy()
        uncovered = _uncovered_area(con, layer, vintage, forces)
        if uncovered is not None:
            # Snapping is for beaches, not for reaching across a force boundary.
            snapped = np.flatnonzero(method == "snapped")
            across = snapped[shapely.contains_xy(uncovered, x[snapped], y[snapped])]
            code[across], method[across] = None, "outside"
        frame = pd.DataFrame(
            {
                "event_id": pending["event_id"],
                "vintage": vintage,
                layer.code_column: code,
                "method": method,
                "distance_m": result.distance_m,
            }
        )
        if layer.name == "ward":
            lads = dict(
                con.execute(
                    "SELECT ward_code, lad_code FROM geo.wards WHERE vintage = ?", [vintage]
                ).fetchall()
            )
            frame["lad_code"] = frame["ward_code"].map(lads)
        con.register("attributed", frame)
        con.execute(f"INSERT INTO {quote_table(layer.target_table)} BY NAME SELECT * FROM attributed")  # noqa: S608
        con.unregister("attributed")
    sha = con.execute(
        "SELECT sha256 FROM geo.layers WHERE kind = ? AND vintage = ?", [layer.kind, vintage]
    ).fetchone()
    if sha is not None:
        con.execute(
            "INSERT OR REPLACE INTO staging.attribution_state VALUES (?, ?, ?, now()::TIMESTAMP)",
            [layer.name, vintage, sha[0]],
        )


def _attribute_hotspots(con: duckdb.DuckDBPyConnection, envelope: tuple[float, float, float, float]) -> None:
    pending = _pending(con, "staging.event_hotspots", None, envelope)
    if not pending.empty:
        codes, geoms = _polygons(con, "geo.hotspots", "hotspot_id", None, buffer_column="buffer_m")
        if codes:
            index = AreaIndex.build(codes, geoms)
            rows, hotspot = index.members(pending["x"].to_numpy(), pending["y"].to_numpy())
            frame = pd.DataFrame({"event_id": pending["event_id"].to_numpy()[rows], "hotspot_id": hotspot})
            con.register("attributed", frame)
            con.execute("INSERT OR IGNORE INTO staging.event_hotspots SELECT * FROM attributed")
            con.unregister("attributed")
    # Reports with no point that name a gazetteer place count in it.
    con.execute(
        "INSERT OR IGNORE INTO staging.event_hotspots SELECT event_id, hotspot_id"
        " FROM staging.stg_intelligence_reports WHERE x IS NULL AND hotspot_id IS NOT NULL"
    )


def reference_event_wards(
    con: duckdb.DuckDBPyConnection, vintage: str, *, tolerance_m: float = SNAP_TOLERANCE_M
) -> None:
    """Attribute pending events to wards of ``vintage`` with the plain SQL statement of the rules.

    Slower than ``attribute_events``; kept as the reference the engine is tested against.
    """
    con.execute(sql_text("attribution/event_wards.sql"), {"vintage": vintage, "tolerance": tolerance_m})


def attribute_events(
    con: duckdb.DuckDBPyConnection,
    *,
    full: bool = False,
    tolerance_m: float = SNAP_TOLERANCE_M,
    run_id: str | None = None,
    forces: Sequence[ForceProfile] | None = None,
) -> AttributionSummary:
    """Attribute every staged event not yet attributed to wards, LSOAs, force areas and hotspots.

    Parameters
    ----------
    con
        An open warehouse with geography and staging loaded.
    full
        Drop every existing attribution first and redo all of it.
    tolerance_m
        Snap distance for points outside every area (see ``SNAP_TOLERANCE_M``).
    run_id
        The run doing it, recorded with the watermark of what it attributed
        (``endurance.freshness``).
    forces
        The forces served; events beyond all of their areas are not attributed. By
        default the forces whose wards are loaded (``official.loaded_forces``).
    """
    vintages = {layer.name: _vintages(con, layer.source_table) for layer in LAYERS}
    if not vintages["ward"]:
        raise LookupError("no ward boundaries are loaded; load the geography first")
    served = loaded_forces(con) if forces is None else forces
    envelope = force_areas_box(con, served)
    inputs = freshness.current(con)
    with transaction(con):
        if full:
            for table in (
                "staging.event_hotspots",
                "staging.attribution_state",
                *(layer.target_table for layer in LAYERS),
            ):
                con.execute(f"DELETE FROM {quote_table(table)}")  # noqa: S608
        _refresh_changed(con)
        for layer in LAYERS:
            for vintage in vintages[layer.name]:
                _attribute_layer(con, layer, vintage, tolerance_m, envelope, served)
        for vintage in vintages["ward"]:
            con.execute(sql_text("attribution/named_wards.sql"), {"vintage": vintage})
        _attribute_hotspots(con, envelope)
        freshness.record(con, "attribution", inputs, run_id=run_id)
    counts = {}
    for layer in LAYERS:
        for vintage, method, n in con.execute(
            f"SELECT vintage, method, count(*) FROM {quote_table(layer.target_table)} GROUP BY ALL"  # noqa: S608
        ).fetchall():
            counts[f"{layer.name}:{vintage}:{method}"] = int(n)
    links = con.execute("SELECT count(*) FROM staging.event_hotspots").fetchone()
    return AttributionSummary(counts, int(links[0]) if links else 0)
