"""Settings ⇄ query dict: round trips, canonical form, and hostile input (pure functions)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.lessons import LESSONS
from app.settings import (
    DEFAULT,
    FORMULA,
    LR_MAX,
    LR_MIN,
    MAX_RACERS,
    Settings,
    fmt,
    from_query,
    make_racer,
    parse_named,
    share_query_string,
    to_query,
)
from optimizers import OPTIMIZERS, POLICIES
from surfaces import SURFACES
from surfaces.params import ListSpec

VIEWS = ("explore", "sweep")


def test_default_query_is_short_and_reads_back():
    q = to_query(DEFAULT)
    assert q == {"surface": "ravine", "opt": "gd:lr=0.4"}
    assert from_query(q) == (DEFAULT, [])
    assert from_query({}) == (DEFAULT, [])


def test_example_scene_encoding():
    s = Settings(
        surface="ravine",
        surface_params=(("kappa", 20.5),),
        racers=(make_racer("gd", 0.4), make_racer("momentum", 0.4, momentum=0.5)),
        steps=60,
        start=(-5.0, -1.0),
        present=True,
    )
    q = to_query(s)
    assert q["opt"] == "gd:lr=0.4;momentum:lr=0.4,momentum=0.5"
    assert q["surface"] == "ravine:kappa=20.5" and q["start"] == "-5,-1" and q["present"] == "1"
    assert "opt=gd:lr=0.4;momentum:lr=0.4,momentum=0.5" in share_query_string(s)
    assert from_query(q) == (s, [])


def test_every_lesson_round_trips():
    for lesson in LESSONS.values():
        assert from_query(to_query(lesson.settings)) == (lesson.settings, [])


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_a_link_naming_only_a_lesson_opens_its_scene(name):
    lesson = LESSONS[name].settings
    assert from_query({"lesson": name}) == (lesson, [])
    presented, warnings = from_query({"lesson": name, "present": "1", "view": "sweep"}, VIEWS)
    assert presented == Settings(**{**vars(lesson), "present": True, "view": "sweep"})
    assert warnings == []


def test_a_link_with_a_scene_keeps_its_scene_next_to_the_lesson_name():
    s, _ = from_query({"lesson": "momentum", "surface": "bowl", "opt": "adam:lr=0.1"})
    assert (s.lesson, s.surface, s.racers) == ("momentum", "bowl", (make_racer("adam", 0.1),))


def test_formula_scene_round_trips():
    s = Settings(surface=FORMULA, formula="x**2 + sin(y)", domain=(-2.0, 2.0, -1.0, 1.0))
    q = to_query(s)
    assert q["f"] == "x**2 + sin(y)" and q["domain"] == "-2,2,-1,1"
    assert from_query(q) == (s, [])


def test_fmt_is_exact():
    for v in (0.1, 1 / 3, 1e-5, 60.0, -2.0, 123456.789):
        assert float(fmt(v)) == v


def test_parse_named():
    assert parse_named("adam:lr=0.1, beta1=0.8") == ("adam", [("lr", "0.1"), ("beta1", "0.8")])
    assert parse_named("gd") == ("gd", [])
    with pytest.raises(ValueError):
        parse_named("gd:lr")


# --------------------------------------------------------------------------- property tests


def _param_values(specs, data):
    values = {}
    for p in specs:
        if data.draw(st.booleans()):
            if isinstance(p, ListSpec):  # multi-step's milestones: a tuple of whole numbers
                drawn = st.lists(st.integers(p.low, min(p.high, 10_000)), max_size=p.max_items)
                values[p.name] = tuple(data.draw(drawn))
                continue
            if p.integer:
                v = data.draw(st.integers(int(p.low), int(min(p.high, 10_000))))
            else:
                v = data.draw(st.floats(p.low, p.high, allow_nan=False))
            values[p.name] = float(v)
    return values


@st.composite
def scenes(draw):
    surface = draw(st.sampled_from(list(SURFACES)))
    racers = tuple(
        make_racer(
            name,
            draw(st.floats(LR_MIN, LR_MAX)),
            **_param_values(OPTIMIZERS[name].params, draw(st.data())),
        )
        for name in draw(st.lists(st.sampled_from(list(OPTIMIZERS)), min_size=1, max_size=6))
    )
    policy = draw(st.sampled_from(list(POLICIES)))
    from app.settings import canonical

    steps = draw(st.integers(1, 5000))
    return Settings(
        surface=surface,
        surface_params=canonical(
            SURFACES[surface].params, _param_values(SURFACES[surface].params, draw(st.data()))
        ),
        start=draw(st.none() | st.tuples(st.floats(-100, 100), st.floats(-100, 100))),
        racers=racers,
        policy=policy,
        policy_params=canonical(
            POLICIES[policy].params, _param_values(POLICIES[policy].params, draw(st.data()))
        ),
        warmup=draw(st.integers(0, steps - 1)),  # valid: the warm-up ends before the run
        steps=steps,
        noise=draw(st.floats(0, 100)),
        seed=draw(st.integers(0, 2**31 - 1)),
        map=draw(st.sampled_from(["contour", "3d"])),
        present=draw(st.booleans()),
        lesson=draw(st.sampled_from(["", *LESSONS])),
    )


@settings(max_examples=60, deadline=None)
@given(scenes())
def test_any_scene_round_trips_through_the_url(scene):
    assert from_query(to_query(scene)) == (scene, [])


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["steps", "opt", "surface", "start", "noise", "seed", "policy", "f"])
        | st.text(max_size=8),
        st.text(max_size=60) | st.lists(st.text(max_size=20), max_size=3),
        max_size=8,
    )
)
def test_garbage_never_raises_and_stays_in_range(query):
    scene, warnings = from_query(query)
    assert 1 <= scene.steps <= 5000 and 0 <= scene.warmup < scene.steps
    assert 1 <= len(scene.racers) <= MAX_RACERS
    assert all(LR_MIN <= r.lr <= LR_MAX and math.isfinite(r.lr) for r in scene.racers)
    assert math.isfinite(scene.noise) and scene.noise >= 0
    assert all(isinstance(w, str) for w in warnings)
    assert from_query(to_query(scene))[0] == scene


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"steps": "-5"}, "steps='-5'"),
        ({"steps": "1e999"}, "not a finite number"),
        ({"opt": "gd:lr=NaN"}, "lr='NaN'"),
        ({"opt": "warp:lr=1"}, "Unknown optimizer 'warp'"),
        ({"surface": "ravine:kappa=-3"}, "kappa='-3'"),
        ({"surface": "moon"}, "Unknown surface 'moon'"),
        ({"seed": "9" * 700}, "too long"),
        ({"start": "1"}, "start='1'"),
        ({"view": "nope"}, "Unknown view 'nope'"),
        ({"steps": ["5", "6"]}, "2 times"),
        ({"opt": ";".join(["gd:lr=0.1"] * 9)}, "Only 6 optimizers"),
        ({"Bad Key!": "1"}, "unknown URL key"),
    ],
)
def test_bad_values_are_named_in_the_warning(query, needle):
    scene, warnings = from_query(query)
    assert any(needle in w for w in warnings), warnings
    assert scene.steps in (DEFAULT.steps, 6)


def test_other_views_keys_pass_through():
    scene, warnings = from_query({"sweep": "1e-3,10"})
    assert not warnings and to_query(scene)["sweep"] == "1e-3,10"
