"""No planted personal data or intelligence text reaches any partner output."""

import openpyxl
import pyogrio
import pypdf
import pytest

pytestmark = pytest.mark.slow


def partner_outputs(out):
    for folder in ("maps", "exports", "briefings"):
        yield from (p for p in (out / folder).rglob("*") if p.is_file())


def readable_text(path):
    """Return everything a partner can read in ``path``.

    That is the cells of a workbook, the attributes of a GeoPackage (every layer and table),
    the text of a PDF's pages, the text of anything else. PNGs are pictures of the HTML
    scanned here, so only their bytes are scanned.
    """
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        cells = [
            str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
        ]
        return "\n".join([*cells, str(book.properties.title), str(book.properties.description)])
    if path.suffix == ".gpkg":
        parts = []
        for name, _ in pyogrio.list_layers(path):
            frame = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
            parts.append(frame.astype(str).to_csv(index=False))
            parts.append(str(pyogrio.read_info(path, layer=name)["layer_metadata"]))
        return "\n".join(parts)
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return path.read_bytes().decode("utf-8", errors="replace")


def test_planted_personal_data_appears_in_no_output(demo_run):
    planted = demo_run["inputs"].planted
    assert len(planted) > 500  # names, phone numbers, VRMs and addresses were planted
    files = list(partner_outputs(demo_run["out"]))
    assert {p.suffix for p in files} >= {".html", ".csv", ".xlsx", ".gpkg", ".pdf", ".png"}
    for path in files:
        text = readable_text(path)
        if path.suffix in {".csv", ".xlsx", ".gpkg"}:
            assert "Total" in text  # the reader really read the tables
        if path.suffix == ".pdf":
            assert "Operation Endurance" in text and "Busiest wards" in text  # and the PDF's text
        leaked = [p for p in planted if p in text]
        assert not leaked, f"{path.name} contains planted personal data: {leaked[:5]}"
        raw = path.read_bytes().decode("latin-1")  # and nothing hides in the bytes either
        assert not [p for p in planted if p in raw], path.name
    # The planted data did reach the inputs, so the scan above can fail.
    inputs = "".join(p.read_text(encoding="utf-8") for p in demo_run["inputs"].files)
    assert all(p in inputs for p in planted[:50])


def test_the_readers_see_planted_text_where_it_is(tmp_path):
    """The XLSX and GeoPackage readers above find text in cells and attributes."""
    import geopandas as gpd
    import shapely
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    book.add_worksheet("Notes").write_string(3, 2, "Jane Planted 07700 900123")
    book.close()
    assert "Jane Planted 07700 900123" in readable_text(tmp_path / "x.xlsx")
    frame = gpd.GeoDataFrame({"ward_name": ["AB12 CDE"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=27700)
    frame.to_file(tmp_path / "x.gpkg", layer="w", driver="GPKG")
    assert "AB12 CDE" in readable_text(tmp_path / "x.gpkg")


def test_intelligence_narrative_stays_in_restricted_tables(demo_run):
    from endurance import warehouse

    with warehouse.connect(demo_run["db"], read_only=True) as con:
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        ]
        for table in marts:
            columns = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts'"
                    " AND table_name = ?",
                    [table],
                ).fetchall()
            }
            assert not columns & {"narrative", "subject", "vrm", "phone", "location_text"}, table
        narratives = con.execute(
            "SELECT count(*) FROM staging.stg_intelligence_restricted WHERE narrative IS NOT NULL"
        )
        assert narratives.fetchone()[0] > 500
