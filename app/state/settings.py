"""Every user choice in one frozen dataclass, validated, and its compact URL encoding.

A scene is shared as a link, so `Settings` round-trips through the query string:

    ?surface=ravine:kappa=20&start=-5,-2&opt=gd:lr=0.4;momentum:lr=0.4,momentum=0.5
     &policy=cosine&warmup=5&steps=60&noise=0.1&seed=3&present=1

Only values that differ from their defaults are written. `from_query` never raises: a bad,
hostile or unknown value becomes a warning sentence (naming the value) and the default, and
the rest of the scene is kept. Pure functions, no Streamlit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from optimizers import OPTIMIZERS, POLICIES
from surfaces import SURFACES, ParamSpec
from surfaces.params import ListSpec

FORMULA = "formula"  # the "Your formula" landscape (not in SURFACES)
DEFAULT_FORMULA = "x**2 + 3*y**2 + sin(3*x)"
DEFAULT_DOMAIN = (-3.0, 3.0, -3.0, 3.0)
DOMAIN_LIMIT = 1e4

LR_MIN, LR_MAX = 1e-4, 10.0
MAX_STEPS = 5000
MAX_RACERS = 6
MAX_NOISE = 100.0
MAX_SEED = 2**31 - 1
MAX_VALUE_CHARS = 600  # longer query values are refused before parsing
MAX_OPT_CHARS = 3000  # six racers with every hyperparameter written out
MAX_FORMULA_CHARS = 300
MAP_MODES = ("contour", "3d")

Pairs = tuple[tuple[str, Any], ...]  # (name, float), or (name, tuple of ints) for a list


@dataclass(frozen=True)
class Racer:
    """One optimizer in the race: its name, learning rate and non-default hyperparameters."""

    optimizer: str = "gd"
    lr: float = 0.4
    hyper: Pairs = ()

    def hyper_values(self) -> dict[str, float]:
        """Every hyperparameter of the optimizer, defaults filled in."""
        return full_values(OPTIMIZERS[self.optimizer].params, self.hyper)


def make_racer(optimizer: str, lr: float, **hyper: float) -> Racer:
    """A racer with its hyperparameters in canonical form (defaults dropped)."""
    return Racer(optimizer, float(lr), canonical(OPTIMIZERS[optimizer].params, hyper))


@dataclass(frozen=True)
class Settings:
    view: str = "explore"
    surface: str = "ravine"
    surface_params: Pairs = ()
    formula: str = DEFAULT_FORMULA
    domain: tuple[float, float, float, float] = DEFAULT_DOMAIN
    start: tuple[float, float] | None = None  # None: the surface's own start
    racers: tuple[Racer, ...] = (Racer(),)
    policy: str = "constant"
    policy_params: Pairs = ()
    warmup: int = 0
    steps: int = 50
    noise: float = 0.0
    seed: int = 0
    inspect: int | None = None  # step shown in the inspector; None: the last
    map: str = "contour"
    present: bool = False
    lesson: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())  # other views' keys, passed through

    def surface_values(self) -> dict[str, float]:
        if self.surface == FORMULA:
            return {}
        return full_values(SURFACES[self.surface].params, self.surface_params)

    def policy_values(self) -> dict[str, float]:
        return full_values(POLICIES[self.policy].params, self.policy_params)


DEFAULT = Settings()


# --------------------------------------------------------------------------- parameter pairs


def _clean(spec: ParamSpec | ListSpec, value: Any) -> Any:
    """A parameter's value as stored: a float, or a tuple of ints for a list parameter."""
    return spec.check(value) if isinstance(spec, ListSpec) else float(value)


def full_values(specs: Sequence[ParamSpec], pairs: Pairs) -> dict[str, Any]:
    given = dict(pairs)
    return {p.name: _clean(p, given.get(p.name, p.default)) for p in specs}


def canonical(specs: Sequence[ParamSpec], values: Mapping[str, Any]) -> Pairs:
    """Only the values that differ from their defaults, in the specs' order (a stable key)."""
    return tuple(
        (p.name, _clean(p, values[p.name]))
        for p in specs
        if p.name in values and _clean(p, values[p.name]) != _clean(p, p.default)
    )


# --------------------------------------------------------------------------- encoding


def fmt(value: float | tuple[int, ...]) -> str:
    """Shortest text that reads back to the same float ('60', '0.4', '1e-05'); a list parameter's
    tuple is its items joined by '/' ('30/60/90')."""
    if isinstance(value, tuple):
        return "/".join(fmt(v) for v in value)
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _encode_pairs(pairs: Iterable[tuple[str, float]]) -> str:
    return ",".join(f"{k}={fmt(v)}" for k, v in pairs)


def _encode_named(name: str, pairs: Iterable[tuple[str, float]]) -> str:
    body = _encode_pairs(pairs)
    return f"{name}:{body}" if body else name


def to_query(s: Settings) -> dict[str, str]:
    """The compact query dict of `s`: only values that differ from the defaults."""
    q: dict[str, str] = {}
    if s.view != DEFAULT.view:
        q["view"] = s.view
    if s.lesson:
        q["lesson"] = s.lesson
    q["surface"] = _encode_named(s.surface, s.surface_params)
    if s.surface == FORMULA:
        q["f"] = s.formula
        if s.domain != DEFAULT_DOMAIN:
            q["domain"] = ",".join(fmt(v) for v in s.domain)
    if s.start is not None:
        q["start"] = ",".join(fmt(v) for v in s.start)
    q["opt"] = ";".join(_encode_named(r.optimizer, (("lr", r.lr), *r.hyper)) for r in s.racers)
    if s.policy != DEFAULT.policy or s.policy_params:
        q["policy"] = _encode_named(s.policy, s.policy_params)
    for key in ("warmup", "steps", "noise", "seed"):
        value = getattr(s, key)
        if value != getattr(DEFAULT, key):
            q[key] = fmt(value)
    if s.inspect is not None:
        q["inspect"] = str(s.inspect)
    if s.map != DEFAULT.map:
        q["map"] = s.map
    if s.present:
        q["present"] = "1"
    q.update(s.extra)
    return q


def share_query_string(s: Settings) -> str:
    """`to_query` as a readable query string (':', ',', ';', '=' left unescaped)."""
    from urllib.parse import urlencode

    return urlencode(to_query(s), safe=":,;=*")


# --------------------------------------------------------------------------- decoding


KNOWN_KEYS = frozenset(
    {"view", "lesson", "surface", "f", "domain", "start", "opt", "policy", "warmup", "steps"}
    | {"noise", "seed", "inspect", "map", "present"}
)
EXTRA_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_EXTRA = 20


class _Reader:
    """Reads one query dict, collecting a warning for every value it has to refuse."""

    def __init__(self, query: Mapping[str, str | Sequence[str]]) -> None:
        self.query = query
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def text(self, key: str, limit: int = MAX_VALUE_CHARS) -> str | None:
        """The value of `key` (the last one if repeated), or None if absent or too long."""
        if key not in self.query:
            return None
        raw = self.query[key]
        if not isinstance(raw, str):
            values = [str(v) for v in raw]
            if not values:
                return None
            if len(set(values)) > 1:
                self.warn(f"'{key}' is given {len(values)} times; using the last one.")
            raw = values[-1]
        if len(raw) > limit:
            self.warn(f"Ignored '{key}': {len(raw)} characters is too long (limit {limit}).")
            return None
        return raw

    def number(
        self, key: str, low: float, high: float, default, integer: bool = False, fallback=""
    ):
        """The number under `key` in [low, high], else `default`; the warning says what is used
        instead (`fallback`, or the default's value)."""
        raw = self.text(key)
        if raw is None:
            return default
        try:
            return parse_number(raw, low, high, integer)
        except ValueError as err:
            self.warn(f"Ignored {key}={_show(raw)}: {err}; using {fallback or fmt(default)}.")
            return default


def _show(raw: str, limit: int = 40) -> str:
    """A short, quoted view of a refused value."""
    text = raw if len(raw) <= limit else raw[:limit] + "…"
    return repr(text)


def parse_number(raw: str, low: float, high: float, integer: bool = False) -> float:
    """`raw` as a finite number in [low, high] (whole if `integer`), else ValueError."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if not low <= value <= high:
        raise ValueError(f"must be between {fmt(low)} and {fmt(high)}")
    if integer:
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


def parse_named(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """'name:k=v,k=v' -> ('name', [('k', 'v'), …]); a malformed pair raises ValueError."""
    name, _, body = raw.partition(":")
    pairs = []
    for item in filter(None, (part.strip() for part in body.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"{_show(item)} is not name=value")
        pairs.append((key.strip(), value.strip()))
    return name.strip(), pairs


def _read_params(
    r: _Reader, where: str, specs: Sequence[ParamSpec], pairs: Iterable[tuple[str, str]]
) -> Pairs:
    """Checked values for `specs`; unknown names and bad values are warned about and dropped."""
    known = {p.name: p for p in specs}
    values: dict[str, float] = {}
    for key, raw in pairs:
        spec = known.get(key)
        if spec is None:
            r.warn(f"Ignored {_show(key)} in {where}: no such parameter.")
            continue
        try:
            values[key] = spec.check(parse_number(raw, spec.low, spec.high, spec.integer))
        except ValueError as err:
            r.warn(f"Ignored {key}={_show(raw)} in {where}: {err}; using {fmt(spec.default)}.")
    return canonical(specs, values)


def _read_named(r: _Reader, key: str, registry: Mapping, default: str, extra_names=()):
    """(name, [(k, v)…]) of 'name:k=v,…' with a registered name, else the default."""
    raw = r.text(key)
    if raw is None:
        return default, []
    try:
        name, pairs = parse_named(raw)
    except ValueError as err:
        r.warn(f"Ignored {key}={_show(raw)}: {err}; using {default}.")
        return default, []
    if name not in registry and name not in extra_names:
        r.warn(
            f"Unknown {key} {_show(name)}; choose one of "
            f"{', '.join([*registry, *extra_names])}. Using {default}."
        )
        return default, []
    return name, pairs


def _read_surface(r: _Reader) -> dict:
    name, pairs = _read_named(r, "surface", SURFACES, DEFAULT.surface, (FORMULA,))
    if name != FORMULA:
        for key in ("f", "domain"):
            if key in r.query:
                r.warn(f"Ignored '{key}': it belongs to surface=formula, not to {name}.")
        return {
            "surface": name,
            "surface_params": _read_params(r, name, SURFACES[name].params, pairs),
        }
    formula = r.text("f", MAX_FORMULA_CHARS)
    return {
        "surface": FORMULA,
        "formula": DEFAULT_FORMULA if formula is None else formula,
        "domain": _read_domain(r),
    }


def _read_domain(r: _Reader) -> tuple[float, float, float, float]:
    raw = r.text("domain")
    if raw is None:
        return DEFAULT_DOMAIN
    try:
        box = tuple(parse_number(v, -DOMAIN_LIMIT, DOMAIN_LIMIT) for v in raw.split(","))
        if len(box) != 4 or not (box[0] < box[1] and box[2] < box[3]):
            raise ValueError("must be xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax")
        return box  # type: ignore[return-value]
    except ValueError as err:
        r.warn(f"Ignored domain={_show(raw)}: {err}; using {DEFAULT_DOMAIN}.")
        return DEFAULT_DOMAIN


def _read_start(r: _Reader) -> tuple[float, float] | None:
    raw = r.text("start")
    if raw is None:
        return None
    try:
        point = tuple(parse_number(v, -DOMAIN_LIMIT, DOMAIN_LIMIT) for v in raw.split(","))
        if len(point) != 2:
            raise ValueError("must be two numbers x,y")
        return point  # type: ignore[return-value]
    except ValueError as err:
        r.warn(f"Ignored start={_show(raw)}: {err}; using the landscape's start.")
        return None


def scene_rate(base: Settings, i: int, name: str) -> float:
    """The rate racer i running `name` has in the scene `base` (the default scene or the link's
    lesson): racer i's if it runs `name`, else the first `name` racer's, else the rate the
    sidebar gives a new `name` racer (the optimizer's default)."""
    same = [r for r in base.racers if r.optimizer == name]
    if i < len(base.racers) and base.racers[i].optimizer == name:
        return base.racers[i].lr
    return same[0].lr if same else float(OPTIMIZERS[name].default_lr)


def _read_racers(r: _Reader, base: Settings) -> tuple[Racer, ...]:
    raw = r.text("opt", MAX_OPT_CHARS)
    if raw is None:
        return DEFAULT.racers
    racers: list[Racer] = []
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        if len(racers) == MAX_RACERS:
            r.warn(f"Only {MAX_RACERS} optimizers can race; ignored the rest of opt.")
            break
        try:
            name, pairs = parse_named(part)
        except ValueError as err:
            r.warn(f"Ignored optimizer {_show(part)}: {err}.")
            continue
        spec = OPTIMIZERS.get(name)
        if spec is None:
            r.warn(f"Unknown optimizer {_show(name)}; choose one of {', '.join(OPTIMIZERS)}.")
            continue
        lr, hyper_pairs = scene_rate(base, len(racers), name), []
        for key, value in pairs:
            if key != "lr":
                hyper_pairs.append((key, value))
                continue
            try:
                lr = parse_number(value, LR_MIN, LR_MAX)
            except ValueError as err:
                r.warn(f"Ignored lr={_show(value)} for {name}: {err}; using {fmt(lr)}.")
        hyper = _read_params(r, name, spec.params, hyper_pairs)
        racers.append(Racer(name, lr, hyper))
    if not racers:
        r.warn("No valid optimizer in opt; using the default.")
        return DEFAULT.racers
    return tuple(racers)


def _read_policy(r: _Reader) -> dict:
    """The policy and its parameters; a list parameter (multi-step's milestones=30/60/90) is read
    by its ListSpec, the numbers by `_read_params`."""
    name, pairs = _read_named(r, "policy", POLICIES, DEFAULT.policy)
    specs = POLICIES[name].params
    lists = {p.name: p for p in specs if isinstance(p, ListSpec)}
    numbers = [p for p in specs if p.name not in lists]
    values: dict[str, Any] = dict(
        _read_params(r, name, numbers, [(k, v) for k, v in pairs if k not in lists])
    )
    for key, raw in pairs:
        if key in lists:
            try:
                values[key] = lists[key].check(raw)
            except ValueError as err:
                r.warn(
                    f"Ignored {key}={_show(raw)} in {name}: {err}; "
                    f"using the default ({lists[key].default_text})."
                )
    return {"policy": name, "policy_params": canonical(specs, values)}


def _read_choice(r: _Reader, key: str, options: Sequence[str], default: str) -> str:
    raw = r.text(key)
    if raw is None:
        return default
    if raw not in options:
        r.warn(f"Unknown {key} {_show(raw)}; choose one of {', '.join(options)}.")
        return default
    return raw


def _read_extra(r: _Reader) -> tuple[tuple[str, str], ...]:
    extra = []
    for key in r.query:
        if key in KNOWN_KEYS or key.lower() in ("embed", "embed_options"):
            continue
        if len(extra) == MAX_EXTRA or not EXTRA_KEY.fullmatch(key):
            r.warn(f"Ignored the unknown URL key {_show(key)}.")
            continue
        value = r.text(key, 200)
        if value is not None:
            extra.append((key, value))
    return tuple(extra)


def from_query(
    query: Mapping[str, str | Sequence[str]],
    views: Sequence[str] = ("explore",),
    lessons: Mapping[str, Any] = {},
) -> tuple[Settings, list[str]]:
    """The settings a query dict describes, and one warning per refused value. Never raises.
    `views`: the view names a link may name; `lessons`: the lessons a link may name, by name
    (each with its scene, `.settings`; passed in, as settings.py imports no lesson)."""
    r = _Reader(query)
    lesson = _read_choice(r, "lesson", tuple(lessons), "") if "lesson" in query else ""
    base = lessons[lesson].settings if lesson else DEFAULT
    steps = r.number("steps", 1, MAX_STEPS, DEFAULT.steps, integer=True)
    warmup = r.number("warmup", 0, MAX_STEPS, DEFAULT.warmup, integer=True)
    if warmup >= steps:
        r.warn(
            f"Ignored warmup={warmup}: the warm-up must be shorter than the run "
            f"({steps} steps); using {steps - 1}."
        )
    settings = Settings(
        view=_read_choice(r, "view", views, DEFAULT.view),
        **_read_surface(r),
        start=_read_start(r),
        racers=_read_racers(r, base),
        **_read_policy(r),
        warmup=warmup,
        steps=steps,
        noise=r.number("noise", 0, MAX_NOISE, DEFAULT.noise),
        seed=r.number("seed", 0, MAX_SEED, DEFAULT.seed, integer=True),
        inspect=_read_inspect(r, steps),
        map=_read_choice(r, "map", MAP_MODES, DEFAULT.map),
        present=_read_choice(r, "present", PRESENT, "0") in PRESENT[:3],
        lesson=lesson,
        extra=_read_extra(r),
    )
    return clamp(_lesson_scene(settings, query, lessons)), r.warnings


PRESENT = ("1", "true", "yes", "0", "false", "no")  # on, then off


def _read_inspect(r: _Reader, steps: int) -> int | None:
    """The inspected step (None: the inspector is off); a step past the run shows its last."""
    step = r.number("inspect", 0, MAX_STEPS, None, integer=True, fallback="no inspected step")
    if step is not None and step > steps:
        r.warn(f"inspect={step} is past the last step ({steps}); showing step {steps}.")
    return step


SCENE_KEYS = KNOWN_KEYS - {"view", "lesson", "present", "inspect", "map"}


def _lesson_scene(s: Settings, query: Mapping, lessons: Mapping[str, Any]) -> Settings:
    """A link that names a lesson but no scene (`?lesson=zigzag`, typed by a teacher) opens
    the lesson's own scene; links the app writes always carry the scene, which wins."""
    if not s.lesson or SCENE_KEYS & set(query):
        return s
    return replace(
        lessons[s.lesson].settings, view=s.view, present=s.present, map=s.map, extra=s.extra
    )


def clamp(s: Settings) -> Settings:
    """Make cross-field limits hold: the warm-up is shorter than the run (a schedule needs at
    least one step after it), the inspected step never exceeds the steps."""
    inspect = None if s.inspect is None else min(s.inspect, s.steps)
    return replace(s, warmup=min(s.warmup, s.steps - 1), inspect=inspect)
