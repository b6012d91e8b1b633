"""Text from outside (a typed formula, a URL value) shown inside Streamlit markdown."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=])")


def plain(text: object) -> str:
    """`text` with every markdown-significant ASCII punctuation mark backslash-escaped, so it
    shows verbatim: no bold, links, LaTeX ($), colour directives (:red[…]) or icons."""
    return _SPECIAL.sub(r"\\\1", str(text))
