"""Listing the loaded reference layers (endurance.geography.catalogue)."""

from __future__ import annotations

from endurance.geography import catalogue


def test_gazetteer_loaded_by_geography_is_listed(geo_con):
    listed = {(i.kind, i.vintage): i for i in catalogue.list_layers(geo_con)}
    assert listed[("hotspot", "gazetteer")].features >= 6
    assert listed[("ward", "2018")].features == 79 and listed[("lad", "2024")].features == 6
