"""Training modules' Markdown as HTML (volunteers/markup.py, pure): CommonMark
without raw HTML or images, links to safe addresses only, and nothing a
module's author writes can become markup of its own."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from peercircle.volunteers.markup import render

ALLOWED = re.compile(
    r"</?(h2|h3|h4|h5|h6|p|ul|ol|li|strong|em|code|pre|blockquote)>|<ol start=\"\d+\">"
    r"|<(hr|br) />|<a href=\"[^\"<>]*\">|</a>"
)


def test_headings_paragraphs_lists_emphasis_and_links():
    html = render(
        "# Top\n\n## Why\n\nA **bold** and *gentle* start,\nwrapped.\n\n"
        "- one\n- two\n  continued\n\n1. first\n2. second\n\n"
        "See [the guide](https://example.org/guide?a=1&b=2)."
    )
    assert html.split("\n") == [
        "<h2>Top</h2>",
        "<h2>Why</h2>",
        "<p>A <strong>bold</strong> and <em>gentle</em> start,",
        "wrapped.</p>",
        "<ul>",
        "<li>one</li>",
        "<li>two",
        "continued</li>",
        "</ul>",
        "<ol>",
        "<li>first</li>",
        "<li>second</li>",
        "</ol>",
        '<p>See <a href="https://example.org/guide?a=1&amp;b=2">the guide</a>.</p>',
    ]


def test_scripts_attributes_and_unsafe_links_stay_text():
    html = render(
        '<script>alert(1)</script> <img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(1)) [data](data:text/html,hi) "
        '[quote](https://e.org/"onmouseover="alert(1)) ![pixel](https://t.example/p.png)'
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert 'onmouseover="' not in html
    assert "<img" not in html  # no pictures from elsewhere: they would tell who reads


PIECES = [*"ab <>\"'&*#-[]()/:=\n1.", "https://", "**", "mailto:", "javascript:"]


@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_nothing_written_becomes_markup_of_its_own(text):
    html = render(text)
    assert "<" not in ALLOWED.sub("", html)
    for href in re.findall(r'<a href="([^"]*)">', html):
        assert href.startswith(("https://", "http://", "mailto:"))
