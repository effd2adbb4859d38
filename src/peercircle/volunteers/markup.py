"""Training modules' Markdown as safe HTML (pure: no Django import).

Modules are written by coordinators, so their text is escaped first and only
a small, known part of Markdown is turned into HTML: headings (``##`` to
``####``; a ``#`` heading becomes ``h2`` so the page keeps its single ``h1``),
paragraphs, bulleted and numbered lists, ``**bold**``, ``*emphasis*`` and
links to ``https``, ``http`` or ``mailto`` addresses. Anything else stays as
the text it was. See docs/volunteers.md ("Pages for volunteers").
"""

from __future__ import annotations

import html
import re

_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")


def _inline(text: str) -> str:
    """One escaped line with bold, emphasis and safe links."""
    escaped = html.escape(text, quote=True)

    def link(match: re.Match[str]) -> str:
        # The address was escaped with the rest, so it cannot break out of the attribute.
        return f'<a href="{match.group(2)}">{match.group(1)}</a>'

    escaped = _LINK.sub(link, escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _EMPHASIS.sub(r"<em>\1</em>", escaped)


def render(source: str) -> str:
    """The module's Markdown as HTML in which nothing the author wrote can run."""
    out: list[str] = []
    paragraph: list[str] = []
    list_tag = ""
    items: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            out.append("<p>" + " ".join(_inline(line.strip()) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(
                f"<{list_tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{list_tag}>"
            )
            items.clear()
            list_tag = ""

    for line in source.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            flush_paragraph()
            flush_list()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        numbered = None if bullet else _NUMBERED.match(line)
        if heading:
            flush_paragraph()
            flush_list()
            level = max(2, len(heading.group(1)))
            out.append(f"<h{level}>{_inline(heading.group(2).strip())}</h{level}>")
        elif bullet or numbered:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                flush_list()
                list_tag = tag
            match = bullet or numbered
            assert match is not None
            items.append(_inline(match.group(1).strip()))
        elif list_tag and line.startswith((" ", "\t")):
            items[-1] += " " + _inline(line.strip())  # a list item running on
        else:
            flush_list()
            paragraph.append(line)
    flush_paragraph()
    flush_list()
    return "\n".join(out)
