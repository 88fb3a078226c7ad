"""The 3x5x2 intelligence grading and the intake channels: the one place their labels live.

Police intelligence is graded on three axes: how reliable the source is (1 to 3), how
the source came by the information (A to E) and whether it may be shared (P or C).
Partner outputs count only items with handling code P unless a configured condition
allows C.
"""

from __future__ import annotations

SOURCE_EVALUATION = {
    "1": "Reliable",
    "2": "Untested",
    "3": "Not reliable",
}

INTELLIGENCE_ASSESSMENT = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}

HANDLING_CODE = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted with conditions",
}

CHANNELS = {
    "web_form": "Web form",
    "101": "101 non-emergency call",
    "crimestoppers": "Crimestoppers",
    "councillor": "Councillor",
    "partner": "Partner agency",
    "officer": "Officer",
}
