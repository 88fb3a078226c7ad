import gzip
import json
import re
from pathlib import Path

import pytest

from endurance import warehouse


def test_migrations_create_every_layer(con):
    schemas = {r[0] for r in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
    assert {"raw", "staging", "marts", "ops", "geo"} <= schemas
    # Every migration file is applied (numbers may have gaps while branches are in flight).
    numbers = {version for version, _ in warehouse._migration_files()}
    applied = {r[0] for r in con.execute("SELECT version FROM ops.schema_migrations").fetchall()}
    assert applied == numbers and warehouse.schema_version(con) == max(numbers)


def test_migrate_twice_applies_nothing_new(con):
    assert warehouse.migrate(con) == []


def test_spatial_is_loaded_from_the_package_file(con):
    assert warehouse.spatial_extension_path().is_file()
    area = con.execute("SELECT ST_Area(ST_Buffer(ST_Point(0, 0), 1))").fetchone()[0]
    assert area == pytest.approx(3.14, abs=0.05)  # a polygon approximating the unit circle


def test_a_warehouse_named_after_a_schema_is_refused(tmp_path):
    with pytest.raises(warehouse.WarehouseError, match="named after a schema"):
        warehouse.connect(tmp_path / "geo.duckdb")


def test_file_warehouse_is_created_with_its_folder_and_reopens(tmp_path):
    path = tmp_path / "nested" / "endurance.duckdb"
    with warehouse.connect(path) as con:
        first = warehouse.schema_version(con)
    with warehouse.connect(path, read_only=True) as con:
        assert warehouse.schema_version(con) == first


def test_transaction_rolls_back_on_error(con):
    with pytest.raises(RuntimeError), warehouse.transaction(con):
        con.execute("INSERT INTO geo.layers VALUES ('ward', 'x', 'p', 's', 1, now()::TIMESTAMP)")
        raise RuntimeError("boom")
    assert con.execute("SELECT count(*) FROM geo.layers").fetchone()[0] == 0


def test_run_ledger_records_start_and_finish(con):
    record = warehouse.RunRecord(flow="test", parameters={"input_dir": "in"})
    warehouse.start_run(con, record)
    assert con.execute("SELECT status FROM ops.runs").fetchone()[0] == "running"
    record.inputs = [{"path": "a.csv", "sha256": "abc", "rows_in": 3}]
    record.counts = {"rows_in": 3}
    record.outputs = [{"path": "map.html", "sha256": "def"}]
    warehouse.finish_run(con, record, status="completed")
    status, inputs, outputs, finished = con.execute(
        "SELECT status, inputs, outputs, finished_at FROM ops.runs"
    ).fetchone()
    assert status == "completed" and finished is not None
    assert json.loads(inputs)[0]["sha256"] == "abc"
    assert json.loads(outputs)[0]["path"] == "map.html"


def test_quote_identifier_escapes_quotes():
    assert warehouse.quote_identifier('we"ird') == '"we""ird"'


# --------------------------------------------------------------------------- views

OLD_WAREHOUSE = Path(__file__).parent / "data" / "warehouse_0016.duckdb.gz"
VIEWS_DIR = Path(warehouse.__file__).parent / "sql" / "views"


def _view_rows(con) -> dict[str, list[tuple]]:
    return {
        name: con.execute(f"SELECT * FROM {warehouse.quote_table(name)} ORDER BY ALL").fetchall()
        for name in warehouse.VIEWS
        if name != "marts.map_geojson"
    }


def _definitions(con) -> dict[str, str]:
    views = con.execute(
        "SELECT schema_name || '.' || view_name, sql FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    macros = con.execute(
        "SELECT schema_name || '.' || function_name, macro_definition FROM duckdb_functions()"
        " WHERE function_type = 'macro' AND NOT internal"
    ).fetchall()
    return dict(views + macros)


def test_every_view_file_is_created_once_in_the_declared_order():
    assert sorted(warehouse.VIEWS) == sorted(p.name.removesuffix(".sql") for p in VIEWS_DIR.glob("*.sql"))
    assert len(set(warehouse.VIEWS)) == len(warehouse.VIEWS)


def test_migrations_declare_tables_only():
    for _, name in warehouse._migration_files():
        lines = warehouse.sql_text(f"migrations/{name}").splitlines()
        statements = " ".join(line.split("--")[0] for line in lines)
        assert not re.search(r"\b(VIEW|MACRO)\b", statements, re.IGNORECASE), name


def test_a_fresh_warehouse_has_every_view(con):
    assert set(_definitions(con)) == set(warehouse.VIEWS)
    assert _view_rows(con) == {name: [] for name in warehouse.VIEWS if name != "marts.map_geojson"}
    geojson = con.execute("SELECT marts.map_geojson(ST_Point(-1.123456789, 54.5))").fetchone()[0]
    assert geojson == '{"type":"Point","coordinates":[-1.12346,54.5]}'


def test_views_are_recreated_on_every_opening_for_writing(tmp_path):
    path = tmp_path / "endurance.duckdb"
    with warehouse.connect(path) as con:
        con.execute("CREATE OR REPLACE VIEW staging.events AS SELECT 1 AS stale")
    with warehouse.connect(path) as con:
        assert "event_id" in [d[0] for d in con.execute("SELECT * FROM staging.events").description]


def test_a_warehouse_made_before_views_left_the_migrations_keeps_the_same_rows(tmp_path, con):
    path = tmp_path / "old.duckdb"
    path.write_bytes(gzip.decompress(OLD_WAREHOUSE.read_bytes()))
    with warehouse.connect(path, read_only=True) as old:
        before = _view_rows(old)
        declared_before = _definitions(old)
    assert sum(len(rows) for rows in before.values()) == 100 + 20 + 34  # events, police.uk, linked
    with warehouse.connect(path) as reopened:
        assert _view_rows(reopened) == before
        # Replaced by the files' definitions: the same as a fresh warehouse's.
        assert _definitions(reopened) == _definitions(con)
    assert set(declared_before) == set(warehouse.VIEWS)
