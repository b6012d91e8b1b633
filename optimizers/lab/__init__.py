"""The learning-rate lab: each textbook answer to "how do I choose the learning rate?" as an
experiment that returns plain arrays (NamedTuples) the UI can plot directly, one module each:

    sweep.py       lr_sweep       try rates on an exponential grid (one batch)     -> Sweep
    range_test.py  lr_range_test  the LR range test (fastai lr_find rules)         -> RangeTest
    basins.py      basin_map      where every start of a grid ends up              -> BasinMap
    phase.py       phase_diagram  learning rate × momentum: converge / diverge     -> PhaseDiagram
    race.py        fair_race      optimizers, each tuned over the same grid        -> Race
    sgd.py         sgd_fan        mini-batch SGD on a regression model, K seeded runs -> Fan

and what they share: grid.py (rate grids), common.py (copies of a start, checked rates, steps to
a tolerance, stability at the minimum), chunks.py (memory-bounded chunks of rows, progress).
"""

from .basins import DIVERGED, NOT_CONVERGED, BasinMap, basin_map
from .common import steps_to_tolerance
from .grid import DEFAULT_LRS, decade_grid, parse_lr_grid
from .phase import PhaseDiagram, phase_diagram
from .race import RACE_CRITERION, Race, RaceRow, choose_rate, fair_race
from .range_test import RangeTest, explain_disagreement, lr_range_test
from .sgd import Fan, sgd_fan
from .sweep import Sweep, lr_sweep

__all__ = [
    "DEFAULT_LRS",
    "DIVERGED",
    "NOT_CONVERGED",
    "RACE_CRITERION",
    "BasinMap",
    "Fan",
    "PhaseDiagram",
    "Race",
    "RaceRow",
    "RangeTest",
    "Sweep",
    "basin_map",
    "choose_rate",
    "decade_grid",
    "explain_disagreement",
    "fair_race",
    "lr_range_test",
    "lr_sweep",
    "parse_lr_grid",
    "phase_diagram",
    "sgd_fan",
    "steps_to_tolerance",
]
