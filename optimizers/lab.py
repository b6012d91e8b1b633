"""The learning-rate lab: each textbook answer to "how do I choose the learning rate?" as an
experiment that returns plain arrays (NamedTuples) the UI can plot directly.

    lr_sweep       try rates on an exponential grid (one batch)          -> Sweep
    lr_range_test  the LR range test (fastai lr_find rules)              -> RangeTest
    basin_map      where every start of a grid ends up                   -> BasinMap
    phase_diagram  learning rate × momentum: converge / diverge          -> PhaseDiagram
    fair_race      optimizers, each tuned over the same grid             -> Race
    sgd_fan        mini-batch SGD on a regression model, K seeded runs   -> Fan
"""

from .lab_compare import (
    RACE_CRITERION,
    Race,
    RaceRow,
    Sweep,
    choose_rate,
    fair_race,
    lr_sweep,
    steps_to_tolerance,
)
from .lab_grid import DEFAULT_LRS, decade_grid, parse_lr_grid
from .lab_maps import DIVERGED, NOT_CONVERGED, BasinMap, PhaseDiagram, basin_map, phase_diagram
from .lab_range import RangeTest, explain_disagreement, lr_range_test
from .lab_sgd import Fan, sgd_fan

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
