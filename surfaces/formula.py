"""User-typed formula surfaces f(x, y): safe by construction, with exact derivatives.

The text is never evaluated, and no computer-algebra system sees it. Pipeline:

1. characters: at most 300, printable ASCII plus what pages and word processors paste, read as
   the ASCII it stands for (``^`` → ``**``, minus sign and dashes ``− – —`` → ``-``,
   ``× · ⋅ ∗ ∙`` → ``*``, ``÷ ∕ ⁄`` → ``/``, ``π`` → ``pi``, any Unicode space → space;
   full-width forms ``ｘ１（``, mathematical letters ``𝑥`` and ``ℯ`` by their NFKC mapping;
   zero-width characters dropped; line breaks before or after the formula are blanks); a run
   of superscript digits is a power (``x²³`` is x^23, ``x⁻¹`` is x^-1). Anything else is
   refused with its column and code point, saying what to type where we can: Cyrillic and Greek
   look-alikes ("Cyrillic 'х' (U+0445) … looks like x: type the Latin x"), a line break inside
   the formula, invisible and direction characters, ``#`` (a comment would silently drop the
   rest), ``;``, quotes (a formula has no text), ``$ ? !``, backquote and backslash.
2. brackets: an unmatched or mismatched one is named with its column. Then tokens
   (``tokenize``): refused where Python would read something else than a formula means:
   a missing ``*`` (``2x``, ``x y``, ``2π``, ``ππ``, ``(x)(y)`` — "missing '*' between '2' and
   'x' at column 2"), a number or a variable called like a function (``pi(x+1)``: "write
   pi*(x+1)"), every Python keyword and assignment (``import os``, ``x = 1``: a formula is one
   expression), Python-only numbers (``0x10``, ``0o7``, ``0b11``, ``1_000``, ``01``,
   ``1.5.5``), a trailing comma (``sin(x,)``), an operator without an operand (``x +``,
   ``x^^2``) and a function name without parentheses (``sin x``). Run before Python parses
   the text, this also keeps the parser quiet: the only warnings ``ast.parse`` gives in 3.11
   (fuzzed: 200 000 strings) are SyntaxWarnings "invalid decimal (hex, octal, binary,
   imaginary) literal", for a number that runs into a keyword (``1if``, ``1or``), refused
   here first ("'if' at column 2 …"); "is" with a literal and the like come from the compiler,
   which never sees the text. We do not catch them with ``warnings.catch_warnings``: it swaps
   process-wide state, which is not thread-safe, and every Streamlit session is a thread.
3. ``ast.parse(mode="eval")`` and a whitelist walk: numbers (int/float), the names x, y, pi, e,
   ``+ - * / **`` (and unary ``+ -``), and calls of sin, cos, tan, exp, log, sqrt, abs, sinh,
   cosh, tanh (one argument) and min, max (2 to 10 arguments). Caps: 200 expression nodes,
   nesting depth 30 (a chain of ``+``/``-`` or ``*``/``/`` counts as one level), constants
   within ±1e12, constant exponents within ±100, nested constant exponents whose product
   exceeds 100, constant sub-expressions that are undefined or out of range (``9**9**9``,
   ``log(x - x)``, ``x/(y - y)``). Every refusal is a :class:`FormulaError` naming the problem
   and its column; it quotes at most 24 characters of the formula, and shows a formula over 40
   characters only as an excerpt around that column.
4. The walk builds a small hash-consed expression graph (constants folded as it goes), which we
   differentiate ourselves and compile to NumPy (a list of ufunc calls: no exec, no lambdify),
   and the LaTeX of the formula as typed.

Why no SymPy: it simplifies as it builds. ``Min``/``Max`` compare their arguments pairwise
(``min(x^2, x^3, …, x^59)``, 286 characters, took 93 s), powers of products are merged, and
``sympy.diff`` of a product of n factors has O(n³) size (a product of 33 sines took 18 s). Our
graph keeps binary operations and shares sub-expressions, so every step is linear in the size
of the formula: the slowest accepted formula we found builds in well under a second
(bench/formula.py).

min/max: the derivative of max(a, b) is a'·[a > b] + b'·[b > a] with weight ½ each at a tie (a
valid subgradient); its second derivative ignores the kink (zero almost everywhere). abs
likewise: d|u| = sign(u)·u'. Results may be inf/nan (the simulator treats them as divergence);
evaluation never warns.
"""

from __future__ import annotations

import ast
import functools
import io
import keyword
import math
import tokenize
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .base import Array, Box, Surface
from .critical import find_critical_points

MAX_LENGTH = 300
MAX_NODES = 200
MAX_DEPTH = 30
MAX_ARGS = 10  # of min/max
MAX_CONSTANT = 1e12
MAX_EXPONENT = 100
DEFAULT_DOMAIN: Box = ((-3.0, 3.0), (-3.0, 3.0))
MAX_DOMAIN_COORD = 1e4

FUNCTIONS_1 = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sinh", "cosh", "tanh")
FUNCTIONS_N = ("min", "max")
NAMES = ("x", "y", "pi", "e")
FORMULA_HELP = (
    "Use x and y, numbers, + - * / ^ (or **), parentheses, pi, e and "
    + ", ".join(FUNCTIONS_1 + FUNCTIONS_N)
    + f". Write * for every product (2*x, not 2x). At most {MAX_LENGTH} characters."
)

ONE_EXPRESSION = "a formula is one expression in x and y, like x^2 + 3*y^2"
EXCERPT_FROM = 40  # a message about a longer formula shows an excerpt around the column
EXCERPT_SIDE = 12  # characters of it on each side of the column
QUOTE_MAX = 24  # a quoted piece of the formula (a name, a number) longer than this is cut

# Characters accepted as the ASCII they stand for (what a page or a word processor pastes); any
# Unicode space is a space; full-width forms (ｘ, １, （), mathematical letters and digits (𝑥, 𝟐)
# and the script e (ℯ, ⅇ) are read as their ASCII look-alike (NFKC); zero-width characters
# and the soft hyphen are dropped (they are invisible, so the formula reads as it looks).
_MINUS = "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63"  # − ‐ ‑ ‒ – — ﹣
_TIMES = "\u00d7\u00b7\u22c5\u2217\u2219"  # × · ⋅ ∗ ∙
_DIVIDE = "\u00f7\u2215\u2044"  # ÷ ∕ ⁄
_REPLACEMENTS = {
    "^": "**",
    "π": " pi ",  # spaces keep 'ππ' or '2π' two tokens (then: missing '*')
    "\t": " ",
    **dict.fromkeys(_MINUS, "-"),
    **dict.fromkeys(_TIMES, "*"),
    **dict.fromkeys(_DIVIDE, "/"),
}
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # outside the formula: blanks
# Cyrillic and Greek letters that look like Latin ones (not α, ν, ρ…: typed on purpose, they
# mean themselves): refused, naming the Latin letter to type.
_LOOKALIKES = dict(
    zip(
        "аеорсухіјѕһԁԛԝАВЕКМНОРСТХУІЈЅοχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeopcyxijshdqwABEKMHOPCTXYIJSoxABEZHIKMNOPTYX",
        strict=True,
    )
)
_REFUSED_ASCII = {
    "#": "comment '#' is not allowed: it would hide the rest",
    ";": f"';' is not allowed: {ONE_EXPRESSION}",
    "\\": "backslash '\\' is not allowed",
    "'": 'quote "\'" is not allowed: a formula has no text',
    '"': "quote '\"' is not allowed: a formula has no text",
    **dict.fromkeys("$?!`"),  # refused as a character
}
_VERBS = (  # where " at column N" goes in a message: before the first of these, else at the end
    " is not allowed",
    " looks like ",
    " is never closed",
    " does not match ",
    " is a number, ",
    " is a variable, ",
)


class FormulaError(ValueError):
    """A formula was refused. ``message`` says why, ``column`` (1-based) where, if known; the
    text (str) also shows an excerpt around the column when the formula is long."""

    def __init__(self, message: str, column: int | None = None, text: str | None = None):
        self.message = message
        self.column = column
        super().__init__(_place_column(message, column) + _near(text, column))


def _place_column(message: str, column: int | None) -> str:
    """'lambda is not allowed' + 3 -> 'lambda at column 3 is not allowed'; else append."""
    if column is None:
        return message
    cuts = [i for i in (message.find(v) for v in _VERBS) if i > 0]
    if cuts:
        return f"{message[: min(cuts)]} at column {column}{message[min(cuts) :]}"
    return f"{message} at column {column}"


def _near(text: str | None, column: int | None) -> str:
    """' (near "…2*x + 3y + sin…")': the formula around `column`, if it is long."""
    if text is None or column is None or len(text) <= EXCERPT_FROM:
        return ""
    lo, hi = max(column - 1 - EXCERPT_SIDE, 0), min(column + EXCERPT_SIDE, len(text))
    shown = "".join(ch if ch.isprintable() else " " for ch in text[lo:hi])
    return f' (near "{"…" * (lo > 0)}{shown}{"…" * (hi < len(text))}")'


def _clip(piece: str) -> str:
    """A piece of the formula to quote in a message: cut in the middle if long."""
    if len(piece) <= QUOTE_MAX:
        return piece
    half = QUOTE_MAX // 2 - 1
    return f"{piece[:half]}…{piece[-half:]}"


# ---------------------------------------------------------------------------------------------
# Characters and tokens


def _char_refusal(ch: str) -> str:
    """Why `ch` is refused, naming it with its code point and, if we can, what to type."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    visible = ch.isprintable() and not unicodedata.category(ch).startswith(("C", "Z"))
    if ch in _LINE_BREAKS:
        return "a line break is not allowed: type the formula on one line"
    if not visible:
        what = name.lower() or "control character"
        return f"invisible character {code} ({what}) is not allowed: delete it"
    if ch in _LOOKALIKES:
        latin = _LOOKALIKES[ch]
        return (
            f"{name.split()[0].title()} '{ch}' ({code}) looks like {latin}: type the Latin {latin}"
        )
    hints = {
        "SUPERSCRIPT": ("superscript", "write powers with ^, like x^2"),
        "MODIFIER LETTER": ("superscript", "write powers with ^, like x^2"),
        "SUBSCRIPT": ("subscript", "the variables are x and y"),
        "GREEK": ("Greek", "the variables are x and y (π is pi)"),
        "VULGAR FRACTION": (
            "fraction",
            "write " + unicodedata.normalize("NFKC", ch).replace("⁄", "/"),
        ),
        "BULLET": ("bullet", "for a product type *"),
        "SQUARE ROOT": ("root", "write sqrt(...)"),
    }
    for key, (kind, hint) in hints.items():
        if key in name:
            return f"{kind} '{ch}' ({code}) is not allowed: {hint}"
    kind = "letter" if unicodedata.category(ch).startswith("L") else "character"
    return f"{kind} '{ch}'{f' ({code})' * (ord(ch) > 127)} is not allowed"


def _compatible(ch: str) -> str:
    """The ASCII character a full-width form, a mathematical letter or digit, or a script e
    stands for (Unicode's compatibility mapping, NFKC); else `ch` itself."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E or 0x1D400 <= code <= 0x1D7FF or ch in "ℯⅇ":
        ascii_ch = unicodedata.normalize("NFKC", ch)
        if len(ascii_ch) == 1 and " " < ascii_ch <= "~":
            return ascii_ch
    return ch


def _ascii(ch: str, prev: str, inside: bool) -> str | None:
    """What `ch` reads as (ASCII, maybe empty), or None if refused; `prev`: the character
    before it; `inside`: whether it lies between the formula's first and last visible ones."""
    if ch in _SUPERSCRIPTS:
        return ("" if prev in _SUPERSCRIPTS else "**") + _SUPERSCRIPTS[ch]
    if ch in _INVISIBLE:
        return ""
    if ch in _LINE_BREAKS:
        return None if inside else " "
    if unicodedata.category(ch) == "Zs":
        return " "
    rep = _REPLACEMENTS.get(_compatible(ch), _compatible(ch))
    return rep if all(" " <= c <= "~" for c in rep) else None


def _normalise(text: str) -> tuple[str, list[int]]:
    """ASCII text and, per character of it, the 0-based column in `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    first, end = len(text) - len(text.lstrip()), len(text.rstrip())
    for i, ch in enumerate(text):
        rep = _ascii(ch, text[i - 1] if i else "", first <= i < end)
        if rep is None or (rep in _REFUSED_ASCII and _REFUSED_ASCII[rep] is None):
            raise FormulaError(_char_refusal(ch), i + 1, text)
        if rep in _REFUSED_ASCII:
            raise FormulaError(_REFUSED_ASCII[rep], i + 1, text)  # type: ignore[arg-type]
        out.append(rep)
        origin.extend([i] * len(rep))
    origin.append(len(text))  # one past the end (syntax errors at end of input)
    return "".join(out), origin


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    """Python's tokens of `text` up to the first tokenizer error (brackets: ast reports)."""
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}
    out: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in skip and tok.string.strip():
                out.append(tok)
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def _ends_operand(tok: tokenize.TokenInfo | None) -> bool:
    if tok is None:
        return False
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) and tok.string not in FUNCTIONS_1 + FUNCTIONS_N
    return tok.type == tokenize.NUMBER or tok.string == ")"


def _starts_operand(tok: tokenize.TokenInfo | None, prev: tokenize.TokenInfo) -> bool:
    if tok is None:
        return False
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string)
    if tok.string == "(":  # a call of an unknown function is reported by the tree walk
        return prev.type != tokenize.NAME or prev.string in NAMES
    return tok.type == tokenize.NUMBER


_NEEDS_LEFT = ("*", "/", "**", "//", "%", "@")  # binary-only operators
_NEEDS_RIGHT = (*_NEEDS_LEFT, "+", "-")


_ASSIGNMENTS = ("=", ":=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=")
_ASSIGNMENTS += (">>=", "<<=")


def _token_problem(tok: tokenize.TokenInfo, in_call: bool) -> str | None:
    """Why a token has no place in a formula (a Python-only number, a keyword, an assignment),
    or None; '{typed}' in the message stands for what the user typed. `in_call`: directly in
    a call's parentheses, where '=' is a keyword argument (the tree walk names it)."""
    s = tok.string
    if tok.type == tokenize.NAME and keyword.iskeyword(s):
        if s in ("True", "False", "None"):
            return f"'{s}' is not allowed: a formula is made of numbers, x, y, pi, e and functions"
        if s in ("and", "or", "not", "is", "in"):
            return f"'{s}' is not allowed: a formula has no logic (to choose, use min or max)"
        return f"'{s}' is not allowed: {ONE_EXPRESSION}"
    if tok.type == tokenize.OP and s in _ASSIGNMENTS and not (in_call and s == "="):
        return f"assignment '{{typed}}' is not allowed: {ONE_EXPRESSION} (type what follows '=')"
    if tok.type != tokenize.NUMBER:
        return None
    if s[:2].lower() in ("0x", "0o", "0b"):
        return "number '{typed}' is not allowed: use decimal numbers like 16 or 2.5e-3"
    if "_" in s:
        return "number '{typed}' is not allowed: write it without '_'"
    if len(s) > 1 and s.isdigit() and s[0] == "0":
        return "number '{typed}' is not allowed: write it without leading zeros"
    return None


def _nesting(tok: tokenize.TokenInfo) -> int:
    """+1 for an opening bracket, -1 for a closing one, else 0."""
    return (tok.string in ("(", "[", "{")) - (tok.string in (")", "]", "}"))


def _closing(toks: list[tokenize.TokenInfo], k: int) -> tokenize.TokenInfo:
    """The token that closes the bracket toks[k] (brackets are checked to match)."""
    depth = 0
    for tok in toks[k:]:
        depth += _nesting(tok)
        if depth == 0:
            return tok
    return toks[-1]


def _split_names(name: str) -> list[str] | None:
    """`name` as two or more of NAMES run together ('xy' -> ['x', 'y']), or None."""
    if name in NAMES or not name:
        return [name] if name else []
    for known in NAMES:
        if name.startswith(known):
            rest = _split_names(name[len(known) :])
            if rest is not None:
                return [known, *rest]
    return None


# ---------------------------------------------------------------------------------------------
# Expression graph: hash-consed nodes, our own derivatives, compiled to NumPy calls


def _step(u: Array) -> Array:
    return np.heaviside(u, 0.5)


_UFUNCS: dict[str, Callable[..., Array]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
    "neg": np.negative,
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
    "sign": np.sign,
    "step": _step,
    "max": np.maximum,
    "min": np.minimum,
}


# Time of each operation on 10 000 float64 values, in multiplications (6.4 µs), measured with
# NumPy 2.4 on x86-64: sin/cos run 13–22 (they reduce their argument), any power but a square ~6.
_OP_WORK = {
    "const": 0.0,
    "var": 0.0,
    "square": 1.5,
    "pow": 6.0,
    "sqrt": 1.5,
    "exp": 2.0,
    "log": 2.0,
    "sin": 15.0,
    "cos": 15.0,
    "tan": 4.0,
    "sinh": 3.0,
    "cosh": 3.0,
    "tanh": 3.0,
    "sign": 2.5,
    "step": 5.0,
}
REFERENCE_WORK = 25.0
"""(f, ∇f) of the built-in Himmelblau, in the same units: what `Surface.cost` = 1 means."""


_DEFINED_OPS = frozenset(
    {"add", "sub", "mul", "neg", "sin", "cos", "tanh", "abs", "sign", "step", "min", "max"}
)


class _Graph:
    """Expression DAG. A node is (op, args): args are node ids, or (value,) for "const" and
    (index,) for "var" (0 = x, 1 = y). Identical nodes share one id."""

    def __init__(self) -> None:
        self.nodes: list[tuple[str, tuple]] = []
        self._ids: dict[tuple[str, tuple], int] = {}
        self._diffs: dict[tuple[int, int], int] = {}
        self.zero, self.one = self.const(0.0), self.const(1.0)

    def _intern(self, op: str, args: tuple) -> int:
        key = (op, args)
        if key not in self._ids:
            self._ids[key] = len(self.nodes)
            self.nodes.append(key)
        return self._ids[key]

    def const(self, value: float) -> int:
        return self._intern("const", (float(value),))

    def var(self, index: int) -> int:
        return self._intern("var", (index,))

    def defined_everywhere(self, node: int) -> bool:
        """True if `node` has a value at every finite (x, y): built from x, y and finite
        constants by + − ×, sin, cos, tanh, abs, sign, step, min, max and whole powers ≥ 0.
        Only such a node may be folded away (a − a → 0, 0·a → 0): folding x^x − x^x to 0 would
        define f where the typed formula is not (x < 0)."""
        op, args = self.nodes[node]
        if op == "const":
            return bool(np.isfinite(args[0]))
        if op == "var":
            return True
        if op == "pow":
            k = self.value(args[1])
            whole = k is not None and k >= 0 and float(k).is_integer()
            return whole and self.defined_everywhere(args[0])
        return op in _DEFINED_OPS and all(self.defined_everywhere(a) for a in args)

    def value(self, node: int) -> float | None:
        op, args = self.nodes[node]
        return args[0] if op == "const" else None

    def op(self, name: str, *args: int) -> int:
        """Node `name(args)`, folding constants and the identities of 0 and 1."""
        vals = [self.value(a) for a in args]
        if all(v is not None for v in vals):
            with np.errstate(all="ignore"):
                return self.const(_UFUNCS[name](*(np.float64(v) for v in vals)))
        folded = self._fold(name, args, vals)
        if folded is not None:
            return folded
        if name in ("add", "mul", "max", "min"):
            args = tuple(sorted(args))
        return self._intern(name, args)

    def _fold(self, name: str, args: tuple[int, ...], vals: list) -> int | None:
        """The identities of 0 and 1 (and a - a, --a), or None."""
        a, va = args[0], vals[0]
        b, vb = (args[1], vals[1]) if len(args) > 1 else (None, None)
        if name == "neg" and self.nodes[a][0] == "neg":
            return self.nodes[a][1][0]
        if name in ("add", "sub") and vb == 0:
            return a
        if name == "add" and va == 0:
            return b
        if name == "sub":
            if a == b:
                return self.zero if self.defined_everywhere(a) else None
            return self.op("neg", b) if va == 0 else None
        if name == "mul":
            if va == 0 or vb == 0:
                return self.zero if self.defined_everywhere(b if va == 0 else a) else None
            for one, other in ((va, b), (vb, a)):
                if one in (1, -1):
                    return other if one == 1 else self.op("neg", other)
        if name == "div":
            if vb == 1:
                return a
            return self.zero if va == 0 and self.defined_everywhere(b) else None
        if name == "pow":
            return a if vb == 1 else self.one if vb == 0 else None
        return None

    def diff(self, node: int, var: int) -> int:
        """The derivative of `node` with respect to variable `var` (memoized)."""
        key = (node, var)
        if key not in self._diffs:
            self._diffs[key] = self._diff(node, var)
        return self._diffs[key]

    def _diff(self, n: int, var: int) -> int:
        op, args = self.nodes[n]
        if op == "const":
            return self.zero
        if op == "var":
            return self.one if args[0] == var else self.zero
        o = self.op
        d = [self.diff(a, var) for a in args]
        u = args[0]
        if op in ("add", "sub"):
            return o(op, d[0], d[1])
        if op == "neg":
            return o("neg", d[0])
        if op == "mul":
            return o("add", o("mul", d[0], args[1]), o("mul", u, d[1]))
        if op == "div":  # (u' - (u/v) v') / v
            return o("div", o("sub", d[0], o("mul", n, d[1])), args[1])
        if op == "pow":
            return self._diff_pow(n, u, args[1], d[0], d[1])
        if op in ("max", "min"):
            lo_hi = (u, args[1]) if op == "max" else (args[1], u)
            w = o("step", o("sub", *lo_hi))
            return o("add", o("mul", w, d[0]), o("mul", o("sub", self.one, w), d[1]))
        outer = {
            "sin": lambda: o("cos", u),
            "cos": lambda: o("neg", o("sin", u)),
            "tan": lambda: o("add", self.one, o("mul", n, n)),
            "exp": lambda: n,
            "log": lambda: o("div", self.one, u),
            "sqrt": lambda: o("div", self.const(0.5), n),
            "abs": lambda: o("sign", u),
            "sinh": lambda: o("cosh", u),
            "cosh": lambda: o("sinh", u),
            "tanh": lambda: o("sub", self.one, o("mul", n, n)),
            "sign": lambda: self.zero,
            "step": lambda: self.zero,
        }[op]
        return o("mul", outer(), d[0]) if d[0] != self.zero else self.zero

    def _diff_pow(self, n: int, base: int, expo: int, dbase: int, dexpo: int) -> int:
        """d(b^p) = p b^(p-1) b' + b^p log(b) p' (each term only when it is not zero)."""
        o = self.op
        terms = []
        if dbase != self.zero:
            lowered = o("pow", base, o("sub", expo, self.one))
            terms.append(o("mul", o("mul", expo, lowered), dbase))
        if dexpo != self.zero:
            terms.append(o("mul", o("mul", n, o("log", base)), dexpo))
        return functools.reduce(lambda p, q: o("add", p, q), terms, self.zero)

    def _needed(self, outputs: tuple[int, ...]) -> list[int]:
        """The nodes the outputs depend on, in evaluation order."""
        needed: set[int] = set()
        stack = list(outputs)
        while stack:
            i = stack.pop()
            if i not in needed:
                needed.add(i)
                op, args = self.nodes[i]
                if op not in ("const", "var"):
                    stack.extend(args)
        return sorted(needed)

    def cost(self, outputs: tuple[int, ...]) -> int:
        """Number of array operations to evaluate the outputs."""
        return sum(self.nodes[i][0] not in ("const", "var") for i in self._needed(outputs))

    def work(self, outputs: tuple[int, ...]) -> float:
        """Time to evaluate the outputs, in multiplications (`_OP_WORK`)."""
        return sum(self._op_work(i) for i in self._needed(outputs))

    def _op_work(self, i: int) -> float:
        op, args = self.nodes[i]
        if op == "pow" and self.nodes[args[1]] == ("const", (2.0,)):
            return _OP_WORK["square"]
        return _OP_WORK.get(op, 1.0)

    def compile(self, outputs: tuple[int, ...]) -> Callable[[Array, Array], list]:
        """A function (x, y) -> [value of each output], each node computed once."""
        order = self._needed(outputs)
        slot = {i: k for k, i in enumerate(order)}
        init: list = [None] * len(order)
        program = []
        for i in order:
            op, args = self.nodes[i]
            if op == "const":
                init[slot[i]] = np.float64(args[0])
            elif op != "var":
                program.append((slot[i], _UFUNCS[op], tuple(slot[a] for a in args)))
        var_slots = [(slot[i], self.nodes[i][1][0]) for i in order if self.nodes[i][0] == "var"]
        out_slots = [slot[i] for i in outputs]

        def run(x: Array, y: Array) -> list:
            vals = list(init)
            for s, index in var_slots:
                vals[s] = (x, y)[index]
            for s, fn, arg_slots in program:
                vals[s] = fn(*[vals[a] for a in arg_slots])
            return [vals[s] for s in out_slots]

        return run


# ---------------------------------------------------------------------------------------------
# Checked AST -> (graph node, LaTeX)

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_BAD_BINOPS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}
_CHAINS = ({ast.Add, ast.Sub}, {ast.Mult, ast.Div})

_CONSTRUCTS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing '[...]'",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension '[... for ...]'",
    ast.SetComp: "comprehension '{... for ...}'",
    ast.DictComp: "comprehension '{...: ... for ...}'",
    ast.GeneratorExp: "comprehension '(... for ...)'",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional 'if ... else'",
    ast.Starred: "starred argument '*'",
    ast.NamedExpr: "assignment ':='",
    ast.List: "list '[...]'",
    ast.Tuple: "tuple (comma or '()')",
    ast.Set: "set '{...}'",
    ast.Dict: "dict '{...}'",
    ast.Await: "'await'",
    ast.Slice: "slice ':'",
}

# LaTeX: precedence of a printed term (an operand of lower precedence gets parentheses)
_ADD, _NEG, _MUL, _POW, _CALL, _ATOM = range(6)


def _math(name: str, *vals: float) -> float:
    """`name` applied to constants in real floats; ArithmeticError (the message) if undefined."""
    a = vals[0]
    b = vals[1] if len(vals) > 1 else 0.0
    if name == "div" and b == 0:
        raise ArithmeticError("division by zero")
    if name == "pow":
        if a == 0 and b < 0:
            raise ArithmeticError("division by zero (0 to a negative power)")
        if a < 0 and b != int(b):
            raise ArithmeticError("a negative number to a fractional power is not real")
    if name == "log" and a <= 0:
        raise ArithmeticError("log of a number ≤ 0 is undefined")
    if name == "sqrt" and a < 0:
        raise ArithmeticError("square root of a negative number is not real")
    table: dict[str, Callable[..., float]] = {
        "add": lambda p, q: p + q,
        "sub": lambda p, q: p - q,
        "mul": lambda p, q: p * q,
        "div": lambda p, q: p / q,
        "pow": lambda p, q: p**q,
        "neg": lambda p: -p,
        "abs": abs,
        "min": min,
        "max": max,
        **{f: getattr(math, f) for f in ("sin", "cos", "tan", "exp", "log", "sqrt")},
        **{f: getattr(math, f) for f in ("sinh", "cosh", "tanh")},
    }
    try:
        result = float(table[name](*vals))
    except OverflowError:
        result = math.inf
    if not abs(result) <= MAX_CONSTANT:
        raise ArithmeticError(f"a constant larger than {MAX_CONSTANT:.0e} is not allowed")
    return result


def _tex_number(literal: str) -> str:
    """'2.5' -> '2.5', '1e-3' -> '1 \\cdot 10^{-3}' (the number as typed)."""
    mantissa, _, exponent = literal.lower().partition("e")
    if not exponent:
        return literal
    return f"{mantissa} \\cdot 10^{{{int(exponent)}}}"


def _paren(tex: str, prec: int, least: int) -> str:
    return tex if prec >= least else f"\\left({tex}\\right)"


def _tex_binop(name: str, a: _Term, b: _Term) -> tuple[str, int]:
    """LaTeX and precedence of `a name b`."""
    if name in ("add", "sub"):
        sign = "+" if name == "add" else "-"
        return f"{a.tex} {sign} {_paren(b.tex, b.prec, _MUL)}", _ADD
    if name == "mul":
        right = _paren(b.tex, b.prec, _MUL)
        dot = " \\cdot " if right[:1].isdigit() or right.startswith(("\\frac", ".")) else " "
        return f"{_paren(a.tex, a.prec, _NEG)}{dot}{right}", _MUL
    if name == "div":
        return f"\\frac{{{a.tex}}}{{{b.tex}}}", _MUL
    return f"{_paren(a.tex, a.prec, _ATOM)}^{{{b.tex}}}", _POW


def _tex_call(name: str, args: list[_Term]) -> tuple[str, int]:
    """LaTeX and precedence of `name(args)`."""
    inner = ", ".join(t.tex for t in args)
    if name in FUNCTIONS_N:
        return f"\\{name}\\left({inner}\\right)", _CALL
    special = {
        "exp": (f"e^{{{inner}}}", _POW),
        "sqrt": (f"\\sqrt{{{inner}}}", _ATOM),
        "abs": (f"\\left|{inner}\\right|", _ATOM),
    }
    if name in special:
        return special[name]
    return f"\\{name}{{\\left({inner} \\right)}}", _CALL


@dataclass(frozen=True)
class _Term:
    """A checked sub-expression: its graph node, the product of the constant exponents it is
    nested in (its 'power scale'), and its LaTeX with that LaTeX's precedence."""

    node: int
    scale: float
    tex: str
    prec: int


class _Builder:
    """Walks a parsed formula, refusing anything outside the whitelist."""

    def __init__(self, original: str, text: str, origin: list[int]):
        self.original = original
        self.text = text
        self.origin = origin
        self.graph = _Graph()

    def column(self, offset: int) -> int:
        return self.origin[min(offset, len(self.origin) - 1)] + 1

    def refuse(self, message: str, offset: int) -> FormulaError:
        return FormulaError(message, self.column(offset), self.original)

    def after(self, offset: int) -> int:
        """Offset of the first non-blank character at or after `offset`."""
        while offset < len(self.text) and self.text[offset] in " \t":
            offset += 1
        return offset

    def typed(self, tok: tokenize.TokenInfo, until: tokenize.TokenInfo | None = None) -> str:
        """What the user typed for a token, or from it to `until` (e.g. 'π' for pi, '^' for
        **), cut in the middle if long."""
        start = self.origin[tok.start[1]]
        last = until or tok
        end = self.origin[max(last.end[1] - 1, last.start[1])] + 1
        return _clip(self.original[start:end])

    def check_brackets(self) -> None:
        """Refuse a bracket without its partner, naming it and its column."""
        opened: list[int] = []
        for i, ch in enumerate(self.text):
            if ch in "([{":
                opened.append(i)
            elif ch in ")]}":
                typed = self.original[self.origin[i]]
                if not opened:
                    raise self.refuse(f"unmatched '{typed}'", i)
                j = opened.pop()
                if "([{".index(self.text[j]) != ")]}".index(ch):
                    partner = self.original[self.origin[j]]
                    raise self.refuse(
                        f"'{typed}' does not match '{partner}' at column {self.column(j)}", i
                    )
        if opened:
            raise self.refuse(
                f"'{self.original[self.origin[opened[-1]]]}' is never closed", opened[-1]
            )

    def check_tokens(self) -> None:
        """Refuse token sequences that Python reads differently from a formula (module doc).
        Run before Python parses the text: then the parser has nothing to warn about."""
        toks = _tokens(self.text)
        calls: list[bool] = []  # per open bracket: whether it is a call's
        for k, (prev, tok) in enumerate(zip([None, *toks], [*toks, None], strict=True)):
            at = tok.start[1] if tok else len(self.text)
            if tok is not None:
                if _nesting(tok) > 0:
                    calls.append(prev is not None and prev.type == tokenize.NAME)
                elif _nesting(tok) < 0 and calls:
                    calls.pop()
                problem = _token_problem(tok, bool(calls) and calls[-1])
                if problem:
                    raise self.refuse(problem.replace("{typed}", self.typed(tok)), at)
            if prev is None:
                if tok is not None and tok.string in _NEEDS_LEFT:
                    raise self.refuse(f"'{self.typed(tok)}' needs something before it", at)
                continue
            p = self.typed(prev)
            numbers = (
                prev.type == tokenize.NUMBER and tok is not None and tok.type == tokenize.NUMBER
            )
            if numbers and prev.end == tok.start:
                raise self.refuse(f"number '{p}{self.typed(tok)}' is malformed", prev.start[1])
            if prev.string in NAMES and tok is not None and tok.string == "(":
                what = "a variable" if prev.string in ("x", "y") else "a number"
                args = self.typed(tok, _closing(toks, k))
                message = f"'{p}' is {what}, not a function: write {p}*{args}"
                raise self.refuse(message, prev.start[1])
            if _ends_operand(prev) and _starts_operand(tok, prev):
                raise self.refuse(f"missing '*' between '{p}' and '{self.typed(tok)}'", at)
            if prev.string in FUNCTIONS_1 + FUNCTIONS_N and (tok is None or tok.string != "("):
                name = prev.string
                message = f"function '{name}' needs parentheses, e.g. {name}(x)"
                raise self.refuse(message, prev.start[1])
            if prev.string == "," and tok is not None and tok.string == ")":
                raise self.refuse("a comma before ')' is not allowed", prev.start[1])
            after_op = prev.type == tokenize.OP and prev.string not in (")", "]", "}")
            if after_op and tok is not None and tok.string in _NEEDS_LEFT:
                raise self.refuse(f"'{self.typed(tok)}' needs something before it", at)
            if prev.string in _NEEDS_RIGHT and (tok is None or tok.string in (")", ",")):
                raise self.refuse(f"'{p}' needs something after it", prev.start[1])

    def build(self, node: ast.AST) -> _Term:
        handler = {
            ast.Constant: self._constant,
            ast.Name: self._name,
            ast.UnaryOp: self._unary,
            ast.BinOp: self._binop,
            ast.Call: self._call,
        }.get(type(node))
        if handler is None:
            raise self._unsupported(node)
        return handler(node)

    def _unsupported(self, node: ast.AST) -> FormulaError:
        what = _CONSTRUCTS.get(type(node), f"{type(node).__name__} expression")
        offset = node.col_offset
        if isinstance(node, ast.Attribute):
            what = f"attribute access '.{_clip(node.attr)}'"
            offset = node.end_col_offset - len(node.attr)
        elif isinstance(node, ast.Subscript):
            offset = self.after(node.value.end_col_offset)
        elif isinstance(node, ast.BoolOp):
            what = f"boolean operator '{'and' if isinstance(node.op, ast.And) else 'or'}'"
        return self.refuse(f"{what} is not allowed", offset)

    def _constant(self, node: ast.Constant) -> _Term:
        v = node.value
        kinds = {bool: "True/False", str: "text in quotes", bytes: "bytes literal"}
        if isinstance(v, complex):
            raise self.refuse(f"complex number '{_clip(repr(v))}' is not allowed", node.col_offset)
        if type(v) not in (int, float):
            what = kinds.get(type(v), repr(v))
            raise self.refuse(f"{what} is not allowed", node.col_offset)
        try:
            fv = float(v)
        except OverflowError:
            fv = math.inf
        literal = self.text[node.col_offset : node.end_col_offset]
        if not abs(fv) <= MAX_CONSTANT:
            message = f"number {_clip(literal)} is larger than {MAX_CONSTANT:.0e}"
            raise self.refuse(message, node.col_offset)
        tex = _tex_number(literal)
        return _Term(self.graph.const(fv), 1.0, tex, _ATOM if tex == literal else _MUL)

    def _name(self, node: ast.Name) -> _Term:
        name = node.id
        g = self.graph
        terms = {
            "x": lambda: _Term(g.var(0), 1.0, "x", _ATOM),
            "y": lambda: _Term(g.var(1), 1.0, "y", _ATOM),
            "pi": lambda: _Term(g.const(math.pi), 1.0, "\\pi", _ATOM),
            "e": lambda: _Term(g.const(math.e), 1.0, "e", _ATOM),
        }
        if name in terms:
            return terms[name]()
        if name in FUNCTIONS_1 + FUNCTIONS_N:
            raise self.refuse(
                f"function '{name}' needs parentheses, e.g. {name}(x)", node.col_offset
            )
        parts = _split_names(name)
        if parts and len(parts) > 1:
            hint = f" (did you mean '{_clip('*'.join(parts))}'?)"
        else:
            hint = f" (did you mean '{name.lower()}'?)" if name.lower() in NAMES else ""
        raise self.refuse(f"unknown name '{_clip(name)}'{hint}", node.col_offset)

    def _unary(self, node: ast.UnaryOp) -> _Term:
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand)
        if not isinstance(node.op, ast.USub):
            what = "'not'" if isinstance(node.op, ast.Not) else "operator '~'"
            raise self.refuse(f"{what} is not allowed", node.col_offset)
        t = self.build(node.operand)
        tex = f"-{_paren(t.tex, t.prec, _MUL)}"
        return self._combine("neg", [t], node.col_offset, t.scale, (tex, _NEG))

    def _binop(self, node: ast.BinOp) -> _Term:
        op_offset = self.after(node.left.end_col_offset)
        if type(node.op) not in _BINOPS:
            symbol = _BAD_BINOPS.get(type(node.op), type(node.op).__name__)
            raise self.refuse(f"operator '{symbol}' is not allowed", op_offset)
        name = _BINOPS[type(node.op)]
        left, right = self.build(node.left), self.build(node.right)
        scale = max(left.scale, right.scale)
        exponent = self.graph.value(right.node)
        if name == "pow" and exponent is not None:
            if abs(exponent) > MAX_EXPONENT:
                raise self.refuse(
                    f"exponent {exponent:g} is too large (the limit is ±{MAX_EXPONENT})",
                    node.right.col_offset,
                )
            scale = left.scale * max(1.0, abs(exponent))
            if scale > MAX_EXPONENT:
                raise self.refuse(
                    f"nested powers multiply to an exponent of {scale:g}, more than {MAX_EXPONENT}",
                    op_offset,
                )
        if name == "div" and self.graph.value(right.node) == 0:
            raise self.refuse("division by zero", op_offset)
        tex = _tex_binop(name, left, right)
        return self._combine(name, [left, right], op_offset, scale, tex)

    def _combine(
        self, name: str, terms: list[_Term], offset: int, scale: float, tex: tuple[str, int]
    ) -> _Term:
        """The term `name(terms)`: constants (also folded ones, like x - x) are computed and
        checked in floats first, so 'log(x - x)' is refused where it is written."""
        vals = [self.graph.value(t.node) for t in terms]
        if all(v is not None for v in vals):
            try:
                node = self.graph.const(_math(name, *vals))
            except ArithmeticError as exc:
                raise self.refuse(str(exc), offset) from None
        else:
            node = self.graph.op(name, *(t.node for t in terms))
        return _Term(node, scale, *tex)

    def _call(self, node: ast.Call) -> _Term:
        func = node.func
        if not isinstance(func, ast.Name):  # 2(y+1), (x)(y), x(2): refused as tokens
            raise self._unsupported(func)
        name = func.id
        if name not in FUNCTIONS_1 + FUNCTIONS_N:
            known = ", ".join(FUNCTIONS_1 + FUNCTIONS_N)
            message = f"unknown function '{_clip(name)}' (use one of {known})"
            raise self.refuse(message, func.col_offset)
        if node.keywords:
            kw = node.keywords[0]
            what = f"keyword argument '{_clip(kw.arg)}='" if kw.arg else "argument unpacking '**'"
            raise self.refuse(f"{what} is not allowed", kw.col_offset)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._unsupported(arg)
        n = len(node.args)
        if name in FUNCTIONS_1 and n != 1:
            raise self.refuse(f"{name}() takes exactly 1 argument, got {n}", func.col_offset)
        if name in FUNCTIONS_N and not 2 <= n <= MAX_ARGS:
            message = f"{name}() takes 2 to {MAX_ARGS} arguments, got {n}"
            raise self.refuse(message, func.col_offset)
        terms = [self.build(a) for a in node.args]
        tex = _tex_call(name, terms)
        if name in FUNCTIONS_1:
            return self._combine(name, terms, func.col_offset, terms[0].scale, tex)
        acc = terms[0]  # min/max of n arguments: nested pairs
        for t in terms[1:]:
            acc = self._combine(name, [acc, t], func.col_offset, max(acc.scale, t.scale), tex)
        return acc


def _check_shape(tree: ast.Expression, builder: _Builder) -> None:
    """Refuse trees with too many nodes or too deep nesting, without recursion."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            count += 1
            if count > MAX_NODES:
                raise FormulaError(f"formula has more than {MAX_NODES} parts; simplify it")
            if depth > MAX_DEPTH:
                raise builder.refuse(
                    f"formula is nested more than {MAX_DEPTH} levels deep", node.col_offset
                )
        for child in ast.iter_child_nodes(node):
            same_chain = (
                isinstance(node, ast.BinOp)
                and isinstance(child, ast.BinOp)
                and child is node.left
                and any({type(node.op), type(child.op)} <= c for c in _CHAINS)
            )
            stack.append((child, depth if same_chain else depth + 1))


@dataclass(frozen=True)
class ParsedFormula:
    """A checked formula: its expression graph with the root node, and its LaTeX."""

    graph: _Graph
    root: int
    latex: str

    def value(self) -> float | None:
        """The formula's value if it is a constant, else None."""
        return self.graph.value(self.root)


def parse_formula(text: str) -> ParsedFormula:
    """Check a user formula in x and y and build it (see module docstring); FormulaError if
    refused. The expression is built from the checked syntax tree, never from text."""
    if not isinstance(text, str):
        raise FormulaError(f"formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters ({len(text)})")
    if not text.strip():
        raise FormulaError("formula is empty: type an expression in x and y, e.g. x^2 + y^2")
    ascii_text, origin = _normalise(text)
    stripped = ascii_text.lstrip(" ")
    lead = len(ascii_text) - len(stripped)
    builder = _Builder(text, stripped, origin[lead:])
    builder.check_brackets()
    builder.check_tokens()  # names the problem better than Python would, and keeps it quiet
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1 if exc.lineno in (None, 1) else len(stripped)
        raise builder.refuse(f"syntax error: {exc.msg}", max(offset, 0)) from None
    except (ValueError, MemoryError, RecursionError):
        raise FormulaError("formula could not be read") from None
    _check_shape(tree, builder)
    term = builder.build(tree.body)
    return ParsedFormula(builder.graph, term.node, term.tex)


# ---------------------------------------------------------------------------------------------
# Surface


@dataclass(frozen=True)
class _Compiled:
    """Vectorized f, grad, hess, (f, grad) and (f, grad, hess), coordinates on the last axis."""

    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    hess: Callable[[Array], Array]
    value_and_grad: Callable[[Array], tuple[Array, Array]]
    fgh: Callable[[Array], tuple[Array, Array, Array]]
    f_size: int  # array operations per f call
    fgh_size: int  # array operations per fgh call
    cost: float  # (f, ∇f) per point, relative to Himmelblau's (Surface.cost)


def _as_output(value: Array, shape: tuple[int, ...], X: Array) -> Array:
    """`value` as a fresh float64 array of `shape` (constants broadcast, views of X copied)."""
    if type(value) is np.ndarray and value.shape == shape and not np.shares_memory(value, X):
        return value
    return np.array(np.broadcast_to(value, shape), dtype=np.float64)


def _vectorize(run: Callable[[Array, Array], list]) -> Callable[[Array], list[Array]]:
    """(x, y) -> outputs  as  X (..., 2) -> outputs broadcast to X.shape[:-1], float64."""

    def call(X: Array) -> list[Array]:
        X = np.asarray(X, dtype=np.float64)
        shape = X.shape[:-1]
        with np.errstate(all="ignore"):
            outs = run(X[..., 0], X[..., 1])
        return [_as_output(o, shape, X) for o in outs]

    return call


def _compile(graph: _Graph, root: int) -> _Compiled:
    gx, gy = graph.diff(root, 0), graph.diff(root, 1)
    hxx, hxy, hyy = graph.diff(gx, 0), graph.diff(gx, 1), graph.diff(gy, 1)
    f_run = _vectorize(graph.compile((root,)))
    g_run = _vectorize(graph.compile((gx, gy)))
    h_run = _vectorize(graph.compile((hxx, hxy, hyy)))
    fg_run = _vectorize(graph.compile((root, gx, gy)))
    fgh_run = _vectorize(graph.compile((root, gx, gy, hxx, hxy, hyy)))

    def hess_of(xx: Array, xy: Array, yy: Array) -> Array:
        return np.stack([np.stack([xx, xy], -1), np.stack([xy, yy], -1)], -2)

    def value_and_grad(X: Array) -> tuple[Array, Array]:
        f, a, b = fg_run(X)
        return f, np.stack([a, b], -1)

    def fgh(X: Array) -> tuple[Array, Array, Array]:
        f, a, b, xx, xy, yy = fgh_run(X)
        return f, np.stack([a, b], -1), hess_of(xx, xy, yy)

    return _Compiled(
        f=lambda X: f_run(X)[0],
        grad=lambda X: np.stack(g_run(X), -1),
        hess=lambda X: hess_of(*h_run(X)),
        value_and_grad=value_and_grad,
        fgh=fgh,
        f_size=graph.cost((root,)),
        fgh_size=graph.cost((root, gx, gy, hxx, hxy, hyy)),
        cost=graph.work((root, gx, gy)) / REFERENCE_WORK,
    )


def _check_domain(domain: object) -> Box:
    """`domain` as ((xmin, xmax), (ymin, ymax)) floats; FormulaError if unusable."""
    try:
        (x0, x1), (y0, y1) = domain  # type: ignore[misc]
        box = ((float(x0), float(x1)), (float(y0), float(y1)))
    except (TypeError, ValueError):
        raise FormulaError("domain must be ((xmin, xmax), (ymin, ymax))") from None
    for axis, (lo, hi) in zip("xy", box, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise FormulaError(f"{axis} range must be finite numbers")
        if not lo < hi:
            raise FormulaError(f"{axis} range must have min < max, got {lo:g} .. {hi:g}")
        if max(abs(lo), abs(hi)) > MAX_DOMAIN_COORD or hi - lo < 1e-3:
            raise FormulaError(
                f"{axis} range must lie within ±{MAX_DOMAIN_COORD:g} and be at least 0.001 wide"
            )
    return box


def _start_point(fn: _Compiled, anchor: np.ndarray, domain: Box) -> tuple:
    """70% (else 50%, 30%) of the way from `anchor` toward the highest corner of the domain,
    at a point where f and its gradient are defined (a run can start there)."""
    corners = np.array([[x, y] for x in domain[0] for y in domain[1]])
    fc = fn.f(corners)
    order = np.argsort(np.where(np.isfinite(fc), -fc, np.inf), kind="stable")
    for corner in corners[order]:
        for frac in (0.7, 0.5, 0.3):
            p = anchor + frac * (corner - anchor)
            f, g = fn.value_and_grad(p)
            if np.isfinite(f) and np.isfinite(g).all():
                return (float(p[0]), float(p[1]))
    return (float(anchor[0]), float(anchor[1]))


def _search(fn: _Compiled, domain: Box) -> tuple[tuple, tuple]:
    """Minima and saddles (surfaces.critical), the work bounded by the formula's cost."""
    return find_critical_points(fn.f, fn.fgh, domain, f_ops=fn.f_size, fgh_ops=fn.fgh_size)


def _check_defined(f: Callable[[Array], Array], domain: Box) -> None:
    """Refuse a formula that is undefined or infinite all over the domain (e.g. log(-x^2-1))."""
    (x0, x1), (y0, y1) = domain
    xs, ys = np.linspace(x0, x1, 16), np.linspace(y0, y1, 16)
    mesh = np.stack(np.meshgrid(xs, ys, indexing="ij"), -1)
    if not np.isfinite(f(mesh)).any():
        raise FormulaError(
            "formula is undefined or infinite everywhere in this domain: "
            "change the formula or the x and y ranges"
        )


@functools.lru_cache(maxsize=64)
def _build_surface(text: str, domain: Box) -> Surface:
    parsed = parse_formula(text)
    fn = _compile(parsed.graph, parsed.root)
    _check_defined(fn.f, domain)
    minima, saddles = _search(fn, domain)
    (x0, x1), (y0, y1) = domain
    center = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    anchor = np.array(minima[0].point) if minima else center
    return Surface(
        name="custom",
        title="Your formula",
        f=fn.f,
        grad=fn.grad,
        hess=fn.hess,
        domain=domain,
        minima=minima,
        start=_start_point(fn, anchor, domain),
        formula=parsed.latex,
        lesson=f"Your own landscape f(x, y) = {' '.join(text.split())}",
        saddles=saddles,
        value_and_grad=fn.value_and_grad,
        cost=fn.cost,
    )


def make_formula_surface(text: str, domain: Box = DEFAULT_DOMAIN) -> Surface:
    """A Surface for a user formula over `domain` (cached); FormulaError if refused.

    Minima are found numerically (surfaces.critical) and may be empty.
    """
    if not isinstance(text, str):
        raise FormulaError(f"formula must be text, got {type(text).__name__}")
    try:
        return _build_surface(text, _check_domain(domain))
    except RecursionError:  # the limits keep recursion ~600 deep; a safeguard, not a path
        raise FormulaError("formula is nested too deeply") from None
