"""The markdown of XLSForm labels and hints (``**bold**``, ``*italic*``, ``[link](https://...)``),
rendered safely: the text is escaped first and only these marks become HTML.

Why not a markdown library: the phone re-renders labels when the language changes
(``static/js/formlogic.js``, which builds the same elements with ``textContent``), so both
sides must read exactly the same small subset; ODK Collect's own markdown is this subset too
(plus headings and colours, shown here as plain text). Links open only ``http(s)`` URLs.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: One inline mark: **strong** / __strong__, *em* / _em_ (not inside a word), [text](url).
MARK = re.compile(
    r"\*\*(?P<s1>[^*]+?)\*\*|__(?P<s2>[^_]+?)__|\*(?P<e1>[^*\s][^*]*?)\*"
    r"|(?<![A-Za-z0-9])_(?P<e2>[^_\s][^_]*?)_(?![A-Za-z0-9])"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>https?://[^\s)]+)\)"
)


def has_markdown(text: str) -> bool:
    return MARK.search(text) is not None


def inline_markdown(text: str) -> Markup:
    """Escaped text with the marks above as <strong>, <em> and <a> elements."""
    out: list[str] = []
    pos = 0
    for m in MARK.finditer(text):
        out.append(str(escape(text[pos : m.start()])))
        strong, em = m["s1"] or m["s2"], m["e1"] or m["e2"]
        if strong:
            out.append(f"<strong>{escape(strong)}</strong>")
        elif em:
            out.append(f"<em>{escape(em)}</em>")
        else:
            out.append(f'<a href="{escape(m["url"])}" rel="noopener noreferrer">{escape(m["text"])}</a>')
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))
