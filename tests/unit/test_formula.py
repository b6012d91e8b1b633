"""User formula surfaces: parsing, exact derivatives, compiled evaluation, minima search."""

from __future__ import annotations

import contextlib
import functools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from surfaces import make_surface
from surfaces.formula import FormulaError, make_formula_surface, parse_formula

HIMMELBLAU_MINIMA = [
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
]


def points(n: int = 40, seed: int = 0, scale: float = 2.5) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, size=(n, 2))


# --- known formulas ---------------------------------------------------------------------------


def test_quadratic_bowl_value_gradient_hessian_and_minimum():
    s = make_formula_surface("x**2 + 3*y**2")
    P = points()
    np.testing.assert_allclose(s.f(P), P[:, 0] ** 2 + 3 * P[:, 1] ** 2)
    np.testing.assert_allclose(s.grad(P), np.stack([2 * P[:, 0], 6 * P[:, 1]], -1))
    np.testing.assert_allclose(s.hess(P), np.broadcast_to(np.diag([2.0, 6.0]), (len(P), 2, 2)))
    assert len(s.minima) == 1
    np.testing.assert_allclose(s.minima[0].point, (0, 0), atol=1e-9)
    assert s.minima[0].value == pytest.approx(0, abs=1e-12)
    assert s.saddles == ()
    assert (s.name, s.title, s.formula) == ("custom", "Your formula", "x^{2} + 3 y^{2}")
    assert "x**2 + 3*y**2" in s.lesson


def test_shapes_follow_the_last_axis_convention():
    s = make_formula_surface("sin(x)*y + 2")
    for shape in [(2,), (5, 2), (3, 4, 2), (2, 3, 4, 2)]:
        Xs = np.ones(shape)
        assert s.f(Xs).shape == shape[:-1]
        assert s.grad(Xs).shape == shape
        assert s.hess(Xs).shape == (*shape, 2)
        f, g = s.f_and_grad(Xs)
        np.testing.assert_array_equal(f, s.f(Xs))
        np.testing.assert_array_equal(g, s.grad(Xs))


def test_constants_and_linear_terms_broadcast_to_fresh_arrays():
    s = make_formula_surface("3")
    P = points(7)
    np.testing.assert_array_equal(s.f(P), np.full(7, 3.0))
    np.testing.assert_array_equal(s.grad(P), np.zeros((7, 2)))
    np.testing.assert_array_equal(s.hess(P), np.zeros((7, 2, 2)))
    lin = make_formula_surface("x")
    out = lin.f(P)
    out[:] = 99.0  # must not write through to the input
    assert not (P == 99.0).any()
    np.testing.assert_array_equal(lin.grad(P), np.tile([1.0, 0.0], (7, 1)))


def test_rosenbrock_typed_in_finds_its_minimum():
    s = make_formula_surface("(1 - x)^2 + 100*(y - x^2)^2", ((-2, 2), (-1, 3)))
    assert len(s.minima) == 1
    np.testing.assert_allclose(s.minima[0].point, (1, 1), atol=1e-7)
    np.testing.assert_allclose(s.hess(np.array([1.0, 1.0])), [[802, -400], [-400, 200]])
    assert np.isfinite(s.f(np.array(s.start)))
    assert np.hypot(s.start[0] - 1, s.start[1] - 1) > 1  # an interesting run, not at the minimum


def test_himmelblau_typed_in_finds_four_minima_and_its_saddles():
    s = make_formula_surface("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5, 5), (-5, 5)))
    found = sorted(m.point for m in s.minima)
    assert len(found) == 4
    np.testing.assert_allclose(found, sorted(HIMMELBLAU_MINIMA), atol=1e-5)
    assert all(m.value == pytest.approx(0, abs=1e-10) for m in s.minima)
    assert len(s.saddles) == 4  # and the local maximum near (-0.27, -0.92) is neither
    # on the default box only (3, 2) is inside
    inner = make_formula_surface("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    assert [tuple(np.round(m.point, 6)) for m in inner.minima] == [(3.0, 2.0)]


def test_minima_are_sorted_global_first():
    s = make_formula_surface("(x^2 - 1)^2 + 0.3*x + y^2")
    values = [m.value for m in s.minima]
    assert len(values) == 2 and values == sorted(values)
    assert s.minima[0].point[0] < 0 < s.minima[1].point[0]


def test_saddle_and_no_minimum():
    s = make_formula_surface("x^2 - y^2")
    assert s.minima == () and s.global_min is None
    np.testing.assert_allclose(s.saddles, [(0, 0)], atol=1e-9)
    for text in ["x + y", "tanh(x) + y"]:
        assert make_formula_surface(text).minima == ()


def test_kinked_and_flat_bottomed_minima_are_found():
    for text, where in [("abs(x - 1) + 2*abs(y + 0.5)", (1, -0.5)), ("x^4 + y^4", (0, 0))]:
        s = make_formula_surface(text)
        assert len(s.minima) == 1
        np.testing.assert_allclose(s.minima[0].point, where, atol=1e-3)


def test_caret_typographic_and_superscript_characters_are_mapped():
    s = make_formula_surface("x² − 2·y × 3 ÷ 4 + π")
    P = points()
    np.testing.assert_allclose(s.f(P), P[:, 0] ** 2 - 1.5 * P[:, 1] + np.pi)
    assert s.formula == "x^{2} - \\frac{2 y \\cdot 3}{4} + \\pi"
    up = make_formula_surface("x²³ + y⁻¹ + x^2")  # a run of superscripts is one exponent
    np.testing.assert_allclose(up.f(P), P[:, 0] ** 23 + 1 / P[:, 1] + P[:, 0] ** 2)
    assert up.formula == "x^{23} + y^{-1} + x^{2}"
    assert parse_formula("  x\t+ 1 ").latex == "x + 1"


# What a page, a word processor or another keyboard pastes: read as the ASCII it stands for.
PASTED = [
    ("x² − y²", "x^2 - y^2"),  # U+2212 minus
    ("ｘ＾２＋（ｙ－１）＾２", "x^2+(y-1)^2"),  # full-width forms
    ("𝑥² + 𝑦²", "x^2 + y^2"),  # mathematical italic letters (pasted MathML)
    ("2 × x · y ⋅ 3 ∗ 4 ∙ 5", "2*x*y*3*4*5"),
    ("x – y — 1 ‐ 2 ﹣ 3", "x - y - 1 - 2 - 3"),  # en and em dashes, hyphen
    ("ℯ^x + ⅇ^y", "e^x + e^y"),
    ("x ∕ 2 + y ⁄ 3 ÷ 4", "x/2 + y/3/4"),
    ("x\u2009+\u202fy\u3000+\u00a01", "x + y + 1"),  # thin, narrow, ideographic, no-break
    ("\ufeffx\u200b + y\u00ad", "x + y"),  # invisible: byte-order mark, zero width, soft hyphen
    ("\n  x^2 + y^2 \r\n", "x^2 + y^2"),  # line breaks around the formula are blanks
    ("x\t+\ty", "x + y"),
]


@pytest.mark.parametrize("text, ascii_text", PASTED, ids=[a for _, a in PASTED])
def test_pasted_typography_reads_as_the_ascii_it_looks_like(text, ascii_text):
    P = points()
    pasted, typed = make_formula_surface(text), make_formula_surface(ascii_text)
    np.testing.assert_array_equal(pasted.f(P), typed.f(P))
    assert pasted.formula == typed.formula


ONE = "a formula is one expression in x and y, like x^2 + 3*y^2"
# Every refusal of look-alikes, line breaks, brackets, names used as functions and statements,
# with its exact message.
REFUSALS = [
    ("х^2 + y^2", "Cyrillic 'х' (U+0445) at column 1 looks like x: type the Latin x"),
    ("x^2 + у^2", "Cyrillic 'у' (U+0443) at column 7 looks like y: type the Latin y"),
    ("ѕin(x)", "Cyrillic 'ѕ' (U+0455) at column 1 looks like s: type the Latin s"),
    ("χ^2", "Greek 'χ' (U+03C7) at column 1 looks like x: type the Latin x"),
    ("λ*x", "Greek 'λ' (U+03BB) at column 1 is not allowed: the variables are x and y (π is pi)"),
    ("x•y", "bullet '•' (U+2022) at column 2 is not allowed: for a product type *"),
    ("xⁿ", "superscript 'ⁿ' (U+207F) at column 2 is not allowed: write powers with ^, like x^2"),
    ("x₂", "subscript '₂' (U+2082) at column 2 is not allowed: the variables are x and y"),
    ("x½", "fraction '½' (U+00BD) at column 2 is not allowed: write 1/2"),
    ("√x", "root '√' (U+221A) at column 1 is not allowed: write sqrt(...)"),
    ("x ≤ 1", "character '≤' (U+2264) at column 3 is not allowed"),
    ("x $ y", "character '$' at column 3 is not allowed"),
    ("x\n+ y", "a line break at column 2 is not allowed: type the formula on one line"),
    ("x\r\n+y", "a line break at column 2 is not allowed: type the formula on one line"),
    ("x\u2028y", "a line break at column 2 is not allowed: type the formula on one line"),
    (
        "x\u202e+1",
        "invisible character U+202E (right-to-left override) at column 2 is not allowed: delete it",
    ),
    ("x'", 'quote "\'" at column 2 is not allowed: a formula has no text'),
    ('"abc" is "d"', "quote '\"' at column 1 is not allowed: a formula has no text"),
    # brackets
    (")(", "unmatched ')' at column 1"),
    ("(x+1))", "unmatched ')' at column 6"),
    ("sin(x]", "']' at column 6 does not match '(' at column 4"),
    ("(x+1", "'(' at column 1 is never closed"),
    ("（x+1", "'（' at column 1 is never closed"),
    # a number or a variable is no function
    ("pi(x+1)", "'pi' at column 1 is a number, not a function: write pi*(x+1)"),
    ("π(x+1)", "'π' at column 1 is a number, not a function: write π*(x+1)"),
    ("e(x)", "'e' at column 1 is a number, not a function: write e*(x)"),
    ("2*x(y+1)", "'x' at column 3 is a variable, not a function: write x*(y+1)"),
    ("y (x)", "'y' at column 1 is a variable, not a function: write y*(x)"),
    # statements: only an expression of x and y
    ("import os", "'import' at column 1 is not allowed: " + ONE),
    ("x = 1", "assignment '=' at column 3 is not allowed: " + ONE + " (type what follows '=')"),
    (
        "f(x, y) = x^2",
        "assignment '=' at column 9 is not allowed: " + ONE + " (type what follows '=')",
    ),
    ("x ^= 2", "assignment '^=' at column 3 is not allowed: " + ONE + " (type what follows '=')"),
    ("(x = 1)", "assignment '=' at column 4 is not allowed: " + ONE + " (type what follows '=')"),
    ("sin(x=1)", "keyword argument 'x=' at column 5 is not allowed"),
    ("lambda: 1", "'lambda' at column 1 is not allowed: " + ONE),
    ("a; b", "';' at column 2 is not allowed: " + ONE),
    ("if x: y", "'if' at column 1 is not allowed: " + ONE),
    ("def f(): 1", "'def' at column 1 is not allowed: " + ONE),
    ("x if y else 1", "'if' at column 3 is not allowed: " + ONE),
    (
        "True",
        "'True' at column 1 is not allowed: "
        "a formula is made of numbers, x, y, pi, e and functions",
    ),
    # what makes Python's parser warn (SyntaxWarning) is refused before it runs
    ("1if x else 2", "'if' at column 2 is not allowed: " + ONE),
    (
        "1or x",
        "'or' at column 2 is not allowed: a formula has no logic (to choose, use min or max)",
    ),
    ("0x1for x", "number '0x1f' at column 1 is not allowed: use decimal numbers like 16 or 2.5e-3"),
    ("1Jisin(x)", "missing '*' between '1J' and 'isin' at column 3"),
    ("2index", "missing '*' between '2' and 'index' at column 2"),
    # a long formula is not echoed whole: an excerpt around the column, quoted pieces cut
    ("x + " * 70 + "2x", "missing '*' between '2' and 'x' at column 282 (near \"… + x + x + 2x\")"),
    ("a" * 250, "unknown name 'aaaaaaaaaaa…aaaaaaaaaaa' at column 1 (near \"aaaaaaaaaaaaa…\")"),
    (
        "1" * 299,
        'number 11111111111…11111111111 is larger than 1e+12 at column 1 (near "1111111111111…")',
    ),
    (
        "x+y+" * 30 + "sin(x]",
        "']' at column 126 does not match '(' at column 124 (near \"…+y+x+y+sin(x]\")",
    ),
    ("x" * 301, "formula longer than 300 characters (301)"),
]


@pytest.mark.parametrize("text, message", REFUSALS, ids=[repr(t)[:24] for t, _ in REFUSALS])
def test_refusals_say_exactly_what_to_change(text, message):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert str(info.value) == message
    assert len(str(info.value)) < 200  # never the whole of a long formula


def test_python_never_warns_while_a_formula_is_read():
    """ast.parse warns (SyntaxWarning 'invalid decimal literal', …) where a number runs into a
    keyword; the token check refuses that first. 20 000 random strings of formula pieces and
    Python keywords, and not one warning."""
    rng = np.random.default_rng(7)
    atoms = [*"0123456789.eEjJ_xyab()+-*/,:=<>[]{}&|^~ ", "if", "else", "or", "and", "not"]
    atoms += ["in", "is", "for", "lambda", "0x", "0o", "0b", "1e", "sin", "pi", "'", "f'"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(20_000):
            text = "".join(rng.choice(atoms, size=rng.integers(1, 9)))
            with contextlib.suppress(FormulaError):
                parse_formula(text)
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(
    "text, latex",
    [
        ("x**2 + 3*y**2", "x^{2} + 3 y^{2}"),
        ("(x+1)^2/3", "\\frac{\\left(x + 1\\right)^{2}}{3}"),
        ("x - -y", "x - \\left(-y\\right)"),
        ("-(x+y)*2", "-\\left(x + y\\right) \\cdot 2"),
        ("x^y^2", "x^{y^{2}}"),
        ("(x^y)^2", "\\left(x^{y}\\right)^{2}"),
        ("sin(x)^2 + exp(-x)", "\\left(\\sin{\\left(x \\right)}\\right)^{2} + e^{-x}"),
        ("sqrt(abs(x)) * 1e-3", "\\sqrt{\\left|x\\right|} \\cdot 1 \\cdot 10^{-3}"),
        ("max(x, y, 2.5) - pi", "\\max\\left(x, y, 2.5\\right) - \\pi"),
    ],
)
def test_latex_shows_the_formula_as_typed(text, latex):
    assert parse_formula(text).latex == latex


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sin(x) + cos(y)", lambda x, y: np.sin(x) + np.cos(y)),
        ("exp(-x^2 - y^2)", lambda x, y: np.exp(-(x**2) - y**2)),
        ("log(1 + x^2 + y^2)", lambda x, y: np.log(1 + x**2 + y**2)),
        ("sqrt(1 + x^2) * abs(y)", lambda x, y: np.sqrt(1 + x**2) * np.abs(y)),
        (
            "tan(x/4) + sinh(y) - cosh(x) * tanh(y)",
            lambda x, y: np.tan(x / 4) + np.sinh(y) - np.cosh(x) * np.tanh(y),
        ),
        (
            "max(x, y, 0.5) - min(x, -y)",
            lambda x, y: np.maximum(np.maximum(x, y), 0.5) - np.minimum(x, -y),
        ),
        ("e^x * pi", lambda x, y: np.exp(x) * np.pi),
        ("x^y", lambda x, y: np.power(x, y)),
    ],
)
def test_functions_evaluate_like_numpy(text, expected):
    P = points(50, seed=1, scale=1.5) + np.array([1.6, 0.0])  # x > 0 so x^y is real
    np.testing.assert_allclose(
        make_formula_surface(text).f(P), expected(P[:, 0], P[:, 1]), rtol=1e-12
    )


def test_derivatives_of_abs_and_max_are_subgradients():
    s = make_formula_surface("abs(x) + max(x, y)")
    np.testing.assert_allclose(
        s.grad(np.array([[2.0, 1.0], [-2.0, 1.0], [0.0, 0.0]])), [[2, 0], [-1, 1], [0.5, 0.5]]
    )
    np.testing.assert_array_equal(s.hess(np.array([[2.0, 1.0], [0.0, 0.0]])), np.zeros((2, 2, 2)))


def test_explosive_but_allowed_formulas_give_inf_or_nan_without_warnings():
    cases = [
        ("exp(100*x)", [10.0, 0.0], np.inf),
        ("1/x", [0.0, 1.0], np.inf),
        ("log(x)", [-1.0, 0.0], np.nan),
        ("sqrt(x)", [-4.0, 0.0], np.nan),
        ("exp(exp(exp(x)))", [5.0, 0.0], np.inf),
        ("x^0.5 + y", [-1.0, 0.0], np.nan),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text, point, value in cases:
            s = make_formula_surface(text)
            P = np.array([point])
            np.testing.assert_array_equal(s.f(P), [value])
            s.grad(P), s.hess(P), s.f_and_grad(P)  # no warning either
            f, g = s.f_and_grad(np.array(s.start))  # a run can start there
            assert np.isfinite(f) and np.isfinite(g).all()


@pytest.mark.parametrize("text", ["x^y", "max(exp(x*y), -exp(-x*y))", "sqrt(x) + y^2"])
def test_the_start_has_a_defined_gradient(text):
    s = make_formula_surface(text, ((-50, 50), (-50, 50)))
    f, g = s.f_and_grad(np.array(s.start))
    assert np.isfinite(f) and np.isfinite(g).all()


def test_results_are_cached_per_text_and_domain():
    a = make_formula_surface("x^2 + y^4")
    assert make_formula_surface("x^2 + y^4") is a
    assert make_formula_surface("x^2 + y^4", ((-1, 1), (-2, 2))) is not a


@pytest.mark.parametrize(
    "domain, needle",
    [
        (((1, -1), (-1, 1)), "min < max"),
        (((0, np.inf), (-1, 1)), "finite"),
        (((0, np.nan), (-1, 1)), "finite"),
        (((-1e6, 1), (-1, 1)), "within"),
        (((0, 1e-6), (-1, 1)), "wide"),
        ((1, 2), "domain must be"),
        ((("a", "b"), (0, 1)), "domain must be"),
    ],
)
def test_bad_domains_are_refused(domain, needle):
    with pytest.raises(FormulaError, match=needle):
        make_formula_surface("x^2", domain)


def test_formula_error_carries_message_and_column():
    with pytest.raises(FormulaError) as info:
        parse_formula("x + z")
    err = info.value
    assert (err.message, err.column, str(err)) == (
        "unknown name 'z'",
        5,
        "unknown name 'z' at column 5",
    )
    assert isinstance(err, ValueError)
    with pytest.raises(FormulaError) as info:
        parse_formula("x + yℵ")
    assert str(info.value) == "letter 'ℵ' (U+2135) at column 6 is not allowed"


def test_undefined_all_over_the_domain_is_refused():
    with pytest.raises(FormulaError, match="undefined or infinite everywhere in this domain"):
        make_formula_surface("log(-x^2 - 1)")
    with pytest.raises(FormulaError, match="everywhere in this domain"):
        make_formula_surface("sqrt(x)", ((-3, -1), (-1, 1)))
    assert make_formula_surface("sqrt(x)", ((-1, 1), (-1, 1))).f(np.array([0.25, 0])) == 0.5


@pytest.mark.parametrize(
    "text, message",
    [
        ("x y", "missing '*' between 'x' and 'y' at column 3"),
        ("2x", "missing '*' between '2' and 'x' at column 2"),
        ("2π", "missing '*' between '2' and 'π' at column 2"),
        ("ππ", "missing '*' between 'π' and 'π' at column 2"),
        ("x^2 (y+1)", "missing '*' between '2' and '(' at column 5"),
        ("xy", "unknown name 'xy' (did you mean 'x*y'?) at column 1"),
        ("x # + y", "comment '#' at column 3 is not allowed: it would hide the rest"),
        ("0x10", "number '0x10' at column 1 is not allowed: use decimal numbers like 16 or 2.5e-3"),
        ("1_000*x", "number '1_000' at column 1 is not allowed: write it without '_'"),
        ("sin(x,)", "a comma before ')' at column 6 is not allowed"),
        ("x +", "'+' needs something after it at column 3"),
        ("x^^2", "'^' needs something before it at column 3"),
        ("sin x", "function 'sin' needs parentheses, e.g. sin(x) at column 1"),
        ("(x+1", "'(' at column 1 is never closed"),
        # constant parts that are undefined, refused where they are written
        ("x/(y - y)", "division by zero at column 2"),
        ("sqrt(y - y - 1)", "square root of a negative number is not real at column 1"),
        ("log(x - x)", "log of a number ≤ 0 is undefined at column 1"),
    ],
)
def test_mistakes_are_named_with_their_column(text, message):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert str(info.value) == message


# --- minima: found numerically, trustworthy --------------------------------------------------


@pytest.mark.parametrize(
    "text", ["tan(x*y)", "log(x^2 + y^2)", "-1/(x^2 + y^2)", "log(abs(x)) + y^2", "1/x + y^2"]
)
def test_poles_are_not_minima(text):
    assert make_formula_surface(text).minima == ()


@pytest.mark.parametrize(
    "text, value, tol",
    [
        ("x^10 + y^10", 0.0, 1e-12),
        ("x^100 + y^100", 0.0, 1e-12),
        ("sqrt(abs(x)) + y^2", 0.0, 1e-6),
        ("abs(x)^0.1 + abs(y)", 0.0, 0.05),  # a sharp cusp: |x| = 1e-13 still gives 0.05
        ("max(abs(x), abs(y)) + 1", 1.0, 1e-12),
        ("sqrt(x^2 + y^2)", 0.0, 1e-12),
    ],
)
def test_flat_kinked_and_cusp_minima_are_found(text, value, tol):
    s = make_formula_surface(text)
    assert len(s.minima) == 1
    np.testing.assert_allclose(s.minima[0].point, (0, 0), atol=1e-3)
    assert s.minima[0].value == pytest.approx(value, abs=tol)


def test_no_minimum_on_a_plateau_or_a_valley_floor():
    for text in ["3", "x^2", "max(x^2 + y^2 - 1, 0) + 5"]:
        assert make_formula_surface(text).minima == ()


@pytest.mark.parametrize(
    "text",
    ["abs(x - 2.2*y) + 0.05*(x - 0.5)^2", "max(x - 2.2*y, 2.2*y - x) + 0.05*abs(x - 0.5)"],
)
def test_minimum_at_the_end_of_a_kinked_valley_between_the_compass_directions(text):
    # the valley floor y = x/2.2 runs at 24° (the compass probes 0°, 45°, …); minimum at x = 0.5
    s = make_formula_surface(text)
    assert len(s.minima) == 1
    np.testing.assert_allclose(s.minima[0].point, (0.5, 0.5 / 2.2), atol=1e-4)


# --- property test: random trees, rendered to text, against a direct NumPy evaluation --------

FUNCS_1 = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
}
BINOPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}

leaves = st.one_of(
    st.sampled_from([("var", "x"), ("var", "y"), ("name", "pi"), ("name", "e")]),
    st.integers(0, 5).map(lambda k: ("num", k)),
    st.sampled_from([0.5, 1.25, 2.5]).map(lambda v: ("num", v)),
)


def extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(sorted(BINOPS)), children, children).map(lambda t: ("bin", *t)),
        st.tuples(st.sampled_from(sorted(FUNCS_1)), children).map(lambda t: ("call", *t)),
        st.tuples(st.sampled_from(["max", "min"]), st.lists(children, min_size=2, max_size=4)).map(
            lambda t: ("call", t[0], *t[1])
        ),
        st.tuples(children, st.sampled_from([2, 3, -1, 0.5])).map(lambda t: ("pow", *t)),
        st.tuples(children, children).map(lambda t: ("vpow", *t)),
        children.map(lambda t: ("neg", t)),
    )


trees = st.recursive(leaves, extend, max_leaves=8)


def render(t) -> str:
    kind = t[0]
    if kind in ("var", "name"):
        return t[1]
    if kind == "num":
        return repr(t[1])
    if kind == "neg":
        return f"-({render(t[1])})"
    if kind == "bin":
        return f"({render(t[2])}) {t[1]} ({render(t[3])})"
    if kind == "pow":
        return f"({render(t[1])})^({t[2]})"
    if kind == "vpow":
        return f"({render(t[1])})^({render(t[2])})"
    return f"{t[1]}({', '.join(render(a) for a in t[2:])})"


def direct(t, x, y):
    """The tree evaluated straight with NumPy (the test's own evaluator; no eval)."""
    kind = t[0]
    if kind == "var":
        return x if t[1] == "x" else y
    if kind == "name":
        return np.full_like(x, np.pi if t[1] == "pi" else np.e)
    if kind == "num":
        return np.full_like(x, float(t[1]))
    if kind == "neg":
        return -direct(t[1], x, y)
    if kind == "bin":
        return BINOPS[t[1]](direct(t[2], x, y), direct(t[3], x, y))
    if kind == "pow":
        return np.power(direct(t[1], x, y), float(t[2]))
    if kind == "vpow":
        return np.power(direct(t[1], x, y), direct(t[2], x, y))
    if t[1] in ("max", "min"):
        fn = np.maximum if t[1] == "max" else np.minimum
        return functools.reduce(fn, [direct(a, x, y) for a in t[2:]])
    return FUNCS_1[t[1]](direct(t[2], x, y))


def surface_or_skip(text: str):
    try:
        return make_formula_surface(text)
    except FormulaError as exc:  # constant sub-trees like log(0) or (0)^(-1) are refused
        reasons = ("undefined", "division", "not real", "larger", "exponent", "nested powers")
        assert any(w in exc.message for w in reasons), exc.message
        assume(False)


def smooth_fd(fn, P, h):
    """Central differences with steps h and h/2 per coordinate, shape (N, k, 2)."""
    out = []
    for step in (h, h / 2):
        cols = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = step
            cols.append((fn(P + e) - fn(P - e)) / (2 * step))
        out.append(np.stack(cols, -1))
    return out


def assert_matches_fd(exact, fd_h, fd_h2):
    """Where the two difference quotients agree (f smooth there), the exact value matches."""
    scale = 1 + np.abs(fd_h2)
    smooth = np.isfinite(exact) & np.isfinite(fd_h) & np.isfinite(fd_h2)
    smooth &= np.abs(fd_h - fd_h2) < 1e-5 * scale
    smooth &= np.abs(fd_h2) < 1e6
    np.testing.assert_allclose(exact[smooth], fd_h2[smooth], rtol=1e-4, atol=1e-4)


PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY
@given(trees)
def test_random_formulas_value_gradient_and_hessian(tree):
    text = render(tree)
    assume(len(text) <= 300)
    s = surface_or_skip(text)
    P = points(30, seed=2, scale=2.0)
    with np.errstate(all="ignore"):
        want = direct(tree, P[:, 0], P[:, 1])
    got = s.f(P)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))  # an all-NaN f fails
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-12)

    with np.errstate(all="ignore"):
        assert_matches_fd(s.grad(P), *smooth_fd(s.f, P, 1e-4))
        H = s.hess(P)
        assert_matches_fd(H[..., 0, :], *smooth_fd(lambda Q: s.grad(Q)[..., 0], P, 1e-4))
        assert_matches_fd(H[..., 1, :], *smooth_fd(lambda Q: s.grad(Q)[..., 1], P, 1e-4))
    np.testing.assert_array_equal(H[..., 0, 1], H[..., 1, 0])


def test_cost_counts_the_work_per_point():
    """Surface.cost: (f, ∇f) per point relative to Himmelblau's; transcendental calls dominate."""
    typed_himmelblau = make_formula_surface("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    sines = make_formula_surface("*".join(f"sin({k}*x+y)" for k in range(1, 12)))
    assert 0.5 < typed_himmelblau.cost < 1.5
    assert sines.cost > 10 * typed_himmelblau.cost
    assert make_surface("himmelblau").cost == 1.0 and make_surface("rastrigin").cost > 1


@pytest.mark.parametrize("text", ["x^x - x^x", "0*log(x) + y^2", "0/sqrt(x) + y^2"])
def test_folding_never_defines_f_where_the_formula_is_not(text):
    """a − a → 0 and 0·a → 0 only for an `a` defined everywhere (Hypothesis found x^x − x^x
    folded to 0, finite at x < 0 where x^x has no value)."""
    s = make_formula_surface(text)
    with np.errstate(all="ignore"):
        f = s.f(np.array([[-0.5, 0.3], [0.5, 0.3]]))
    assert not np.isfinite(f[0]) and np.isfinite(f[1])


def test_folding_still_simplifies_what_is_defined_everywhere():
    s = make_formula_surface("x^2 - x^2 + 0*sin(x) + y^2")
    assert s.f(np.array([[-3.0, 2.0]]))[0] == 4.0
