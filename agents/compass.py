"""Directions on the street grid and the two signal phases they map to.

Rows grow southwards and columns eastwards. A heading is the direction a
vehicle travels; a leg is the side of an intersection a street leaves from.
"""

NORTH, EAST, SOUTH, WEST = range(4)
HEADINGS = (NORTH, EAST, SOUTH, WEST)
NAMES = ("north", "east", "south", "west")

#: (row, col) step of one block in each direction.
STEP = ((-1, 0), (0, 1), (1, 0), (0, -1))

NS_PHASE, EW_PHASE = 0, 1
PHASES = (NS_PHASE, EW_PHASE)


def opposite(direction: int) -> int:
    """The direction 180 degrees from ``direction``."""
    return (direction + 2) % 4


def phase_of_heading(heading: int) -> int:
    """Phase whose green serves vehicles travelling in ``heading``."""
    return NS_PHASE if heading in (NORTH, SOUTH) else EW_PHASE


def crosswalk_phase(leg: int) -> int:
    """Phase whose WALK serves the crosswalk across ``leg``.

    Crossing the north or south leg means walking east-west, parallel to
    east-west traffic, so it walks with the east-west phase, and vice versa.
    """
    return EW_PHASE if leg in (NORTH, SOUTH) else NS_PHASE


def other_phase(phase: int) -> int:
    """The conflicting phase."""
    return 1 - phase
