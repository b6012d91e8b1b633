"""torch's own scheduler parameters from the link and the sidebar: multi-step's milestones (a
list: `milestones=30/60/90` in a link, "30, 60, 90" in the sidebar), cyclic's base_lr / max_lr,
the warm-up's start factor (LinearLR start_factor), plateau's threshold / mode / cooldown /
min_lr / eps."""

from __future__ import annotations

import numpy as np
import pytest

from app.state.settings import from_query, to_query
from tests.app.conftest import values
from tests.app.test_explore import chart

LINKS = [
    "multistep:milestones=10/25/40,gamma=0.5",
    "cyclic:base_lr=0.05,max_lr=0.5,step_size_up=4,step_size_down=2,mode=1",
    "constant:warmup_start=0.1",
    "plateau:factor=0.3,patience=2,threshold=0.01,threshold_mode=1,cooldown=3,min_lr=0.001,eps=1e-06",
]


@pytest.mark.parametrize("link", LINKS)
def test_a_policy_link_round_trips(link):
    scene, warnings = from_query({"policy": link, "warmup": "5"})
    assert warnings == []
    assert to_query(scene)["policy"] == link
    assert from_query(to_query(scene)) == (scene, [])


def test_milestones_are_a_list_in_any_order():
    scene, warnings = from_query({"policy": "multistep:milestones=60/30/90"})
    assert warnings == [] and scene.policy_values()["milestones"] == (30, 60, 90)
    assert to_query(scene)["policy"] == "multistep:milestones=30/60/90"


@pytest.mark.parametrize("bad", ["30/abc", "0", "2.5/7", "nan", "/".join(["5"] * 21)])
def test_bad_milestones_in_a_link_warn_and_use_the_default(bad):
    scene, warnings = from_query({"policy": f"multistep:milestones={bad},gamma=0.5"})
    assert scene.policy == "multistep" and dict(scene.policy_params) == {"gamma": 0.5}
    (warning,) = warnings
    assert "milestones" in warning and "using the default (at 1/2 and 3/4 of the run)" in warning


def lr_curve(at) -> np.ndarray:
    trace = next(t for t in chart(at, "curves")["data"] if t.get("xaxis") == "x2")
    return values(trace["y"])


def test_the_sidebar_shows_the_milestones_and_edits_the_link(run_app):
    at = run_app(policy="multistep:milestones=10/25,gamma=0.5", opt="gd:lr=0.4", steps="40")
    box = at.text_input(key="pp:multistep:milestones")
    assert box.value == "10, 25"
    rates = lr_curve(at)
    assert np.allclose(rates[[0, 9, 10, 24, 25, 39]], [0.4, 0.4, 0.2, 0.2, 0.1, 0.1])
    box.set_value("5 15, 30").run()
    assert not at.exception
    assert at.query_params["policy"] == "multistep:milestones=5/15/30,gamma=0.5"
    assert np.allclose(lr_curve(at)[[4, 5, 15, 30]], [0.4, 0.2, 0.1, 0.05])
    at.text_input(key="pp:multistep:milestones").set_value("5, x").run()
    assert not at.exception
    assert any("got 'x'" in c.value and "using the default" in c.value for c in at.caption)
    assert at.query_params["policy"] == "multistep:gamma=0.5"


def test_the_sidebar_shows_cyclic_rates_and_the_warm_up_start(run_app):
    at = run_app(
        policy="cyclic:base_lr=0.05,max_lr=0.5,step_size_up=4,warmup_start=0.2",
        warmup="3",
        opt="gd:lr=0.4",
        steps="30",
    )
    assert at.number_input(key="pp:cyclic:base_lr").value == 0.05
    assert at.number_input(key="pp:cyclic:max_lr").value == 0.5
    assert at.slider(key="pp:cyclic:warmup_start").value == 0.2
    # warm-up 0.05·(0.2, 0.2 + 0.8/3, 0.2 + 1.6/3), then the cycle from 0.05 up to 0.5 at +4
    expected = [0.01, 0.05 * (0.2 + 0.8 / 3), 0.05 * (0.2 + 1.6 / 3), 0.05, 0.5]
    assert np.allclose(lr_curve(at)[[0, 1, 2, 3, 7]], expected)
    at.number_input(key="pp:cyclic:max_lr").set_value(0.8).run()
    assert "max_lr=0.8" in at.query_params["policy"]


def test_the_warm_up_start_is_shown_only_with_a_warm_up(run_app):
    at = run_app(policy="cosine")
    assert not any(s.key == "pp:cosine:warmup_start" for s in at.slider)
    at.number_input(key="warmup").set_value(5).run()
    assert any(s.key == "pp:cosine:warmup_start" for s in at.slider)


def test_the_sidebar_shows_every_plateau_parameter(run_app):
    at = run_app(policy="plateau:threshold_mode=1,cooldown=3,min_lr=0.001")
    keys = {w.key for w in [*at.number_input, *at.slider, *at.selectbox]}
    for name in ("factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"):
        assert f"pp:plateau:{name}" in keys, name
    assert at.number_input(key="pp:plateau:cooldown").value == 3
    assert at.selectbox(key="pp:plateau:threshold_mode").value == 1


@pytest.mark.parametrize(
    ("link", "key"),
    [("plateau:threshold_mode=1", "threshold_mode"), ("one_cycle:anneal=1", "anneal")],
)
def test_a_two_option_choice_from_a_link_survives_the_sidebar(run_app, link, key):
    # a choice with two options is a whole number in [0, 1], like a flag: it was seeded as True,
    # which no option matched, so the link's "abs" / "linear" silently became "rel" / "cos"
    at = run_app(policy=link)
    assert at.selectbox(key=f"pp:{link.split(':')[0]}:{key}").value == 1
    assert at.query_params["policy"] == link


@pytest.mark.parametrize("garbage", [42, ["30"], None, "9" * 700])
def test_garbage_in_the_milestones_box_falls_back(garbage):
    from tests.app.test_untrusted_widgets import run_planted

    at = run_planted({"pp:multistep:milestones": garbage}, policy="multistep", steps="40")
    assert not at.exception and not at.error
    assert at.text_input(key="pp:multistep:milestones").value == ""
    assert "milestones" not in at.query_params.get("policy", "")
