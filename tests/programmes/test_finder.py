"""The public group finder, through HTTP. See docs/finder.md."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peercircle.programmes.services import group_create
from tests.factories import GroupFactory, OrganisationFactory, ProgrammeFactory, next_weekday

FINDER = reverse("public:finder")

# Real places (from the gazetteer) and how far they are from Leeds.
LEEDS = (53.7997, -1.5492)
BRADFORD = (53.7960, -1.7594)  # about 14 km
WAKEFIELD = (53.6833, -1.4977)  # about 13.4 km
YORK = (53.9590, -1.0815)  # about 35 km
MANCHESTER = (53.4808, -2.2426)  # about 58 km


@pytest.fixture
def riverside(db):
    return OrganisationFactory(name="Riverside Peer Support", slug="riverside")


def make_group(organisation, name, *, at=LEEDS, programme=None, **fields):
    programme = programme or ProgrammeFactory(organisation=organisation)
    if fields.get("delivery") == "online":
        at = (None, None)
    return GroupFactory(programme=programme, name=name, latitude=at[0], longitude=at[1], **fields)


def names(response) -> list[str]:
    """Group names on the result cards, in page order."""
    return re.findall(
        r'<h3><a href="/groups/\d+/[\w-]+/">([^<]+)</a></h3>', response.content.decode()
    )


def test_finder_needs_no_sign_in_and_labels_every_input(client, riverside):
    make_group(riverside, "Tuesday Talk")
    response = client.get(FINDER)
    assert response.status_code == 200
    html = response.content.decode()
    assert names(response) == ["Tuesday Talk"]
    for field in ("q", "focus", "delivery", "weekday", "language", "place", "radius", "lat", "lon"):
        assert f'<label for="id_{field}">' in html, field
    assert 'aria-live="polite"' in html
    assert "1 group found" in html
    # With no distance chosen the radius shows (and htmx would send) 25 km.
    assert '<option value="25" selected>25 km</option>' in html


def test_free_text_matches_name_description_and_area(client, riverside):
    make_group(riverside, "Walk and Talk", description="A gentle walk in the park")
    make_group(riverside, "Anxiety Circle", area="Headingley")
    make_group(riverside, "Coffee Morning")
    assert names(client.get(FINDER, {"q": "walk"})) == ["Walk and Talk"]
    assert names(client.get(FINDER, {"q": "park"})) == ["Walk and Talk"]
    assert names(client.get(FINDER, {"q": "headingley"})) == ["Anxiety Circle"]
    assert names(client.get(FINDER, {"q": "walk coffee"})) == []


def test_focus_filter_keeps_only_that_focus(client, riverside):
    dads = ProgrammeFactory(organisation=riverside, focus="perinatal")
    make_group(riverside, "New Dads", programme=dads)
    make_group(riverside, "Open Circle")
    assert names(client.get(FINDER, {"focus": "perinatal"})) == ["New Dads"]
    assert sorted(names(client.get(FINDER))) == ["New Dads", "Open Circle"]


def test_format_filter_treats_hybrid_as_both(client, riverside):
    make_group(riverside, "Hall Group", delivery="in_person")
    make_group(riverside, "Zoom Group", delivery="online")
    make_group(riverside, "Both Ways", delivery="hybrid")
    assert sorted(names(client.get(FINDER, {"delivery": "in_person"}))) == [
        "Both Ways",
        "Hall Group",
    ]
    assert sorted(names(client.get(FINDER, {"delivery": "online"}))) == ["Both Ways", "Zoom Group"]
    assert names(client.get(FINDER, {"delivery": "hybrid"})) == ["Both Ways"]


def test_language_filter_offers_the_languages_groups_use(client, riverside):
    make_group(riverside, "Grŵp Cymraeg", language="cy")
    make_group(riverside, "English Group", language="en")
    response = client.get(FINDER, {"language": "cy"})
    assert names(response) == ["Grŵp Cymraeg"]
    assert '<option value="cy" selected>Cymraeg</option>' in response.content.decode()


def test_day_filter(client, riverside):
    make_group(riverside, "Monday Group", weekday=0)
    make_group(riverside, "Thursday Group", weekday=3)
    assert names(client.get(FINDER, {"weekday": "3"})) == ["Thursday Group"]


def test_unlisted_and_inactive_groups_are_not_in_the_finder(client, riverside):
    make_group(riverside, "Listed Group")
    make_group(riverside, "Hidden Group", listed=False)
    make_group(riverside, "Closed Group", is_active=False)
    assert names(client.get(FINDER)) == ["Listed Group"]


def test_place_name_orders_by_distance_within_the_radius_then_online(client, riverside):
    make_group(riverside, "York Group", at=YORK)
    make_group(riverside, "Bradford Group", at=BRADFORD)
    make_group(riverside, "Leeds Group", at=LEEDS)
    make_group(riverside, "Wakefield Group", at=WAKEFIELD)
    make_group(riverside, "Manchester Group", at=MANCHESTER)
    make_group(riverside, "Online Group", delivery="online")

    response = client.get(FINDER, {"place": "Leeds", "radius": "25"})
    assert names(response) == ["Leeds Group", "Wakefield Group", "Bradford Group", "Online Group"]
    html = response.content.decode()
    assert "within 25 km of Leeds" in html
    assert "(0.0 km away)" in html and "(13.4 km away)" in html

    wider = names(client.get(FINDER, {"place": "leeds", "radius": "50"}))
    assert wider == [
        "Leeds Group",
        "Wakefield Group",
        "Bradford Group",
        "York Group",
        "Online Group",
    ]

    in_person_only = names(
        client.get(FINDER, {"place": "Leeds", "radius": "5", "delivery": "in_person"})
    )
    assert in_person_only == ["Leeds Group"]


def test_coordinates_search_like_a_place(client, riverside):
    make_group(riverside, "York Group", at=YORK)
    make_group(riverside, "Leeds Group", at=LEEDS)
    response = client.get(FINDER, {"lat": "53.96", "lon": "-1.08", "radius": "10"})
    assert names(response) == ["York Group"]
    assert "of your location" in response.content.decode()


def test_unknown_place_is_said_plainly_with_near_matches(client, riverside):
    make_group(riverside, "Leeds Group", at=LEEDS)
    response = client.get(FINDER, {"place": "Leedz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not find a place called “Leedz”." in html
    assert "Did you mean:" in html
    assert "place=Leeds" in html and "Leeds, West Yorkshire" in html
    # The search still runs without the place.
    assert names(response) == ["Leeds Group"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lat": "abc", "lon": "-1.5"}, "The latitude must be a number between -90 and 90."),
        ({"lat": "53.8", "lon": "999"}, "Ensure this value is less than or equal to 180."),
        ({"lat": "53.8"}, "A location needs both a latitude and a longitude."),
        ({"weekday": "9"}, "Choose a day from the list."),
        ({"page": "-1"}, "The page number must be 1 or more."),
        ({"page": "two"}, "The page number must be a whole number."),
        ({"radius": "7"}, "Choose a distance from the list."),
        ({"focus": "nonsense"}, "Select a valid choice."),
    ],
)
def test_bad_input_gives_a_plain_message_not_an_error(client, riverside, params, message):
    make_group(riverside, "Leeds Group")
    response = client.get(FINDER, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert names(response) == ["Leeds Group"]


def test_results_page_through_in_twenties(client, riverside):
    programme = ProgrammeFactory(organisation=riverside)
    for n in range(25):
        make_group(riverside, f"Group {n:02d}", programme=programme)
    first = client.get(FINDER)
    assert len(names(first)) == 20
    assert "25 groups found" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(FINDER, {"page": "2"})
    assert len(names(second)) == 5
    assert set(names(first)).isdisjoint(names(second))
    # Past the end shows the last page rather than nothing.
    assert names(client.get(FINDER, {"page": "9"})) == names(second)


def test_cards_show_area_but_never_the_address(client, riverside, coordinator):
    programme = ProgrammeFactory(organisation=riverside, min_age=18)
    group_create(
        actor=coordinator,
        programme=programme,
        name="Thursday Circle",
        venue_name="St Mark's Hall",
        address="12 Secret Lane, Leeds LS6 1AA",
        area="Headingley",
        latitude=53.82,
        longitude=-1.58,
        capacity=2,
        weekday=3,
        start_time=dt.time(18, 30),
        duration_minutes=90,
        start_date=next_weekday(3),
    )
    html = client.get(FINDER).content.decode()
    assert "Headingley" in html
    assert "Secret Lane" not in html and "LS6" not in html
    assert "Thursdays, 18:30 to 20:00" in html
    assert "2 places left" in html
    assert "aged 18 or over" in html
    # The next session is shown as a date.
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT18:30:00[+-]\d\d:\d\d">Thursday ', html)


def test_full_group_shows_waiting_list(client, riverside):
    make_group(riverside, "Full Group", capacity=2, places_taken=2)
    assert "Full: you can join the waiting list" in client.get(FINDER).content.decode()


def test_htmx_request_gets_only_the_results_and_the_count(client, riverside):
    make_group(riverside, "Monday Group", weekday=0)
    make_group(riverside, "Friday Group", weekday=4)
    response = client.get(FINDER, {"weekday": "4"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert names(response) == ["Friday Group"]
    assert 'id="results-status" hx-swap-oob="innerHTML"' in html
    assert "1 group found" in html
    assert "HX-Request" in response["Vary"]


def test_full_page_form_submits_with_get_and_updates_live(client, riverside):
    html = client.get(FINDER).content.decode()
    assert 'method="get"' in html
    assert (
        'hx-get="/"' in html
        and 'hx-push-url="true"' in html
        and 'hx-target="#results-body"' in html
    )


def _finder_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FINDER, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"place": "Leeds", "radius": "50"}, {"q": "group", "weekday": "0"}]
)
def test_finder_query_count_does_not_grow_with_the_number_of_groups(client, riverside, params):
    def add(count, start):
        for n in range(start, start + count):
            organisation = riverside if n % 2 else OrganisationFactory()
            make_group(organisation, f"Group {n}", weekday=0, at=(53.80 + n / 1000, -1.55))

    add(3, 0)
    client.get(FINDER, params)  # warm the caches (crisis resources, languages)
    few = _finder_queries(client, params)
    add(27, 3)
    many = _finder_queries(client, params)
    assert few == many
    assert many <= 4
