"""A new landscape opens on its suggested scene (controls.on_surface_change): every racer at
the landscape's suggested rate, the landscape's own steps, and no racer diverging."""

from __future__ import annotations

import pytest

from app.markup import plain
from optimizers.suggest import suggest
from surfaces import SURFACES, make_surface
from tests.app.conftest import new_app
from tests.app.test_explore import narration

OTHER = {"bowl": "ravine"}  # the link's landscape is never the one switched to


@pytest.mark.parametrize("name", list(SURFACES))
def test_changing_the_landscape_applies_its_suggestion_and_nothing_diverges(name):
    first = OTHER.get(name, "bowl")
    at = new_app(surface=first, opt="gd:lr=0.4;momentum:lr=0.4,momentum=0.9").run()
    at.selectbox(key="surface").set_value(name).run()
    assert not at.exception, [e.message for e in at.exception]
    surface = make_surface(name)
    for i, opt in enumerate(("gd", "momentum")):
        hyper = {"momentum": 0.9} if opt == "momentum" else None
        assert at.session_state[f"r{i}:lr"] == suggest(surface, opt, hyper).lr
    assert at.session_state["steps"] == surface.steps
    lines = [plain(line) for line in narration(at)]
    assert len(lines) == 2, lines
    for line in lines:
        assert "iverge" not in line and "thrown out" not in line, (name, line)


def test_a_link_keeps_its_rate_until_the_landscape_changes():
    at = new_app(surface="rosenbrock", opt="gd:lr=0.0002").run()
    assert at.session_state["r0:lr"] == 0.0002
