"""Write a table of published cells as CSV, XLSX or GeoPackage, the same cells in each.

Partner exports build their table once (numbers as ``int``, text and suppression
markers as ``str``) and hand it here. Every writer puts a file in place only when it
is complete (``endurance._publish``: written beside it under a temporary name, then
renamed), so a reader never opens half a file. Text cells are expected already neutralised
(``endurance.privacy.neutralise_formula``); the XLSX writer also stores every string
as a string, never as a formula or link.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
import xlsxwriter

from endurance._publish import publishing
from endurance.privacy import neutralise_formula

Kind = Literal["text", "count", "change", "rank"]
Cell = int | str
Row = dict[str, Cell]


@dataclass(frozen=True)
class Column:
    """A column of a partner table, with its definition for the notes."""

    name: str
    kind: Kind
    definition: str
    width: int = 12


@dataclass(frozen=True)
class Layer:
    """Rows of a table with one geometry each, for a GeoPackage layer."""

    name: str
    rows: list[Row]
    shapes: list[shapely.Geometry]


def write_csv(path: Path, columns: Sequence[Column], rows: Sequence[Row]) -> Path:
    """Write CSV in UTF-8 with a byte-order mark, so Excel reads the text correctly."""
    names = [c.name for c in columns]
    with publishing(path) as partial, open(partial, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows([row[name] for name in names] for row in rows)
    return path


def write_xlsx(
    path: Path,
    columns: Sequence[Column],
    rows: Sequence[Row],
    *,
    sheet: str,
    notes: Sequence[tuple[str, str]],
    emphasised: Sequence[bool],
    frozen_columns: int,
    properties: dict[str, str],
) -> Path:
    """Write an Excel workbook: the table (``emphasised`` rows bold), then a Notes sheet.

    Numbers are stored as numbers and markers as right-aligned text; the header is
    formatted, frozen with the first ``frozen_columns`` columns, and filterable. The
    Notes sheet lists ``notes`` and then every column's definition.
    """
    with publishing(path) as partial:
        book = xlsxwriter.Workbook(
            str(partial),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        book.set_properties(properties)
        table = book.add_worksheet(sheet)
        _xlsx_table(table, book, columns, rows, emphasised)
        table.freeze_panes(1, frozen_columns)
        _xlsx_notes(book.add_worksheet("Notes"), book, columns, notes)
        book.close()
    return path


def _xlsx_table(
    sheet: xlsxwriter.worksheet.Worksheet,
    book: xlsxwriter.Workbook,
    columns: Sequence[Column],
    rows: Sequence[Row],
    emphasised: Sequence[bool],
) -> None:
    header = book.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "text_wrap": True, "valign": "top"}
    )
    styles = {}
    for strong in (False, True):
        extra = {"bold": True, "top": 1} if strong else {}
        styles[strong] = {
            "text": book.add_format(extra),
            "count": book.add_format({"num_format": "#,##0", **extra}),
            "change": book.add_format({"num_format": "+#,##0;-#,##0;0", **extra}),
            "rank": book.add_format({"num_format": "0", **extra}),
            "marker": book.add_format({"align": "right", "font_color": "#595959", **extra}),
        }
    sheet.set_row(0, 45)
    for c, column in enumerate(columns):
        sheet.write_string(0, c, column.name, header)
        sheet.set_column(c, c, column.width)
    for r, (row, strong) in enumerate(zip(rows, emphasised, strict=True), start=1):
        style = styles[strong]
        for c, column in enumerate(columns):
            value = row[column.name]
            if isinstance(value, int):
                sheet.write_number(r, c, value, style[column.kind])
            elif column.kind == "text":
                sheet.write_string(r, c, value, style["text"])
            elif value:
                sheet.write_string(r, c, value, style["marker"])
            else:
                sheet.write_blank(r, c, None, style["text"])
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)


def _xlsx_notes(
    sheet: xlsxwriter.worksheet.Worksheet,
    book: xlsxwriter.Workbook,
    columns: Sequence[Column],
    notes: Sequence[tuple[str, str]],
) -> None:
    bold = book.add_format({"bold": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    heading = book.add_format({"bold": True, "font_size": 12})
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 110)
    line = 0
    for item, detail in notes:
        sheet.write_string(line, 0, item, bold)
        sheet.write_string(line, 1, neutralise_formula(detail), wrap)
        line += 1
    line += 1
    sheet.write_string(line, 0, "Column", heading)
    sheet.write_string(line, 1, "Definition", heading)
    for column in columns:
        line += 1
        sheet.write_string(line, 0, column.name, bold)
        sheet.write_string(line, 1, column.definition, wrap)


def layer_name(text: str) -> str:
    """Return a GeoPackage table name from ``text``: letters, digits and underscores only."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _attributes(columns: Sequence[Column], rows: Sequence[Row]) -> pd.DataFrame:
    """Rows as attributes: numbers as integers; a marker is NULL and named in ``not_shown``."""
    names = [c.name for c in columns]
    numeric = [c.name for c in columns if c.kind != "text"]
    frame = pd.DataFrame([[row[n] for n in names] for row in rows], columns=names)
    frame["not_shown"] = [
        "; ".join(f"{n} {row[n]}" for n in numeric if isinstance(row[n], str) and row[n]) for row in rows
    ]
    for name in numeric:
        frame[name] = pd.array([v if isinstance(v, int) else None for v in frame[name]], dtype="Int64")
    return frame


def write_gpkg(
    path: Path,
    columns: Sequence[Column],
    layers: Sequence[Layer],
    *,
    crs: str,
    notes: Sequence[tuple[str, str]],
    description: str,
) -> Path:
    """Write a GeoPackage: one polygon layer per ``Layer`` and a ``notes`` table.

    Each layer carries ``description`` (shown by QGIS as the layer's abstract); the
    notes table holds ``notes`` and every column's definition.
    """
    with publishing(path, keep_suffix=True) as partial:  # GDAL picks its driver by suffix
        for layer in layers:
            frame = gpd.GeoDataFrame(_attributes(columns, layer.rows), geometry=layer.shapes, crs=crs)
            pyogrio.write_dataframe(
                frame,
                partial,
                layer=layer_name(layer.name),
                driver="GPKG",
                promote_to_multi=True,
                layer_options={"DESCRIPTION": description},
            )
        table = pd.DataFrame(
            [*notes, *((f"column {c.name}", c.definition) for c in columns)], columns=["item", "detail"]
        )
        pyogrio.write_dataframe(table, partial, layer="notes", driver="GPKG")
    return path
