"""Benchmark: how well the project's hotspots predict, against a naive baseline (``make bench``).

For every month scored, hotspots are drawn from the three months before it and scored on
that month's incidents at 5 % area coverage (``endurance.analysis.rolling_evaluation``,
the method behind ``marts.hotspot_evaluation``): the Predictive Accuracy Index and hit
rate of the kernel density hotspots, and of the naive baseline ("patrol the cells where
it happened last time", topped up at random to the same area), month by month and
averaged, with the ratio KDE / naive.

1. The demo year: synthetic inputs from ``endurance.demo`` loaded into a temporary
   warehouse, attributed, linked and analysed with ``analyse_period`` (also timed,
   against a bare kernel density of the same incidents measured in the same run).
2. Real data: the data.police.uk street-level files for Cleveland in
   ``../shared/policeuk/cleveland`` (or ``--policeuk DIR``), loaded with the police.uk
   source; antisocial behaviour rows (``asb_context``) are the incidents. Only months
   whose three months before are all present are scored, so the archive's gaps are never
   bridged.

Two more comparisons are printed for transparency: both methods on the naive baseline's
own area (the cells holding any incident in the three months), where PAI is higher for
both because the area is smaller; and, for police.uk, narrower kernel bandwidths, since
police.uk snaps every report to one of a few thousand anonymous map points.

Run with ENDURANCE_GEODATA pointing at the official boundaries (the Makefile does).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from endurance import analysis, attribution, geography, linking, marts, sources, warehouse
from endurance.demo import generate_demo_inputs
from endurance.periods import Period, add_months

COVERAGE = 0.05
DEMO_PERIOD = Period("2025-01", "2025-12")
#: Narrower kernels tried on the police.uk data, whose points are snapped to map points.
SENSITIVITY_BANDWIDTHS = (200.0, 100.0)
POLICEUK = Path(__file__).resolve().parents[1].parent / "shared" / "policeuk" / "cleveland"


def _force_area(con: duckdb.DuckDBPyConnection) -> BaseGeometry:
    row = con.execute(
        "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = ? ORDER BY vintage DESC LIMIT 1",
        [geography.FORCE_CODE],
    ).fetchone()
    assert row is not None, "the force area is not loaded"
    return shapely.from_wkb(bytes(row[0]))


def _report(title: str, table: pd.DataFrame) -> None:
    """Print per-month figures, their averages over the months, and the ratio KDE / naive."""
    wide = table.pivot(index="scored_month", columns="method", values=["pai", "hit_rate"])
    scored = table.groupby("scored_month")["incidents_scored"].first()
    print(f"{title}: {len(wide)} months scored at {COVERAGE:.0%} coverage")
    print("  month     incidents   KDE hit rate   PAI    naive hit rate   PAI    PAI ratio KDE/naive")
    for month, row in wide.iterrows():
        ratio = row[("pai", "kde")] / row[("pai", "naive")]
        kde = f"{row[('hit_rate', 'kde')]:>11.1%}  {row[('pai', 'kde')]:>6.2f}"
        naive = f"{row[('hit_rate', 'naive')]:>13.1%}  {row[('pai', 'naive')]:>6.2f}"
        print(f"  {str(month)[:7]}  {scored[month]:>9,}   {kde}   {naive}   {ratio:>6.2f}")
    mean = wide.mean()
    kde_pai, naive_pai = mean[("pai", "kde")], mean[("pai", "naive")]
    print(
        f"  average over months: KDE PAI {kde_pai:.2f}, hit rate {mean[('hit_rate', 'kde')]:.1%}; "
        f"naive PAI {naive_pai:.2f}, hit rate {mean[('hit_rate', 'naive')]:.1%}; "
        f"ratio KDE/naive {kde_pai / naive_pai:.2f}"
    )


def _on_naive_area(
    x: np.ndarray, y: np.ndarray, month: np.ndarray, scored_months: list[str], study_area: BaseGeometry
) -> None:
    """Average hit rates of both methods on the naive baseline's own area (cells with any incident)."""
    kde_hits, naive_hits, shares = [], [], []
    for scored in scored_months:
        train = (month >= add_months(scored, -analysis.TRAINING_MONTHS)) & (month <= add_months(scored, -1))
        test = month == scored
        grid = analysis.kernel_density(x[train], y[train], extent=study_area.bounds)
        study = grid.mask_within(study_area)
        counts = analysis.count_grid(x[train], y[train], grid)
        naive = analysis.hotspot_cells(counts, coverage=COVERAGE, study_mask=study)
        share = naive.sum() / study.sum()
        kde = analysis.hotspot_cells(grid, coverage=share, study_mask=study)
        kde_hits.append(analysis.score_hotspots(grid, kde, x[test], y[test], study_mask=study).hit_rate)
        naive_hits.append(analysis.score_hotspots(grid, naive, x[test], y[test], study_mask=study).hit_rate)
        shares.append(share)
    share = float(np.mean(shares))
    kde_rate, naive_rate = float(np.nanmean(kde_hits)), float(np.nanmean(naive_hits))
    print(
        f"  on the naive baseline's own area (cells with any incident, {share:.2%} of the study area "
        f"on average): hit rate KDE {kde_rate:.1%}, naive {naive_rate:.1%} "
        f"(ratio {kde_rate / naive_rate:.2f}; PAI {kde_rate / share:.1f} and {naive_rate / share:.1f})"
    )


def bench_demo(geodata: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="endurance-pai-") as tmp:
        inputs = generate_demo_inputs(Path(tmp) / "in", geodata)
        with warehouse.connect(Path(tmp) / "demo.duckdb") as con:
            geography.load_official_layers(con, geodata)
            geography.load_hotspots(con)
            sources.ingest_folder(con, inputs.folder)
            attribution.attribute_events(con)
            linking.link_events(con)
            marts.build_marts(con)
            started = time.perf_counter()
            summary = analysis.analyse_period(con, DEMO_PERIOD, vintage="2024")
            seconds = time.perf_counter() - started
            table = con.execute(
                "SELECT strftime(scored_month, '%Y-%m') AS scored_month, method, incidents_scored, pai,"
                " hit_rate FROM marts.hotspot_evaluation WHERE period = ? ORDER BY scored_month, method",
                [DEMO_PERIOD.label],
            ).df()
            points = con.execute(
                "SELECT x, y, strftime(month, '%Y-%m') AS month FROM staging.linked_incidents"
                " WHERE x IS NOT NULL"
            ).df()
            study_area = _force_area(con)
            in_period = points["month"].between(DEMO_PERIOD.start, DEMO_PERIOD.end).to_numpy()
            started = time.perf_counter()
            analysis.kernel_density(points["x"][in_period], points["y"][in_period], extent=study_area.bounds)
            bare = time.perf_counter() - started
    print(
        f"analyse_period, demo year ({summary['incidents']:,} located linked incidents, "
        f"{summary['hotspots']} hotspot areas): {seconds:.2f} s"
    )
    print(f"  baseline bare kernel density of the same incidents: {bare:.3f} s; ratio {seconds / bare:.0f}x")
    _report("PAI, demo year (synthetic off-road-bike incidents)", table)
    x, y, month = (points[c].to_numpy() for c in ("x", "y", "month"))
    _on_naive_area(
        x.astype(float),
        y.astype(float),
        month.astype(str),
        sorted(table["scored_month"].unique()),
        study_area,
    )


def bench_policeuk(geodata: Path, folder: Path) -> None:
    files = sorted(folder.rglob("*-street.csv"))
    if not files:
        print(f"PAI, police.uk ASB: no street-level files under {folder}; skipped")
        return
    with (
        tempfile.TemporaryDirectory(prefix="endurance-pai-") as tmp,
        warehouse.connect(Path(tmp) / "policeuk.duckdb") as con,
    ):
        geography.load_official_layers(con, geodata)
        sources.ingest_paths(con, files, source="policeuk_street")
        points = con.execute(
            "SELECT x, y, strftime(month, '%Y-%m') AS month FROM staging.events"
            " WHERE category = 'asb_context' AND x IS NOT NULL"
        ).df()
        study_area = _force_area(con)
    months = sorted(points["month"].unique())
    if len(months) < 2:
        print(f"PAI, police.uk ASB: {len(months)} month(s) under {folder}; at least two are needed; skipped")
        return
    present = set(months)
    window = analysis.TRAINING_MONTHS
    scored = [m for m in months if all(add_months(m, -k) in present for k in range(1, window + 1))]
    print(
        f"police.uk ASB for Cleveland: {len(files)} files, {len(points):,} located ASB rows in "
        f"{len(months)} months ({months[0]} to {months[-1]}, with gaps); "
        f"{len(scored)} months have their {window} months before"
    )
    if not scored:
        print("  no month can be scored; skipped")
        return
    x, y, month = (points[c].to_numpy() for c in ("x", "y", "month"))
    table = analysis.rolling_evaluation(
        x.astype(float), y.astype(float), month.astype(str), scored_months=scored, study_area=study_area,
        coverage=COVERAGE,
    )  # fmt: skip
    _report("PAI, police.uk ASB (real, Cleveland)", table)
    _on_naive_area(x.astype(float), y.astype(float), month.astype(str), scored, study_area)
    # police.uk snaps every report to one of a few thousand anonymous map points, which
    # favours "the same cells as last time"; narrower kernels show how much of the gap that is.
    for bandwidth in SENSITIVITY_BANDWIDTHS:
        narrow = analysis.rolling_evaluation(
            x.astype(float), y.astype(float), month.astype(str), scored_months=scored,
            study_area=study_area, coverage=COVERAGE, bandwidth_m=bandwidth,
        )  # fmt: skip
        mean = narrow.groupby("method")["pai"].mean()
        print(
            f"  bandwidth {bandwidth:.0f} m instead of {analysis.DEFAULT_BANDWIDTH_M:.0f} m: "
            f"KDE PAI {mean['kde']:.2f}, naive {mean['naive']:.2f}, ratio {mean['kde'] / mean['naive']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("demo", "policeuk"), help="run one part")
    parser.add_argument("--policeuk", type=Path, default=POLICEUK, help="folder of police.uk street files")
    args = parser.parse_args()
    geodata = geography.resolve_geodata_dir(
        env_dir=Path(os.environ["ENDURANCE_GEODATA"]) if os.environ.get("ENDURANCE_GEODATA") else None
    )
    if args.only in (None, "demo"):
        bench_demo(geodata)
    if args.only in (None, "policeuk"):
        bench_policeuk(geodata, args.policeuk)


if __name__ == "__main__":
    main()
