"""Invent the personal data the demo plants: names, phone numbers, vehicle registrations.

None of it is real: surnames are made up, phone numbers come from Ofcom's range kept
for drama (07700 900xxx). Tests look for every planted value in partner outputs, to
prove that none of it gets through.
"""

from __future__ import annotations

import numpy as np

FIRST_NAMES = ["Kayden", "Tyler", "Brandon", "Connor", "Jordan", "Liam", "Reece", "Callum"]
SURNAMES = ["Oddyfield", "Quarrington", "Blenkinsopp", "Harkerby", "Tindalow", "Scorton"]


def fake_person(rng: np.random.Generator) -> tuple[str, str, str]:
    """Return an invented name, a phone number from Ofcom's drama range and a made-up VRM."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    phone = f"07700 900{rng.integers(0, 1000):03d}"
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    vrm = (
        f"{''.join(rng.choice(list(letters), 2))}{rng.integers(51, 75)} "
        f"{''.join(rng.choice(list(letters), 3))}"
    )
    return name, phone, vrm


def fake_vrm(rng: np.random.Generator) -> str:
    """Return a made-up vehicle registration mark."""
    letters = list("ABCDEFGHJKLMNPRSTUVWXY")
    return f"{''.join(rng.choice(letters, 2))}{rng.integers(51, 75)} {''.join(rng.choice(letters, 3))}"
