"""Settings ⇄ query dict: round trips, canonical form, and hostile input (pure functions)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.lessons import LESSONS
from app.shell import VIEWS as PAGES
from app.state import settings
from app.state.settings import (
    DEFAULT,
    FORMULA,
    KNOWN_KEYS,
    LR_MAX,
    LR_MIN,
    MAX_RACERS,
    Settings,
    fmt,
    make_racer,
    parse_named,
    share_query_string,
    to_query,
)
from optimizers import OPTIMIZERS, POLICIES
from surfaces import SURFACES
from surfaces.params import ListSpec

VIEWS = tuple(PAGES)


def from_query(query, views=("explore",)):
    """The app's reading of a link: its views and its lessons."""
    return settings.from_query(query, views, LESSONS)


def test_settings_imports_no_lesson_and_no_page():
    """The lessons build Settings, and pages read them: settings.py imports neither (the
    lessons are passed in), so there is no import cycle."""
    code = "import sys, app.state.settings; print(*sorted(m for m in sys.modules if 'app' in m))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.split() == ["app", "app.state", "app.state.settings"]


def test_a_lesson_link_needs_the_lessons_passed_in():
    scene, warnings = settings.from_query({"lesson": "momentum"})
    assert scene.lesson == "" and warnings


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
    from app.state.settings import canonical

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


@given(scenes())
def test_any_scene_round_trips_through_the_url(scene):
    assert from_query(to_query(scene)) == (scene, [])


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


# --------------------------------------------------------------------------- every key, hostile

LAB_KEYS = tuple(p.key for view in PAGES.values() for p in view.params)
URL_KEYS = tuple(sorted(KNOWN_KEYS)) + LAB_KEYS
HOSTILE = (
    "", " ", "abc", "-1", "0", "1", "2", "99999", "1e999", "-1e999", "nan", "NaN", "inf", "-inf",
    "banana", "1.5", "0x10", "1,2", "1,2,3,4", "4,3,2,1", ";", ":", "=", ",,", "gd:lr=nan",
    "adam:lr=1e9", "ravine:kappa=nan", "formula", "cosine:t_max=-1", "x" * 700, "\x00",
    "<script>alert(1)</script>", "é", "1e-400", "5000", "5001",
)  # fmt: skip
values = st.sampled_from(HOSTILE) | st.text(max_size=30)
query_values = values | st.lists(values, min_size=1, max_size=3)  # a repeated key


def _default_spelling(key: str, raw: str) -> bool:
    """`raw` means the default scene's own value for `key` (so nothing needs to be written)."""
    numeric = {"steps": DEFAULT.steps, "warmup": 0, "noise": 0.0, "seed": 0}
    if key in numeric:
        try:
            return float(raw) == numeric[key]
        except ValueError:
            return False
    spelled = {"map": {"contour"}, "view": {"explore"}, "present": {"0", "false", "no"}}
    if key in spelled:
        return raw in spelled[key]
    return key == "policy" and parse_named(raw) == ("constant", [])


def assert_valid(scene: Settings) -> None:
    assert 1 <= scene.steps <= 5000 and 0 <= scene.warmup < scene.steps
    assert 1 <= len(scene.racers) <= MAX_RACERS
    assert all(LR_MIN <= r.lr <= LR_MAX and math.isfinite(r.lr) for r in scene.racers)
    assert math.isfinite(scene.noise) and scene.noise >= 0
    assert scene.inspect is None or 0 <= scene.inspect <= scene.steps
    assert from_query(to_query(scene), VIEWS)[0] == scene


@given(st.sampled_from(URL_KEYS), query_values)
def test_every_key_alone_is_kept_or_warned_about(key, value):
    """One key at a time, any value: never raises, the scene is valid, and a value the scene
    does not show (the key is not in its link) is either named in a warning or the default's."""
    scene, warnings = from_query({key: value}, VIEWS)
    assert_valid(scene)
    raw = value if isinstance(value, str) else value[-1]
    if not warnings and key not in to_query(scene):
        assert _default_spelling(key, raw), f"{key}={raw!r} was dropped without a warning"
    named = [n for n in (key, raw.partition(":")[0].strip(), "given") if n]
    assert key == "lesson" or all(any(n in w for n in named) for w in warnings), warnings


@given(st.dictionaries(st.sampled_from(URL_KEYS) | st.text(max_size=8), query_values, max_size=8))
def test_any_mix_of_keys_never_raises(query):
    scene, warnings = from_query(query, VIEWS)
    assert_valid(scene)
    assert all(isinstance(w, str) and w for w in warnings)


@pytest.mark.parametrize("bad", ["abc", "", "-1", "99999", "1.5", "nan", ["3", "x"]])
def test_a_bad_inspect_step_warns_instead_of_raising(bad):
    """Regression: the refusal message formatted the None default (TypeError, error page)."""
    scene, warnings = from_query({"inspect": bad, "steps": "80"})
    assert scene.inspect is None and scene.steps == 80
    assert any("inspect=" in w and "no inspected step" in w for w in warnings), warnings


def test_an_inspect_step_past_the_run_shows_the_last_step_and_says_so():
    scene, warnings = from_query({"inspect": "400", "steps": "80"})
    assert scene.inspect == 80
    assert warnings == ["inspect=400 is past the last step (80); showing step 80."]


def test_the_share_link_of_an_inspected_step_reads_back():
    scene = Settings(inspect=12)
    assert to_query(scene)["inspect"] == "12" and from_query(to_query(scene)) == (scene, [])


@pytest.mark.parametrize("bad", ["banana", "2", "nan", "", "TRUE!"])
def test_garbage_in_present_warns(bad):
    scene, warnings = from_query({"present": bad, "steps": "80"})
    assert scene.present is False and scene.steps == 80
    assert any(f"present {bad!r}" in w for w in warnings), warnings


@pytest.mark.parametrize(("raw", "on"), [("1", True), ("true", True), ("yes", True), ("0", False)])
def test_present_spellings(raw, on):
    assert from_query({"present": raw}) == (Settings(present=on), [])


@pytest.mark.parametrize("bad", ["nan", "inf", "-1", "1e9", "fast", ""])
def test_a_bad_racer_rate_falls_back_to_the_scenes_rate(bad):
    """Regression: the fallback was the registry's default_lr (0.1 for gd), not the scene's 0.4."""
    scene, warnings = from_query({"opt": f"gd:lr={bad};momentum:lr={bad}"})
    assert [(r.optimizer, r.lr) for r in scene.racers] == [
        ("gd", DEFAULT.racers[0].lr),
        ("momentum", OPTIMIZERS["momentum"].default_lr),  # a racer the scene lacks: as added
    ]
    assert any("using 0.4" in w for w in warnings), warnings


def test_a_bad_rate_in_a_lesson_link_falls_back_to_the_lessons_rate():
    lesson = LESSONS["too_large"].settings  # gd 0.45 and gd 0.6
    scene, warnings = from_query({"lesson": "too_large", "opt": "gd:lr=0.1;gd:lr=nan"})
    assert [r.lr for r in scene.racers] == [0.1, lesson.racers[1].lr]
    assert any("using 0.6" in w for w in warnings), warnings


@pytest.mark.parametrize("key", ["f", "domain"])
def test_formula_keys_on_a_built_in_landscape_warn(key):
    scene, warnings = from_query({"surface": "bowl", key: "1,2,3,4"})
    assert scene.surface == "bowl" and any(f"'{key}'" in w for w in warnings)
