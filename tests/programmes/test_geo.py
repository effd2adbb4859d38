"""Distances and the gazetteer (programmes/geo.py). Pure: no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peercircle.programmes import geo

# Great-circle distances between city centres, from independent sources, in km.
KNOWN = [
    ("Leeds", "Bradford", 14.0),
    ("Leeds", "York", 35.0),
    ("Leeds", "Wakefield", 13.4),
    ("Leeds", "Harrogate", 21.5),
    ("London", "Manchester", 262.0),
    ("London", "Edinburgh", 534.0),
    ("Cardiff", "Swansea", 56.0),
    ("Glasgow", "Edinburgh", 67.0),
    ("Belfast", "Glasgow", 173.0),
]


def test_gazetteer_has_the_places_people_will_type():
    places = geo.load_gazetteer()
    assert len(places) >= 80
    for name in ("Leeds", "Bradford", "Wakefield", "Harrogate", "York", "Manchester", "London"):
        assert geo.find_place(name) is not None, name
    for name in ("Cardiff", "Swansea", "Glasgow", "Edinburgh", "Belfast"):
        assert geo.find_place(name) is not None, name


def test_every_gazetteer_place_lies_in_the_uk():
    for place in geo.load_gazetteer().values():
        assert 49.8 <= place.latitude <= 60.9, place
        assert -8.2 <= place.longitude <= 1.8, place
        assert place.region, place


def test_gazetteer_names_are_unique_once_normalised():
    import csv

    with geo.GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"name", "region", "latitude", "longitude"}
    assert len({geo._key(row["name"]) for row in rows}) == len(rows)


@pytest.mark.parametrize(("a", "b", "km"), KNOWN)
def test_gazetteer_coordinates_give_the_known_distances(a, b, km):
    first, second = geo.find_place(a), geo.find_place(b)
    distance = geo.haversine_km(first.latitude, first.longitude, second.latitude, second.longitude)
    assert distance == pytest.approx(km, rel=0.05)


def test_find_place_ignores_case_spaces_and_hyphens():
    assert geo.find_place("  leeds ").name == "Leeds"
    assert geo.find_place("STOKE ON TRENT").name == "Stoke-on-Trent"
    assert geo.find_place("Newcastle-upon-Tyne").name == "Newcastle upon Tyne"
    assert geo.find_place("Atlantis") is None


def test_suggest_places_by_first_letters():
    assert [p.name for p in geo.suggest_places("new")] == [
        "Newcastle upon Tyne",
        "Newport",
        "Newry",
    ]
    assert [p.name for p in geo.suggest_places("Bra")] == ["Bradford"]
    assert geo.suggest_places("") == []
    assert len(geo.suggest_places("b", limit=3)) == 3


def test_haversine_is_zero_for_the_same_point_and_symmetric():
    assert geo.haversine_km(53.8, -1.55, 53.8, -1.55) == 0
    assert geo.haversine_km(51.5, -0.13, 55.95, -3.19) == pytest.approx(
        geo.haversine_km(55.95, -3.19, 51.5, -0.13)
    )


latitudes = st.floats(min_value=-85, max_value=85, allow_nan=False)
longitudes = st.floats(min_value=-179, max_value=179, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    lat=latitudes,
    lon=longitudes,
    radius=st.floats(min_value=0.5, max_value=500),
    bearing=st.floats(min_value=0, max_value=360),
    fraction=st.floats(min_value=0, max_value=0.999),
)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    import math

    # A point `fraction * radius` away on `bearing` (spherical destination formula).
    d = fraction * radius / geo.EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lat2, lon2 = math.degrees(p2), math.degrees(l2)
    assert geo.haversine_km(lat, lon, lat2, lon2) <= radius + 1e-6
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    assert min_lat - 1e-9 <= lat2 <= max_lat + 1e-9
    assert min_lon - 1e-9 <= lon2 <= max_lon + 1e-9


@pytest.mark.parametrize(
    ("lat", "radius"), [(53.8, 50), (53.8, 500), (70, 500), (85, 500), (-60, 300)]
)
def test_bounding_box_reaches_the_widest_point_of_the_circle(lat, radius):
    # The easternmost point of the circle is not due east of its centre but a
    # little poleward; sweep every bearing to find it.
    import math

    d = radius * 0.9999 / geo.EARTH_RADIUS_KM
    p1 = math.radians(lat)
    widest = 0.0
    for tenth in range(3600):
        b = math.radians(tenth / 10)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
        dl = math.atan2(
            math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
        )
        widest = max(widest, math.degrees(dl))
    _, _, min_lon, max_lon = geo.bounding_box(lat, 0.0, radius)
    assert max_lon >= widest
    assert min_lon <= -widest
