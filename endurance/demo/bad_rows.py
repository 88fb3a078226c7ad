"""List the bad rows the demo plants in each source, one row a line.

Every source gets a few rows of every kind of fault real exports carry, appended after
its good rows so they are easy to find: impossible and future dates, points outside
the force area (Leeds and London, outside both forces), latitude and longitude
swapped, grid references in the wrong columns, missing fields, unknown codes and a
row exported twice. Loading must reject each one
with its reason (or recognise it as a duplicate) and lose none; the comment above a
row says what it tests. Each function takes the good cells it copies from, so the bad
rows differ from a good one in the tested field only, and the force whose references
and place names they carry (Cleveland unless given).
"""

from __future__ import annotations

from endurance.demo.forces import CLEVELAND_YEAR, DemoForce

_VEH = "ASB-VEH"  # opening code: vehicle nuisance
_NT = "NO-TRACE"  # closing code: no trace of the riders
# Easting, Northing, Latitude, Longitude cells of places outside both forces.
_LEEDS = ("430000", "433000", "", "")
_LONDON = ("", "", "51.5072", "-0.1276")
_NO_PLACE = ("", "", "", "", "")  # Location too


def incident_log_rows(
    year: int,
    grid: tuple[str, str],
    latlon: tuple[str, str],
    *,
    repeat: list[str],
    force: DemoForce = CLEVELAND_YEAR,
) -> list[list[str]]:
    """Return the control-room log's bad rows.

    Parameters
    ----------
    year
        The demo year.
    grid
        The easting and northing of a good row, as written.
    latlon
        The latitude and longitude of another good row, as written.
    repeat
        A good row, planted again as a duplicate.
    force
        The force whose references and place names the rows carry.
    """
    e, n = grid
    ref, area = force.refs.incident, force.moor.short
    la, lo = latlon
    # Easting, Northing, Latitude, Longitude cells
    here = (e, n, "", "")  # a good grid reference
    swapped = ("", "", lo, la)  # latitude and longitude swapped
    bng_in_latlon = ("", "", n, e)  # a grid reference in the latitude and longitude columns

    def jun(day: int, time: str) -> str:
        return f"{year}-06-{day:02d}T{time}:00"

    # Incident Ref, Created, Opening Code, Closing Code, Location, Easting, Northing,
    # Latitude, Longitude, Narrative. A table: one row a line, even past the line length.
    # fmt: off
    return [
        # a date that does not exist (31 February)
        [f"{ref}-BAD-DATE-1", "31/02/2025 18:00", _VEH, _NT, "Moor Lane", *here, "Scrambler on the moor."],
        # a date that is not a date at all
        [f"{ref}-BAD-DATE-2", "yesterday evening", _VEH, _NT, "Moor Lane", *here, "Quad bike on the field."],
        # a date in the future
        [f"{ref}-FUTURE-1", "2031-07-01T20:00:00", _VEH, "ADVICE", "Coast Road", *here, "Off road bikes on the beach."],  # noqa: E501
        # a grid reference in Leeds, outside the force area
        [f"{ref}-OUTSIDE-1", jun(1, "19:00"), _VEH, _NT, "Leeds", *_LEEDS, "Pit bike reported."],
        # a latitude and longitude in London
        [f"{ref}-OUTSIDE-2", jun(2, "19:00"), _VEH, _NT, "Somewhere", *_LONDON, "Trail bike reported."],
        # latitude and longitude swapped
        [f"{ref}-SWAPPED-1", jun(3, "19:30"), _VEH, _NT, area, *swapped, f"Scramblers on {force.moor.moor}."],
        # a grid reference written in the latitude and longitude columns
        [f"{ref}-BNG-IN-LATLON-1", jun(4, "20:15"), _VEH, "ADVICE", area, *bng_in_latlon, "Off-road bike on the hills."],  # noqa: E501
        # no incident reference
        ["", jun(5, "18:00"), _VEH, _NT, "Moor Lane", *here, "Scrambler, no reference taken."],
        # no opening code
        [f"{ref}-NO-CODE-1", jun(6, "18:00"), "", _NT, "Moor Lane", *here, "Quad bike."],
        # an opening code not in the code list
        [f"{ref}-BAD-CODE-1", jun(7, "18:00"), "ASB-XYZ", _NT, "Moor Lane", *here, "Quad bike."],
        # no location of any kind
        [f"{ref}-NO-LOCATION-1", jun(8, "18:00"), _VEH, _NT, *_NO_PLACE, "Off road bike, caller would not say where."],  # noqa: E501
        # an easting that is not a number
        [f"{ref}-BAD-NUMBER-1", jun(9, "18:00"), _VEH, _NT, "Moor Lane", "45x000", n, "", "", "Scrambler."],
        # the same incident exported twice
        repeat,
    ]
    # fmt: on


def intelligence_rows(base: list[str], *, force: DemoForce = CLEVELAND_YEAR) -> list[list[str]]:
    """Return the community intelligence's bad rows, each a copy of the good row ``base`` with one fault."""
    ref = force.refs.intelligence
    # Intel Ref, Received, Channel, Source Evaluation, Intelligence Assessment, Handling Code,
    # Latitude, Longitude, Location, Subject, Narrative, VRM, Phone
    return [
        # a source evaluation outside 1-3
        [f"{ref}-BAD-1", base[1], base[2], "4", "B", "P", *base[6:]],
        # an intelligence assessment outside A-E
        [f"{ref}-BAD-2", base[1], base[2], "2", "F", "P", *base[6:]],
        # a handling code other than P or C
        [f"{ref}-BAD-3", base[1], base[2], "2", "B", "X", *base[6:]],
        # a date that does not exist
        [f"{ref}-BAD-4", "32/13/2025 10:00", base[2], "2", "B", "P", *base[6:]],
        # a channel not in the code list
        [f"{ref}-BAD-5", base[1], "carrier pigeon", "2", "B", "P", *base[6:]],
        # a point in Leeds, outside the force area
        [f"{ref}-BAD-6", base[1], base[2], "2", "B", "P", "53.8008", "-1.5491", *base[8:]],
    ]


def fire_rows(
    base: list[str],
    year: int,
    grid: tuple[str, str],
    latlon: tuple[str, str],
    *,
    repeat: list[str],
    force: DemoForce = CLEVELAND_YEAR,
) -> list[list[str]]:
    """Return the fire brigade's bad rows: copies of the good row ``base``, one fault each.

    ``year``, ``grid``, ``latlon``, ``repeat`` and ``force`` are as for :func:`incident_log_rows`.
    """
    ref, moor, station = force.refs.fire, force.moor.moor, force.moor.station
    outside_station, unlocated_station = force.bad_row_stations
    east, north = grid
    la, lo = latlon
    called, codes = base[1], base[2:5]
    # Incident Number, Call Date Time, Incident Type, Fire Category, Cause, Easting, Northing,
    # Latitude, Longitude, Address, Station
    return [
        # a date that does not exist (30 February)
        [f"{ref}-BAD-DATE-1", f"30/02/{year} 14:00", *base[2:]],
        # a date in the future
        [f"{ref}-FUTURE-1", "2031-04-01T15:00:00", *base[2:]],
        # an incident type not in the code list
        [f"{ref}-BAD-TYPE-1", called, "Bonfire", *base[3:]],
        # a fire category not in the code list
        [f"{ref}-BAD-CATEGORY-1", called, base[2], "Tertiary fire", *base[4:]],
        # a cause not in the code list
        [f"{ref}-BAD-CAUSE-1", called, base[2], base[3], "Suspicious", *base[5:]],
        # a grid reference in Leeds, outside the force area
        [f"{ref}-OUTSIDE-1", called, *codes, "430000", "433000", "", "", "Leeds", outside_station],
        # an easting with letters O for zeros
        [f"{ref}-BAD-NUMBER-1", called, *codes, "4567OO", north, "", "", moor, station],
        # no location of any kind
        [f"{ref}-NO-LOCATION-1", called, *codes, "", "", "", "", "", unlocated_station],
        # no incident number
        ["", called, *codes, east, north, "", "", moor, station],
        # latitude and longitude swapped
        [f"{ref}-SWAPPED-1", called, *codes, "", "", lo, la, moor, station],
        # the same incident exported twice
        repeat,
    ]
    # fmt: on


def outcome_rows(
    base: list[str], year: int, *, repeat: list[str], force: DemoForce = CLEVELAND_YEAR
) -> list[list[str]]:
    """Return the enforcement outcomes' bad rows: copies of the located good row ``base``, one fault each."""
    ref = force.refs.outcome
    # Outcome Ref, Outcome Date, Outcome Type, Agency, Incident Ref, VRM, Person Ref, Easting,
    # Northing, Latitude, Longitude
    return [
        # a date that does not exist (31 February)
        [f"{ref}-BAD-DATE-1", f"31/02/{year}", *base[2:]],
        # a date in the future
        [f"{ref}-FUTURE-1", "2031-01-01", *base[2:]],
        # an outcome type not in the code list
        [f"{ref}-BAD-TYPE-1", base[1], "CAUTION", *base[3:]],
        # an agency not in the code list
        [f"{ref}-BAD-AGENCY-1", base[1], base[2], "Fire brigade", *base[4:]],
        # a grid reference in Leeds, outside the force area
        [f"{ref}-OUTSIDE-1", *base[1:7], "430000", "433000", "", ""],
        # an easting that is not a number
        [f"{ref}-BAD-NUMBER-1", *base[1:7], "45x000", base[8], "", ""],
        # no outcome reference
        ["", *base[1:]],
        # no outcome type
        [f"{ref}-NO-TYPE-1", base[1], "", *base[3:]],
        # the same outcome exported twice
        repeat,
    ]
