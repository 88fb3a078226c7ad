"""Operation Endurance incident-intelligence pipeline.

Off-road-bike incident reports and community intelligence go into one DuckDB
warehouse, are attributed to electoral wards and named hotspots, and come out as
self-contained hotspot maps for tasking meetings and ward summaries for councils.
"""

__version__ = "0.1.0"

#: The project CRS: British National Grid, metres. Every distance and area is computed in it.
PROJECT_CRS = "EPSG:27700"
#: Longitude/latitude as published on maps and in police.uk files.
DISPLAY_CRS = "EPSG:4326"
