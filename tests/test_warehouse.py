import json

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
