"""Distances and the place-name gazetteer. Pure module.

Distance search filters by a bounding box in the database, then by great-circle
distance here. See docs/finder.md.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

EARTH_RADIUS_KM = 6371.0088
GAZETTEER_PATH = Path(__file__).with_name("data") / "gazetteer.csv"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; clamped at the poles."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    cos_lat = math.cos(math.radians(lat))
    # The circle's widest point is poleward of its centre, so the half-width in
    # longitude is asin(sin(angle) / cos(lat)), not angle / cos(lat) (too narrow
    # for large circles); a circle that reaches over a pole spans every longitude.
    reach = math.sin(angle) / cos_lat if cos_lat > 1e-12 else math.inf
    dlon = 180.0 if reach >= 1 else min(180.0, math.degrees(math.asin(reach)))
    return max(-90.0, lat - dlat), min(90.0, lat + dlat), lon - dlon, lon + dlon


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    region: str
    latitude: float
    longitude: float


def _key(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").replace(",", " ").split())


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = GAZETTEER_PATH) -> dict[str, Place]:
    places: dict[str, Place] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            place = Place(
                row["name"], row["region"], float(row["latitude"]), float(row["longitude"])
            )
            places[_key(place.name)] = place
    return places


def find_place(name: str, gazetteer: dict[str, Place] | None = None) -> Place | None:
    places = load_gazetteer() if gazetteer is None else gazetteer
    return places.get(_key(name))


def suggest_places(
    prefix: str, limit: int = 5, gazetteer: dict[str, Place] | None = None
) -> list[Place]:
    places = load_gazetteer() if gazetteer is None else gazetteer
    key = _key(prefix)
    if not key:
        return []
    return sorted((p for k, p in places.items() if k.startswith(key)), key=lambda p: p.name)[:limit]
