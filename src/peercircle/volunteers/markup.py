"""Training modules' Markdown as safe HTML (pure: no Django import).

Modules are written by coordinators. They are rendered by markdown-it-py
(CommonMark) with raw HTML turned off, so anything that looks like a tag is
shown as the text it is; images are off too (a picture from elsewhere would
tell its server who is reading), and links go only to ``https``, ``http`` or
``mailto`` addresses: any other link stays as its text. A ``#`` heading
becomes ``h2`` so the page keeps its single ``h1``. See docs/volunteers.md
("Pages for volunteers").
"""

from __future__ import annotations

from markdown_it import MarkdownIt

SAFE_SCHEMES = ("https://", "http://", "mailto:")


class _ModuleMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it-py's name
        return url.strip().lower().startswith(SAFE_SCHEMES)


_md = _ModuleMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image", "html_block", "html_inline"])


def render(source: str) -> str:
    """The module's Markdown as HTML in which nothing the author wrote can run."""
    tokens = _md.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    html: str = _md.renderer.render(tokens, _md.options, {})
    return html.strip()
