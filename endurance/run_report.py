"""What a run tells the people who look at it in Prefect: a summary, ward counts, the map.

Flow runs publish these as Prefect artifacts (``pipelines/artifacts.py``), and partners
who use the Prefect UI may see them, so they carry only what a partner output may carry:
file names, paths, sizes and checksums, row counts, reject reason codes (never a
rejected row or its message, which can quote a narrative or a registration), the
hotspot map's image (itself a partner output), and ward counts with small numbers
suppressed exactly as the council exports publish them: the cells are taken from the
force-wide ward summary (``endurance.exports.build_ward_summary``), so a reader who
holds both cannot difference two suppression patterns to recover a count.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from endurance import exports
from endurance.periods import Period
from endurance.warehouse import RunRecord

WARD_TABLE_COLUMNS = ("local_authority", "ward_code", "ward_name", "off_road_bike_incidents")


def ward_incident_table(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    vintage: str,
    threshold: int,
    *,
    share_handling_c: bool = False,
) -> list[dict[str, str]]:
    """Return off-road-bike incidents per ward with each authority's total, as the exports show them.

    Parameters
    ----------
    con
        A warehouse with the marts built.
    period, vintage
        The months and the ward boundaries counted.
    threshold
        Counts from 1 to ``threshold - 1`` show as ``<threshold``; ``[c]`` marks a cell
        withheld so that totals do not give a small one away.
    """
    summary = exports.build_ward_summary(
        con, period=period, vintage=vintage, threshold=threshold, run_id="", share_handling_c=share_handling_c
    )
    table: list[dict[str, str]] = []
    for row in summary.rows:
        if row["row_type"] == "force total":
            continue
        is_total = row["row_type"] == "authority total"
        values = (
            row["lad_name"],
            "TOTAL" if is_total else row["ward_code"],
            f"All wards of {row['lad_name']}" if is_total else row["ward_name"],
            row["off_road_bike_incidents"],
        )
        table.append({k: str(v) for k, v in zip(WARD_TABLE_COLUMNS, values, strict=True)})
    return table


def _cell(value: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    columns = list(header)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _size(output: Mapping[str, Any]) -> int | None:
    if output.get("bytes") is not None:
        return int(output["bytes"])
    path = Path(str(output.get("path", "")))
    return path.stat().st_size if path.is_file() else None


def run_summary_markdown(
    record: RunRecord,
    *,
    period: Period | None = None,
    vintage: str | None = None,
    threshold: int | None = None,
) -> str:
    """Return a markdown summary of a run: inputs, reconciled counts, rejects by reason, outputs."""
    lines = [f"# {record.flow}: run `{record.run_id}`", ""]
    if period is not None:
        scope = f"Period **{period.start} to {period.end}**"
        scope += f", wards of the **{vintage}** boundaries" if vintage else ""
        scope += f"; counts 1 to {threshold - 1} show as <{threshold} in partner tables" if threshold else ""
        lines += [scope + ".", ""]
    if record.inputs:
        lines += ["## Inputs", ""]
        lines += _table(
            ("file", "source", "status", "rows in", "staged", "rejected", "duplicate", "sha256"),
            (
                (
                    Path(str(i.get("path", ""))).name,
                    i.get("source", ""),
                    i.get("status", ""),
                    f"{int(i.get('rows_in', 0)):,}",
                    f"{int(i.get('staged', 0)):,}",
                    f"{int(i.get('rejected', 0)):,}",
                    f"{int(i.get('duplicate', 0)):,}",
                    str(i.get("sha256", ""))[:12],
                )
                for i in record.inputs
            ),
        )
        lines.append("")
    totals = record.counts.get("inputs")
    if isinstance(totals, Mapping) and not totals.get("files"):
        lines += ["## Inputs", "", "Nothing new: no input file to load.", ""]
    elif isinstance(totals, Mapping):
        verdict = "reconciled" if totals.get("reconciled") else "**NOT RECONCILED**"
        lines += [
            "## Counts reconciled",
            "",
            f"Rows in {totals['rows_in']:,} = staged {totals['staged']:,} + rejected {totals['rejected']:,}"
            f" + duplicate {totals['duplicate']:,}: {verdict}. Unlocated {totals['unlocated']:,}; coordinates"
            f" repaired {totals['repaired']:,}. {totals['files']} file(s), {totals['already_loaded']} already"
            " loaded before (skipped).",
            "",
            "## Rejected rows by reason",
            "",
        ]
        reasons = totals.get("rejects_by_reason") or {}
        lines += _table(("reason", "rows"), sorted(reasons.items())) if reasons else ["No row was rejected."]
        lines.append("")
    lines += _hotspot_method(record.counts.get("hotspots"))
    lines += ["## Outputs written", ""]
    if record.outputs:
        lines += _table(
            ("file", "bytes", "sha256"),
            (
                (
                    Path(str(o.get("path", ""))).name,
                    "-" if _size(o) is None else f"{_size(o):,}",
                    str(o.get("sha256", ""))[:12],
                )
                for o in record.outputs
            ),
        )
        # A browser will not open a file:// link from a web page, so the paths are given to copy.
        lines += ["", "Where they are (copy a path into a file manager or a browser's address bar):", ""]
        lines += ["```text", *(str(Path(str(o.get("path", ""))).resolve()) for o in record.outputs), "```"]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def map_image(outputs: Iterable[Mapping[str, Any]]) -> Path | None:
    """Return the hotspot map's PNG among a run's outputs (the nightly's or the briefing's), if any."""
    for output in outputs:
        path = Path(str(output.get("path") or ""))
        is_map = path.name.startswith("hotspots_") or path.stem.endswith("_map")
        if path.suffix.lower() == ".png" and is_map and path.is_file():
            return path
    return None


def image_markdown(path: Path, alt: str) -> str:
    """Return markdown showing the PNG at ``path`` inlined as a ``data:`` URI, under its file name.

    The image travels inside the artifact, so the Prefect UI shows it on any machine,
    where a link to the file would open nothing.
    """
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"# {_cell(alt)}\n\n![{_cell(alt)}](data:image/png;base64,{encoded})\n\n`{path.resolve()}`\n"


def _hotspot_method(summaries: object) -> list[str]:
    """Return each analysed area's map method and its tested accuracy against the naive baseline.

    ``summaries`` is the run's analysis summary by analysis area (``freshness.analyse``);
    nothing when the run analysed nothing.
    """
    if not isinstance(summaries, Mapping):
        return []
    found = {
        key: summary["accuracy"]
        for key, summary in summaries.items()
        if isinstance(summary, Mapping) and isinstance(summary.get("accuracy"), Mapping)
    }
    lines: list[str] = []
    for key, accuracy in found.items():
        heading = "## Hotspot map's method" + (f" ({_cell(str(key))})" if len(found) > 1 else "")
        lines += [heading, "", f"Risk for {accuracy['forecast_month']} drawn with {accuracy['label']}."]
        if accuracy.get("nested_pai") is None:
            lines.append("Too little history to test it against later months yet.")
        else:
            lines.append(
                f"Chosen because it predicted best over {accuracy['backtest_from']} to "
                f"{accuracy['backtest_to']}: "
                f"PAI {accuracy['nested_pai']:.2f} for the selection (each month chosen without seeing it) "
                f"against {accuracy['naive_pai']:.2f} for the naive baseline, at {accuracy['coverage']:.0%} "
                "of the force area."
            )
        lines.append("")
    return lines
