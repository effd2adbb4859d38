"""Fast rendering for the public finder, its hottest page.

The finder is benchmarked over 10,000 groups (docs/performance.md). Rendering a
form field through Django's widget templates, or a result card through nested
template tags, cost most of the page's time, so these two pieces are rendered
here with ``format_html`` instead. The HTML is the same as the templates would
give: a label for every control, hints and errors linked by aria-describedby,
aria-invalid on a field with an error. See docs/finder.md.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo

from django import forms, template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from peercircle.core.links import url_pattern
from peercircle.programmes.models import Delivery, Focus, Weekday
from peercircle.programmes.selectors import FinderHit

register = template.Library()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _control(field: BoundField, described_by: str) -> SafeString:
    widget = field.field.widget
    attrs = {"id": field.auto_id, "name": field.html_name, **widget.attrs}
    if described_by:
        attrs["aria-describedby"] = described_by
    if field.errors:
        attrs["aria-invalid"] = "true"
    value = field.value()
    if isinstance(widget, forms.Select):
        current = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == current else "", label)
                for key, label in field.field.choices
            ),
        )
        attributes = format_html_join("", ' {}="{}"', attrs.items())
        return format_html("<select{}>{}</select>", attributes, options)
    attrs.setdefault("type", getattr(widget, "input_type", "text"))
    if value not in (None, ""):
        attrs["value"] = str(value)
    attributes = format_html_join("", ' {}="{}"', attrs.items())
    return format_html("<input{}>", attributes)


@register.simple_tag
def finder_field(field: BoundField) -> SafeString:
    """One field with its label, hint and errors."""
    hint_id = f"{field.auto_id}_helptext" if field.help_text else ""
    error_id = f"{field.auto_id}_error" if field.errors else ""
    described_by = " ".join(part for part in (hint_id, error_id) if part)
    hint = (
        format_html('<span class="hint" id="{}">{}</span>', hint_id, field.help_text)
        if hint_id
        else ""
    )
    errors = (
        format_html(
            '<ul class="errorlist" id="{}">{}</ul>',
            error_id,
            format_html_join("", "<li>{}</li>", ((e,) for e in field.errors)),
        )
        if error_id
        else ""
    )
    return format_html(
        '<div class="field"><label for="{}">{}</label>{}{}{}</div>',
        field.auto_id,
        field.label,
        hint,
        errors,
        _control(field, described_by),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


FOCUS_LABELS = dict(Focus.choices)
DELIVERY_LABELS = dict(Delivery.choices)
WEEKDAY_LABELS = dict(Weekday.choices)


def _group_url(pk: int, slug: str) -> str:
    pattern = url_pattern("public:group_detail", group_id=987654321, slug="slug-placeholder")
    return pattern.format(group_id=pk, slug=slug)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


@register.simple_tag
def finder_card(hit: FinderHit) -> SafeString:
    """One result: what a person needs to decide whether to look closer.

    Built with plain string formatting for speed: every value passes through
    ``_e`` (html.escape), the only way a value enters this HTML.
    """
    group = hit.group
    programme = group.programme
    tags = [
        FOCUS_LABELS.get(programme.focus, programme.focus),
        DELIVERY_LABELS.get(group.delivery, ""),
    ]
    if group.is_course:
        tags.append("Course of " + _plural(group.course_weeks or 0, "week"))
    if group.delivery == "online":
        where = "<dt>Where</dt><dd>Online</dd>"
    elif group.area:
        distance = (
            f' <span class="distance">({hit.distance_km:.1f} km away)</span>'
            if hit.distance_km is not None
            else ""
        )
        where = f"<dt>Where</dt><dd>{_e(group.area)}{distance}</dd>"
    else:
        where = ""
    if hit.next_session:
        local: datetime = hit.next_session.astimezone(_zone(group.organisation.timezone))
        next_session = (
            f'<time datetime="{_e(local.isoformat())}">{local:%A} {local.day} {local:%B}</time>'
        )
    else:
        next_session = "None planned yet"
    places = group.places_left
    places_text = (
        _plural(places, "place") + " left" if places else "Full: you can join the waiting list"
    )
    url = _group_url(group.pk, group.slug)
    who_for = programme.who_for or "Everyone is welcome."
    tag_html = " ".join(f'<span class="tag">{_e(tag)}</span>' for tag in tags)
    return mark_safe(  # noqa: S308 - every value above is escaped by _e
        f'<li class="card"><h3><a href="{_e(url)}">{_e(group.name)}</a></h3>'
        f'<p class="meta">{_e(programme.name)}</p><p>{tag_html}</p>'
        f'<dl class="facts">{where}<dt>When</dt><dd>{WEEKDAY_LABELS.get(group.weekday, "")}s, '
        f"{group.start_time:%H:%M} to {_e(group.end_time_label)}</dd>"
        f"<dt>Next session</dt><dd>{next_session}</dd><dt>Places</dt><dd>{_e(places_text)}</dd>"
        f"<dt>Who it is for</dt><dd>{_e(who_for)}</dd></dl></li>"
    )
