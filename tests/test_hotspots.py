"""The hotspot analysis marts on the real warehouse: a hand-built case, the table contract, the flow."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from endurance import analysis, hotspots, linking, marts, warehouse
from endurance.geography import attribution
from endurance.periods import Period
from tests._staging import incident, report, stage_rows

PERIOD = Period("2025-04", "2025-09")
#: Incidents per month at the cluster in the period: a steady rise.
RISING = [1, 2, 3, 4, 5, 6]

#: The contract the maps and briefings read: (column, DuckDB type) in order; more may follow.
CONTRACT = {
    "density_grid": [
        ("analysis_area", "VARCHAR"),
        ("period", "VARCHAR"), ("origin_x", "DOUBLE"), ("origin_y", "DOUBLE"), ("cell_m", "DOUBLE"),
        ("nx", "INTEGER"), ("ny", "INTEGER"), ("method", "VARCHAR"), ("method_family", "VARCHAR"),
        ("method_params", "VARCHAR"), ("method_label", "VARCHAR"), ("bandwidth_m", "DOUBLE"),
        ("forecast_month", "DATE"), ("coverage", "DOUBLE"), ("threshold_km2", "DOUBLE"),
        ("max_km2", "DOUBLE"), ("incidents", "INTEGER"), ("history_incidents", "INTEGER"),
        ("history_from", "DATE"), ("study_cells", "INTEGER"), ("vintage", "VARCHAR"),
        ("hotspot_cells", "INTEGER"), ("selection_window", "INTEGER"), ("backtest_from", "DATE"),
        ("backtest_to", "DATE"), ("backtest_months", "INTEGER"), ("nested_pai", "DOUBLE"),
        ("nested_hit_rate", "DOUBLE"), ("naive_pai", "DOUBLE"), ("naive_hit_rate", "DOUBLE"),
        ("method_pai", "DOUBLE"),
    ],
    "density_cells": [
        ("analysis_area", "VARCHAR"),
        ("period", "VARCHAR"), ("col", "INTEGER"), ("row", "INTEGER"), ("x", "DOUBLE"), ("y", "DOUBLE"),
        ("lon", "DOUBLE"), ("lat", "DOUBLE"), ("density_km2", "DOUBLE"), ("incidents", "INTEGER"),
        ("hotspot", "BOOLEAN"), ("gi_z", "DOUBLE"), ("gi_p", "DOUBLE"), ("gi_class", "VARCHAR"),
    ],
    "hotspot_areas": [
        ("analysis_area", "VARCHAR"),
        ("period", "VARCHAR"), ("area_id", "INTEGER"), ("name", "VARCHAR"), ("named_after", "VARCHAR"),
        ("ward_names", "VARCHAR"), ("lad_codes", "VARCHAR"), ("geom_4326", "GEOMETRY"),
        ("area_km2", "DOUBLE"), ("incidents", "INTEGER"), ("previous", "INTEGER"),
        ("last_year", "INTEGER"), ("change_previous", "DOUBLE"), ("p_previous", "DOUBLE"),
        ("change_last_year", "DOUBLE"), ("p_last_year", "DOUBLE"), ("trend", "VARCHAR"),
        ("mk_tau", "DOUBLE"), ("mk_p", "DOUBLE"), ("peak_days", "VARCHAR"), ("peak_hours", "VARCHAR"),
        ("monthly", "VARCHAR"),
    ],
    "ward_analysis": [
        ("analysis_area", "VARCHAR"),
        ("period", "VARCHAR"), ("vintage", "VARCHAR"), ("ward_code", "VARCHAR"), ("ward_name", "VARCHAR"),
        ("lad_code", "VARCHAR"), ("lad_name", "VARCHAR"), ("incidents", "INTEGER"),
        ("previous", "INTEGER"), ("last_year", "INTEGER"), ("change_previous", "DOUBLE"),
        ("p_previous", "DOUBLE"), ("change_last_year", "DOUBLE"), ("p_last_year", "DOUBLE"),
        ("gi_z", "DOUBLE"), ("gi_p", "DOUBLE"), ("gi_class", "VARCHAR"), ("trend", "VARCHAR"),
    ],
    "temporal_profile": [
        ("analysis_area", "VARCHAR"),
        ("period", "VARCHAR"), ("scope", "VARCHAR"), ("day_of_week", "INTEGER"), ("hour", "INTEGER"),
        ("incidents", "INTEGER"),
    ],
    "method_backtest": [
        ("analysis_area", "VARCHAR"),
        ("stream", "VARCHAR"), ("period", "VARCHAR"), ("coverage", "DOUBLE"), ("cell_m", "DOUBLE"),
        ("selection_window", "INTEGER"), ("method", "VARCHAR"), ("family", "VARCHAR"),
        ("params", "VARCHAR"), ("scored_month", "DATE"), ("selected_method", "VARCHAR"),
        ("hits", "INTEGER"), ("incidents", "INTEGER"), ("best_hits", "INTEGER"),
        ("flagged_cells", "INTEGER"), ("study_cells", "INTEGER"), ("hit_rate", "DOUBLE"),
        ("pai", "DOUBLE"), ("pei_star", "DOUBLE"), ("stability", "DOUBLE"), ("in_summary", "BOOLEAN"),
    ],
}  # fmt: skip
GI_CLASSES = {"hot_99", "hot_95", "hot_90", "cold_99", "cold_95", "cold_90", "not_significant"}


def _geometry(con: duckdb.DuckDBPyConnection, query: str, params: list) -> shapely.Geometry:
    row = con.execute(query, params).fetchone()
    assert row is not None
    return shapely.from_wkb(bytes(row[0]))


def _saturday_evenings(month: str, n: int) -> list[pd.Timestamp]:
    """``n`` Saturday-evening times in a month, 45 minutes apart at most twice a day (never linked)."""
    days = pd.date_range(f"{month}-01", periods=31, freq="D")
    saturdays = [d for d in days if d.strftime("%Y-%m") == month and d.day_of_week == 5]
    slots = [s + pd.Timedelta(hours=19) for s in saturdays] + [
        s + pd.Timedelta(hours=19, minutes=45) for s in saturdays
    ]
    return slots[:n]


def _wednesday_morning(month: str) -> pd.Timestamp:
    days = pd.date_range(f"{month}-01", periods=7, freq="D")
    return next(d for d in days if d.day_of_week == 2) + pd.Timedelta(hours=10)


class Case:
    """The hand-built case: where its two places are, and what was planted."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.eston = _geometry(
            con, "SELECT ST_AsWKB(geom_27700) FROM geo.hotspots WHERE name = ?", ["Eston Hills"]
        )
        # The cluster: well inside the Eston Hills, so its whole hotspot lies in the place.
        self.cluster = self.eston.buffer(-500).representative_point()
        # The background: deep inside the largest 2024 ward, far from every gazetteer place.
        self.quiet_ward = "Northern Parishes"
        ward = _geometry(
            con, "SELECT ST_AsWKB(geom_27700) FROM geo.wards WHERE vintage = '2024' AND ward_name = ?",
            [self.quiet_ward],
        )  # fmt: skip
        self.background = ward.buffer(-600).representative_point()
        self.summary: dict = {}  # what analyse_period returned


@pytest.fixture(scope="module")
def case_db(geo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Case]]:
    """Yield a warehouse holding the hand-built case, attributed, linked, with marts built and analysed.

    - The cluster, inside the Eston Hills: 1, 2, ... 6 incidents in April ... September 2025
      (21), all on Saturday evenings at 19:00 or 19:45; 7 in the previous six months; none a
      year before. One of June's incidents was also phoned in 10 minutes later from 20 m away,
      and reported by a councillor an hour later: three events, one incident.
    - The background, in a quiet rural ward: one incident a month from April 2024 to
      September 2025 on Wednesday mornings, so every month of the comparisons holds data.
    """
    path = tmp_path_factory.mktemp("analysis") / "case.duckdb"
    path.write_bytes(geo_db.read_bytes())
    with warehouse.connect(path) as con:
        case = Case(con)
        cx, cy = case.cluster.x, case.cluster.y
        rows = []
        for month, n in zip(PERIOD.months, RISING, strict=True):
            rows += [
                incident(f"C{month}-{k}", cx, cy, at) for k, at in enumerate(_saturday_evenings(month, n))
            ]
        previous = {"2024-10": 1, "2024-11": 1, "2024-12": 1, "2025-01": 2, "2025-02": 1, "2025-03": 1}
        for month, n in previous.items():
            rows += [
                incident(f"P{month}-{k}", cx, cy, at) for k, at in enumerate(_saturday_evenings(month, n))
            ]
        first_june = _saturday_evenings("2025-06", 1)[0]
        rows.append(incident("REPEAT", cx + 20, cy, first_june + pd.Timedelta(minutes=10)))
        for month in Period("2024-04", "2025-09").months:
            rows.append(
                incident(f"B{month}", case.background.x, case.background.y, _wednesday_morning(month))
            )
        stage_rows(con, "staging.stg_incident_log_incidents", rows)
        stage_rows(
            con,
            "staging.stg_intelligence_reports",
            [
                report("ECHO", cx + 100, cy, first_june + pd.Timedelta(hours=1)),  # linked to the call
                report("HELD", cx, cy + 50, "2025-07-02 12:00", handling="C"),  # not shareable: not counted
            ],
        )
        attribution.attribute_events(con)
        linking.link_events(con)
        marts.build_marts(con)
        case.summary = hotspots.analyse_period(con, PERIOD, vintage="2024")
    yield path, case


@pytest.fixture
def case_con(case_db: tuple[Path, Case]) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse.connect(case_db[0], read_only=True) as con:
        yield con


def _table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Return a mart's rows for reading in a test (hotspot polygons left out)."""
    columns = "* EXCLUDE (geom_4326)" if name == "hotspot_areas" else "*"
    return con.execute(f"SELECT {columns} FROM marts.{name}").df()


def _two_sided_binomial(k: int, n: int) -> float:
    """Exact two-sided p of k of n under Binomial(n, 1/2), by counting, for k >= n / 2."""
    return min(1.0, 2 * sum(math.comb(n, j) for j in range(k, n + 1)) / 2**n)


def test_the_cluster_is_the_top_hotspot_named_after_its_gazetteer_place(case_con, case_db) -> None:
    areas = _table(case_con, "hotspot_areas").set_index("area_id")
    assert list(areas.index) == [1, 2]
    top, quiet = areas.loc[1], areas.loc[2]
    assert (top["name"], top["named_after"]) == ("Eston Hills", "gazetteer")
    assert top["ward_names"].split(", ")[0] == "Guisborough" and top["lad_codes"] == "E06000003"
    assert (quiet["name"], quiet["named_after"], quiet["ward_names"]) == (
        case_db[1].quiet_ward,
        "ward",
        case_db[1].quiet_ward,
    )
    # 21 incidents: the repeat call and the councillor's report are the same incident.
    assert (top["incidents"], top["previous"], top["last_year"]) == (21, 7, 0)
    assert json.loads(top["monthly"]) == RISING
    assert top["change_previous"] == pytest.approx(21 / 7 - 1)
    assert top["p_previous"] == pytest.approx(_two_sided_binomial(21, 28))  # 0.0125
    assert pd.isna(top["change_last_year"])  # none a year before: no ratio
    assert top["p_last_year"] == pytest.approx(2 * 0.5**21)
    # Mann-Kendall on 1..6: S = 15, var = 6 x 5 x 17 / 18, z = 14 / sqrt(var): p = 0.0085.
    assert top["trend"] == "emerging" and top["mk_tau"] == pytest.approx(1.0)
    assert top["mk_p"] == pytest.approx(2 * stats.norm.sf(14 / math.sqrt(6 * 5 * 17 / 18)))
    assert (top["peak_days"], top["peak_hours"]) == ("Sat", "16:00-20:00")
    # The background: 6 against 6 and 6, steady.
    assert (quiet["incidents"], quiet["previous"], quiet["last_year"]) == (6, 6, 6)
    assert quiet["change_previous"] == 0.0 and quiet["p_previous"] == pytest.approx(1.0)
    assert (quiet["trend"], quiet["mk_tau"]) == ("persistent", 0.0)
    assert (quiet["peak_days"], quiet["peak_hours"]) == ("Wed", "07:00-11:00")


def test_hotspot_polygons_hold_their_incidents_and_lie_where_they_should(case_con, case_db) -> None:
    case = case_db[1]
    rows = case_con.execute(
        "SELECT area_id, ST_AsWKB(geom_4326), area_km2, n_cells FROM marts.hotspot_areas ORDER BY 1"
    ).fetchall()
    for area_id, wkb, area_km2, n_cells in rows:
        polygon = gpd.GeoSeries([shapely.from_wkb(bytes(wkb))], crs=4326).to_crs(27700).iloc[0]
        point = case.cluster if area_id == 1 else case.background
        assert polygon.geom_type == "Polygon" and polygon.contains(point)
        assert area_km2 == pytest.approx(n_cells * 0.01)
        assert polygon.area / 1e6 == pytest.approx(area_km2, rel=0.01)
        # Every method flags these two places in every month, so all tie and the simplest,
        # the naive counts, draws the map: each area is the one cell its incidents fell in.
        assert n_cells == 1


def test_density_grid_and_cells_hold_the_selected_method_s_forecast(case_con, case_db) -> None:
    case = case_db[1]
    grid = _table(case_con, "density_grid").iloc[0]
    force = _geometry(
        case_con, "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = 'E23000013'", []
    )
    xmin, ymin, xmax, ymax = force.bounds
    assert (grid["origin_x"], grid["origin_y"]) == (
        math.floor(xmin / 100) * 100,
        math.floor(ymin / 100) * 100,
    )
    assert (grid["nx"], grid["ny"]) == (
        math.ceil((xmax - grid["origin_x"]) / 100),
        math.ceil((ymax - grid["origin_y"]) / 100),
    )
    assert (grid["cell_m"], grid["coverage"], grid["incidents"]) == (100.0, 0.05, 27)
    # All methods catch every incident every month: a tie, which goes to the naive baseline.
    assert (grid["method"], grid["method_family"], json.loads(grid["method_params"])) == (
        "naive(3mo)",
        "naive",
        {"months": 3},
    )
    assert grid["method_label"] == "counts of the last 3 months (the naive baseline)"
    assert pd.isna(grid["bandwidth_m"]) and str(grid["forecast_month"])[:7] == "2025-10"
    # History: the background from April 2024, 7 + 27 + 12 = 46 incidents in all.
    assert grid["history_incidents"] == 46 and str(grid["history_from"])[:7] == "2024-04"
    cells = _table(case_con, "density_cells")
    col = int((case.cluster.x - grid["origin_x"]) // 100)
    row = int((case.cluster.y - grid["origin_y"]) // 100)
    mine = cells[(cells["col"] == col) & (cells["row"] == row)].iloc[0]
    assert (mine["x"], mine["y"]) == (
        grid["origin_x"] + (col + 0.5) * 100,
        grid["origin_y"] + (row + 0.5) * 100,
    )
    # The cluster's cell: (4 + 5 + 6) / 3 incidents a month expected, in a 0.01 km² cell.
    assert mine["incidents"] == 21 and mine["hotspot"]
    assert mine["density_km2"] == pytest.approx(5 / 0.01)
    quiet = cells[cells["density_km2"] < mine["density_km2"]]
    assert quiet["density_km2"].tolist() == [pytest.approx(1 / 0.01)]  # one a month, the background
    assert grid["max_km2"] == pytest.approx(cells["density_km2"].max())
    # Only cells with some risk are hotspot cells on the map: both, far fewer than 5 %.
    assert cells["hotspot"].sum() == grid["hotspot_cells"] == 2
    assert grid["threshold_km2"] == pytest.approx(100.0)
    assert cells["incidents"].sum() == 27
    # Gi* looks for clusters: one busy cell among empty ones is none. Dealt out at random,
    # the 21 land in some neighbourhood of nine cells; with 60,000 tested, that is no surprise.
    assert mine["gi_class"] == "not_significant" and mine["gi_z"] > 10
    assert set(cells["gi_class"]) <= GI_CLASSES
    lon, lat = mine["lon"], mine["lat"]
    assert -1.2 < lon < -1.0 and 54.5 < lat < 54.6  # the Eston Hills, near Middlesbrough


def test_temporal_profiles_add_up_to_the_incidents(case_con) -> None:
    profile = _table(case_con, "temporal_profile")
    totals = profile.groupby("scope")["incidents"].sum().to_dict()
    assert totals == {"all": 27, "1": 21, "2": 6}
    assert len(profile) == 3 * 7 * 24
    top = profile[(profile["scope"] == "1") & (profile["incidents"] > 0)]
    assert top[["day_of_week", "hour", "incidents"]].to_numpy().tolist() == [[5, 19, 21]]  # Saturday 19:xx
    quiet = profile[(profile["scope"] == "2") & (profile["incidents"] > 0)]
    assert quiet[["day_of_week", "hour", "incidents"]].to_numpy().tolist() == [[2, 10, 6]]


def test_ward_analysis_covers_every_ward_with_the_council_counts(case_con) -> None:
    wards = _table(case_con, "ward_analysis").set_index("ward_name")
    assert len(wards) == 83 and set(wards["vintage"]) == {"2024"}
    assert wards["incidents"].sum() == 27
    home = wards.loc["Guisborough"]
    assert (home["incidents"], home["previous"], home["last_year"]) == (21, 7, 0)
    assert home["p_previous"] == pytest.approx(_two_sided_binomial(21, 28))
    assert home["trend"] == "emerging"
    assert wards.loc["Northern Parishes", "incidents"] == 6
    empty = wards[wards["incidents"] == 0]
    assert (empty["trend"] == "none").all() and empty["change_previous"].isna().all()
    assert set(wards["gi_class"]) <= GI_CLASSES
    linked = case_con.execute(
        "SELECT sum(linked_incidents) FROM marts.ward_month_counts"
        " WHERE vintage = '2024' AND month BETWEEN '2025-04-01' AND '2025-09-01'"
    ).fetchone()
    assert linked == (27,)


def test_backtest_rows_score_every_method_month_by_month(case_con, case_db) -> None:
    case = case_db[1]
    table = _table(case_con, "method_backtest")
    table["scored_month"] = table["scored_month"].astype(str).str[:7]
    assert set(table["stream"]) == {"incidents"} and set(table["period"]) == {"2025-04_to_2025-09"}
    reported = table[table["in_summary"]]
    months = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"]
    assert sorted(reported["scored_month"].unique()) == months
    assert set(reported["method"]) == {m.name for m in analysis.DEFAULT_CANDIDATES} | {analysis.NESTED}
    # Every month both places are flagged by every method, so every incident is a hit.
    study_cells = int(_table(case_con, "density_grid").iloc[0]["study_cells"])
    flagged = math.ceil(0.05 * study_cells)
    september = reported[reported["scored_month"] == "2025-09"]
    assert (september["hits"] == 7).all() and (september["incidents"] == 7).all()
    assert (september["flagged_cells"] == flagged).all()
    assert september["pai"].to_numpy() == pytest.approx(np.full(len(september), study_cells / flagged))
    assert (reported["pei_star"] == 1.0).all()
    naive = reported[reported["method"] == "naive(3mo)"]
    assert (naive["stability"] == 1.0).all()  # the same two places, the same spare cells
    nested = reported[reported["method"] == analysis.NESTED]
    assert set(nested["selected_method"]) == {"naive(3mo)"}
    # Months before the reported ones are scored too: the selections of April (and of March,
    # for April's stability) look back at the six months before each.
    assert sorted(table.loc[~table["in_summary"], "scored_month"].unique()) == [
        "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03",
    ]  # fmt: skip
    accuracy = hotspots.map_accuracy(case_con, PERIOD)
    assert accuracy is not None
    assert {
        k: accuracy[k] for k in ("method", "forecast_month", "backtest_from", "backtest_to", "months")
    } == {
        "method": "naive(3mo)",
        "forecast_month": "2025-10",
        "backtest_from": "2025-04",
        "backtest_to": "2025-09",
        "months": 6,
    }
    for key in ("nested_pai", "naive_pai", "method_pai"):
        assert accuracy[key] == pytest.approx(study_cells / flagged)
    assert accuracy["nested_hit_rate"] == accuracy["naive_hit_rate"] == 1.0
    assert [m["month"] for m in accuracy["by_month"]] == months
    assert accuracy["by_month"][-1]["incidents"] == 7
    assert hotspots.map_accuracy(case_con, Period("2025-01", "2025-03")) is None
    summary = case.summary
    assert summary["hotspots"] == 2 and summary["top"] == ["Eston Hills", case.quiet_ward]
    assert summary["method"] == "naive(3mo)" and summary["accuracy"] == accuracy


def test_every_mart_keeps_the_contract(case_con) -> None:
    for table, columns in CONTRACT.items():
        described = case_con.execute(f"DESCRIBE marts.{table}").fetchall()
        found = [(name, kind) for name, kind, *_ in described]
        assert found[: len(columns)] == columns, table


def test_analysing_again_replaces_only_that_period(case_db) -> None:
    path, _ = case_db
    copy = path.with_name("again.duckdb")
    copy.write_bytes(path.read_bytes())
    with warehouse.connect(copy) as con:
        analysed = [t for t in CONTRACT if t != "method_backtest"]  # keyed by the months it reports

        def counts() -> dict[str, dict[str, int]]:
            return {
                t: dict(con.execute(f"SELECT period, count(*) FROM marts.{t} GROUP BY 1").fetchall())
                for t in analysed
            }

        before = counts()
        hotspots.analyse_period(con, PERIOD, vintage="2024")
        assert counts() == before
        other = Period("2025-07", "2025-09")
        hotspots.analyse_period(con, other, vintage="2024")
        after = counts()
        assert all(after[t][PERIOD.label] == before[t][PERIOD.label] for t in analysed)
        assert after["density_grid"][other.label] == 1
        # Both end in September: their backtests report on the same six months, one set of rows.
        labels = con.execute("SELECT DISTINCT period FROM marts.method_backtest").fetchall()
        assert labels == [("2025-04_to_2025-09",)]
        with pytest.raises(LookupError, match="vintage '1999' is not loaded"):
            hotspots.analyse_period(con, PERIOD, vintage="1999")
        stage_rows(
            con,
            "staging.stg_incident_log_incidents",
            [incident("LATE", 455_000, 518_000, "2025-09-30 20:00")],
        )
        with pytest.raises(LookupError, match="1 incident\\(s\\) are not linked yet"):
            hotspots.analyse_period(con, PERIOD, vintage="2024")


@pytest.mark.slow
def test_the_flow_analyses_the_demo_year(demo_run) -> None:
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        record = json.loads(
            con.execute(
                "SELECT counts FROM ops.runs WHERE flow = 'endurance-nightly'"
                " ORDER BY started_at DESC LIMIT 1"
            ).fetchone()[0]
        )
        summary = record["hotspots"]["cleveland"]
        period = Period("2025-01", "2025-12")
        assert summary["period"] == period.label and summary["hotspots"] > 0
        accuracy = hotspots.map_accuracy(con, period)
        assert summary["accuracy"] == accuracy and summary["method"] == accuracy["method"]
        grid = con.execute(
            "SELECT incidents, study_cells FROM marts.density_grid WHERE period = ?", [period.label]
        ).fetchone()
        assert grid is not None and grid[0] == summary["incidents"] > 3_000
        top = con.execute(
            "SELECT name FROM marts.hotspot_areas WHERE period = ? ORDER BY area_id LIMIT 3", [period.label]
        ).fetchall()
        assert [r[0] for r in top] == summary["top"]
        # On clustered incidents a smoothed surface beats "where it happened last time" at equal
        # area, and the selection, tested without peeking, beats the naive baseline too.
        assert accuracy["months"] == 6 and accuracy["backtest_to"] == "2025-12"
        assert accuracy["nested_pai"] > 1.5 * accuracy["naive_pai"]
        family = con.execute(
            "SELECT method_family FROM marts.density_grid WHERE period = ?", [period.label]
        ).fetchone()
        assert family is not None and family[0] in ("kde", "prospective", "blend")
        scores = con.execute(
            "SELECT method, count(*) FROM marts.method_backtest WHERE stream = 'incidents'"
            " AND period = '2025-07_to_2025-12' AND in_summary GROUP BY 1"
        ).fetchall()
        assert len(scores) == len(analysis.DEFAULT_CANDIDATES) + 1 and {n for _, n in scores} == {6}
        # Real clusters are found by Gi*, and the busiest hotspot's densest cell is among them.
        assert summary["hot_cells"] > 0
        densest = con.execute(
            "SELECT gi_class FROM marts.density_cells WHERE period = ? ORDER BY density_km2 DESC LIMIT 1",
            [period.label],
        ).fetchone()
        assert densest is not None and densest[0].startswith("hot_")
