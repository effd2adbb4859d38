"""The finder's cached searches give exactly what a fresh search gives, after
every kind of change made through the services."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from peercircle.programmes import services
from peercircle.programmes.selectors import FinderQuery, finder_search, finder_search_cached
from tests.factories import next_weekday

QUERIES = [
    FinderQuery(),
    FinderQuery(latitude=53.8, longitude=-1.55, radius_km=25),
    FinderQuery(text="Monday"),
    FinderQuery(delivery="online"),
]


def _snapshot(page):
    return (
        [(hit.group.pk, hit.group.name, hit.distance_km, hit.next_session) for hit in page.hits],
        page.total,
        page.pages,
    )


def _assert_cache_agrees():
    for query in QUERIES:
        fresh = _snapshot(finder_search(query))
        assert _snapshot(finder_search_cached(query)) == fresh  # fills or hits the cache
        assert _snapshot(finder_search_cached(query)) == fresh  # certainly a hit


def test_cached_search_follows_every_change_made_through_services(
    django_capture_on_commit_callbacks, group, programme, coordinator
):
    cache.clear()
    _assert_cache_agrees()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.group_create(
            actor=coordinator,
            programme=programme,
            name="Online Monday circle",
            delivery="online",
            weekday=0,
            start_time=dt.time(12, 0),
            start_date=next_weekday(0),
        )
    _assert_cache_agrees()
    assert new.pk in [hit.group.pk for hit in finder_search_cached(FinderQuery()).hits]

    first = group.sessions.order_by("starts_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(actor=coordinator, session=first, reason="Venue closed")
    _assert_cache_agrees()

    with django_capture_on_commit_callbacks(execute=True):
        services.group_update(actor=coordinator, group=new, listed=False)
    _assert_cache_agrees()
    assert new.pk not in [hit.group.pk for hit in finder_search_cached(FinderQuery()).hits]

    with django_capture_on_commit_callbacks(execute=True):
        services.programme_update(actor=coordinator, programme=programme, is_active=False)
    _assert_cache_agrees()
    assert finder_search_cached(FinderQuery()).total == 0


def test_places_left_are_always_read_fresh(group, make_member):
    cache.clear()
    before = finder_search_cached(FinderQuery()).hits[0].group.places_left
    services.enrolment_join(user=make_member(), group=group)  # no bump needed
    assert finder_search_cached(FinderQuery()).hits[0].group.places_left == before - 1


def test_a_group_hidden_outside_the_services_is_not_shown_from_the_cache(group):
    from peercircle.programmes.models import Group

    cache.clear()
    assert finder_search_cached(FinderQuery()).total == 1
    Group.objects.filter(pk=group.pk).update(listed=False)  # e.g. the Django admin
    assert finder_search_cached(FinderQuery()).hits == []


def test_anonymous_finder_page_is_shared_from_the_cache_and_follows_changes(
    client, group, make_member, django_assert_num_queries, monkeypatch
):
    from django.utils import timezone

    # The cache key holds the current minute: keep the clock still so that a
    # minute turning over between two requests cannot make this test flaky.
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    cache.clear()
    first = client.get("/?place=Leeds")
    assert "3 places left" in first.content.decode()
    with django_assert_num_queries(0):
        again = client.get("/?place=Leeds")
    assert again.content == first.content
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "X-CSRFToken" not in first.content.decode()
    services.enrolment_join(user=make_member(), group=group)
    assert "2 places left" in client.get("/?place=Leeds").content.decode()


def test_signed_in_people_never_get_the_shared_page(client, group, participant):
    cache.clear()
    client.get("/")
    client.force_login(participant)
    body = client.get("/").content.decode()
    assert participant.pseudonym in body  # their own header, not the anonymous one


def test_groups_with_nothing_planned_come_after_those_that_meet_soon(programme, coordinator):
    """A finished course must not push every meeting group off the first page."""
    finished = services.group_create(
        actor=coordinator,
        programme=programme,
        name="A finished course",
        kind="course",
        course_weeks=1,
        delivery="online",
        weekday=0,
        start_time=dt.time(10, 0),
        start_date=dt.date(2025, 1, 6),
    )
    meeting = services.group_create(
        actor=coordinator,
        programme=programme,
        name="Z weekly group",
        delivery="online",
        weekday=2,
        start_time=dt.time(10, 0),
        start_date=next_weekday(2),
    )
    order = [hit.group.pk for hit in finder_search(FinderQuery()).hits]
    assert order == [meeting.pk, finished.pk]
