"""Reads for programmes: the public finder, group pages, my groups, registers.

Every list here runs a fixed number of queries whatever the size of the data
(tests assert it). See docs/finder.md and docs/programmes.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from peercircle.core.models import Membership, Organisation
from peercircle.core.roles import Role
from peercircle.programmes import geo
from peercircle.programmes.models import (
    Attendance,
    AttendanceStatus,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    Group,
    Programme,
    Session,
    SessionStatus,
)

MAX_RADIUS_KM = 500.0


@dataclass(frozen=True)
class FinderQuery:
    text: str = ""
    focus: str = ""
    delivery: str = ""  # "in_person", "online", "hybrid" or "" for any
    language: str = ""
    weekday: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 25.0
    page: int = 1
    per_page: int = 20


@dataclass
class FinderHit:
    group: Group
    distance_km: float | None
    next_session: datetime | None


@dataclass
class FinderPage:
    hits: list[FinderHit]
    total: int
    page: int
    pages: int


def _next_session_subquery(now: datetime) -> Subquery:
    return Subquery(
        Session.objects.filter(
            group=OuterRef("pk"), status=SessionStatus.SCHEDULED, starts_at__gte=now
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def finder_search(query: FinderQuery) -> FinderPage:
    """Listed, active groups matching the query.

    With a location, in-person and hybrid groups within the radius come first,
    nearest first, followed by online groups (which are near everyone) unless a
    format was chosen that excludes them. Without a location, by next session.

    The next session is a correlated subquery, one index probe per group, so it
    is worked out only for the groups that can reach the page asked for: with a
    location, for the nearest groups and ties; without one, on the first page,
    by walking sessions in time order. At most six queries whatever the size of
    the data. See docs/performance.md.
    """
    now = timezone.now()
    groups = Group.objects.filter(listed=True, is_active=True, programme__is_active=True)
    if query.text:
        for word in query.text.split()[:6]:
            groups = groups.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(programme__name__icontains=word)
                | Q(area__icontains=word)
                | Q(venue_name__icontains=word)
            )
    if query.focus:
        groups = groups.filter(programme__focus=query.focus)
    if query.delivery == Delivery.IN_PERSON:
        groups = groups.filter(delivery__in=[Delivery.IN_PERSON, Delivery.HYBRID])
    elif query.delivery == Delivery.ONLINE:
        groups = groups.filter(delivery__in=[Delivery.ONLINE, Delivery.HYBRID])
    elif query.delivery == Delivery.HYBRID:
        groups = groups.filter(delivery=Delivery.HYBRID)
    if query.language:
        groups = groups.filter(language=query.language)
    if query.weekday is not None:
        groups = groups.filter(weekday=query.weekday)
    groups = groups.order_by()
    next_session = _next_session_subquery(now)

    located = query.latitude is not None and query.longitude is not None
    if located:
        radius = min(max(query.radius_km, 0.5), MAX_RADIUS_KM)
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(
            query.latitude, query.longitude, radius
        )
        near_q = Q(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
        candidates = groups.filter(near_q | Q(delivery=Delivery.ONLINE))
        near: list[tuple[float, int]] = []
        online: list[int] = []
        rows = candidates.values_list("pk", "latitude", "longitude", "delivery")
        for pk, lat, lon, delivery in rows:
            if delivery == Delivery.ONLINE or lat is None:
                online.append(pk)
                continue
            distance = geo.haversine_km(query.latitude, query.longitude, lat, lon)
            if distance <= radius:
                near.append((distance, pk))
        total = len(near) + len(online)
        pages = max(1, -(-total // query.per_page))
        page = min(max(1, query.page), pages)
        start, end = (page - 1) * query.per_page, page * query.per_page
        # Order is (nearby first, distance, next session with none last, id). The
        # next session only breaks ties of distance, so it is needed for the
        # nearby groups up to the distance of the last one on the page (ties
        # included) and, if the page reaches them, for the online groups.
        near.sort()
        reaches_online = end > len(near)
        needed = []
        if start < len(near):
            cutoff = near[min(end, len(near)) - 1][0]
            needed = [pk for distance, pk in near if distance <= cutoff]
        wanted = Q(pk__in=needed) if len(needed) <= 500 else near_q
        if reaches_online:
            wanted |= Q(delivery=Delivery.ONLINE)
        next_at: dict[int, datetime | None] = {}
        if needed or reaches_online:
            timed = groups.filter(wanted).annotate(next_session_at=next_session)
            next_at = dict(timed.values_list("pk", "next_session_at"))
        latest = datetime.max.replace(tzinfo=UTC)
        ranked_near = sorted(
            (0, distance, next_at[pk] or latest, pk) for distance, pk in near if pk in next_at
        )
        ranked_online = []
        if reaches_online:
            ranked_online = sorted((1, 0.0, next_at[pk] or latest, pk) for pk in online)
        if start >= len(near):
            window = ranked_online[start - len(near) : end - len(near)]
        else:
            window = (ranked_near + ranked_online)[start:end]
        distances = {pk: (None if online_row else dist) for online_row, dist, _, pk in window}
        order = [pk for _, _, _, pk in window]
        loaded = {g.pk: g for g in _with_display_data(Group.objects.filter(pk__in=order))}
        hits = []
        for pk in order:
            if pk in loaded:
                loaded[pk].next_session_at = next_at[pk]
                hits.append(FinderHit(loaded[pk], distances[pk], next_at[pk]))
        return FinderPage(hits=hits, total=total, page=page, pages=pages)

    total = groups.count()
    pages = max(1, -(-total // query.per_page))
    page = min(max(1, query.page), pages)
    # Words and a weekday are left to the plain query: the walks would read past
    # many groups (name order) or days of sessions (time order) to fill a page.
    walkable = not query.text and query.weekday is None
    if page == 1 and walkable and total > FIRST_PAGE_WALK_MIN:
        first = _first_page_by_next_session(groups, now, query.per_page)
        if first is not None:
            hits = [FinderHit(g, None, g.next_session_at) for g in first]
            return FinderPage(hits=hits, total=total, page=page, pages=pages)
    ordered = groups.annotate(next_session_at=next_session)
    ordered = ordered.order_by(NEXT_SESSION_ORDER, "name", "pk")
    window = _with_display_data(ordered[(page - 1) * query.per_page : page * query.per_page])
    return FinderPage(
        hits=[FinderHit(g, None, g.next_session_at) for g in window],
        total=total,
        page=page,
        pages=pages,
    )


#: Groups with a session to come first, soonest first; finished courses and
#: groups with nothing planned last, on every database.
NEXT_SESSION_ORDER = F("next_session_at").asc(nulls_last=True)

#: Below this many matches the first page probes every group's next session;
#: above it, the walk in _first_page_by_next_session is cheaper.
FIRST_PAGE_WALK_MIN = 2000


def _first_page_by_next_session(
    groups: QuerySet[Group], now: datetime, per_page: int
) -> list[Group] | None:
    """The first page of ``groups`` ordered by (next session, name, id), without
    working out every group's next session; None if this way does not pay.

    Groups with no session to come are last (NEXT_SESSION_ORDER), so the page
    comes from walking the sessions to come in time order: a group's first
    session met on the walk is its next one, and every group met before the
    last session read is complete. The final query orders the chosen groups,
    ties included, the database's way.
    """
    need = per_page
    walk = (
        Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gte=now)
        .filter(group__in=groups.values("pk"))
        .order_by("starts_at")
    )
    limit = max(256, 8 * need)
    for _ in range(3):
        rows = list(walk.values_list("group_id", "starts_at")[:limit])
        first_at: dict[int, datetime] = {}
        for group_id, starts_at in rows:
            first_at.setdefault(group_id, starts_at)
        exhausted = len(rows) < limit
        complete = {pk: at for pk, at in first_at.items() if exhausted or at < rows[-1][1]}
        if len(complete) >= need or exhausted:
            break
        limit *= 8
    else:
        return None
    if len(complete) < need:
        return None  # groups with nothing to come would join this page
    if len(complete) > need:
        cutoff = sorted(complete.values())[need - 1]
        complete = {pk: at for pk, at in complete.items() if at <= cutoff}
    chosen = list(complete)
    shown = groups.filter(pk__in=chosen).annotate(next_session_at=_next_session_subquery(now))
    return _with_display_data(shown.order_by(NEXT_SESSION_ORDER, "name", "pk")[:per_page])


def _with_display_data(groups: QuerySet[Group]) -> list[Group]:
    return list(groups.select_related("programme", "organisation"))


def group_upcoming_sessions(group: Group, *, limit: int = 5) -> list[Session]:
    return list(group.sessions.filter(ends_at__gte=timezone.now()).order_by("starts_at")[:limit])


def group_facilitator_pseudonyms(group: Group) -> list[str]:
    return list(
        Facilitation.objects.filter(group=group)
        .order_by("role", "user__pseudonym")
        .values_list("user__pseudonym", flat=True)
    )


def enrolment_for(user: Any, group: Group) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(
        group=group, user=user, status__in=["active", "waiting", "offered"]
    ).first()


def waiting_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITING:
        return None
    ahead = Enrolment.objects.filter(
        group_id=enrolment.group_id, status=EnrolmentStatus.WAITING
    ).filter(
        Q(waiting_since__lt=enrolment.waiting_since)
        | Q(waiting_since=enrolment.waiting_since, id__lt=enrolment.id)
    )
    return ahead.count() + 1


def my_enrolments(user: Any) -> list[Enrolment]:
    """The person's current enrolments with the next few sessions of each (3 queries)."""
    now = timezone.now()
    upcoming = Session.objects.filter(ends_at__gte=now).order_by("starts_at")
    enrolments = (
        Enrolment.objects.filter(user=user, status__in=["active", "waiting", "offered"])
        .select_related("group__programme", "group__organisation")
        .prefetch_related(
            Prefetch("group__sessions", queryset=upcoming, to_attr="upcoming_sessions")
        )
        .order_by("group__name")
    )
    result = list(enrolments)
    for enrolment in result:
        enrolment.group.upcoming_sessions = enrolment.group.upcoming_sessions[:4]
    return result


def my_sessions_for_calendar(user: Any) -> list[Session]:
    """Sessions of the person's active groups, from 30 days ago on."""
    since = timezone.now() - timedelta(days=30)
    return list(
        Session.objects.filter(
            group__enrolments__user=user,
            group__enrolments__status=EnrolmentStatus.ACTIVE,
            starts_at__gte=since,
        )
        .select_related("group")
        .order_by("starts_at")
    )


def group_members(group: Group) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            group=group, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.OFFERED]
        )
        .select_related("user")
        .order_by("user__pseudonym")
    )


def group_waiting_list(group: Group) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(group=group, status=EnrolmentStatus.WAITING)
        .select_related("user")
        .order_by("waiting_since", "id")
    )


def session_register(session: Session) -> list[tuple[Enrolment, str]]:
    """Members to mark for a session, with any mark already made."""
    members = list(
        Enrolment.objects.filter(
            group_id=session.group_id, joined_at__isnull=False, joined_at__lte=session.ends_at
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=session.starts_at))
        .select_related("user")
        .order_by("user__pseudonym")
    )
    marks = dict(Attendance.objects.filter(session=session).values_list("user_id", "status"))
    return [(enrolment, marks.get(enrolment.user_id, "")) for enrolment in members]


def missed_two_in_a_row(
    *, organisation_id: int, group_id: int | None = None
) -> list[dict[str, Any]]:
    """Active members whose last two marks on a register were both "absent".

    Apologies do not count as missed: the person told us. Sessions without a
    register, and cancelled ones, are skipped. One indexed query: the services
    keep the count on each enrolment (``Enrolment.missed_in_a_row``).
    """
    enrolments = Enrolment.objects.filter(
        group__organisation_id=organisation_id,
        group__is_active=True,
        status=EnrolmentStatus.ACTIVE,
        missed_in_a_row__gte=2,
    )
    if group_id is not None:
        enrolments = enrolments.filter(group_id=group_id)
    result = [
        {"group_id": gid, "group_name": group_name, "user_id": user_id, "pseudonym": pseudonym}
        for gid, user_id, pseudonym, group_name in enrolments.values_list(
            "group_id", "user_id", "user__pseudonym", "group__name"
        )
    ]
    return sorted(result, key=lambda row: (row["group_name"], row["pseudonym"]))


def _enrolment_count(status: str) -> Subquery:
    return Subquery(
        Enrolment.objects.filter(group=OuterRef("pk"), status=status)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def organisation_groups_overview(organisation_id: int) -> list[Group]:
    """Groups with member, offered and waiting counts and next session (1 query).

    Each figure is its own correlated subquery on an index: joining enrolments
    and sessions in one GROUP BY would multiply the rows and cost far more.
    """
    now = timezone.now()
    groups = list(
        Group.objects.filter(organisation_id=organisation_id)
        .select_related("programme")
        .annotate(
            members=_enrolment_count(EnrolmentStatus.ACTIVE),
            waiting=_enrolment_count(EnrolmentStatus.WAITING),
            offered=_enrolment_count(EnrolmentStatus.OFFERED),
            next_session_at=_next_session_subquery(now),
        )
        .order_by("programme__name", "name")
    )
    for group in groups:
        group.members = group.members or 0
        group.waiting = group.waiting or 0
        group.offered = group.offered or 0
    return groups


# --- public pages (finder, my groups, calendar feed) ------------------------------

FINDER_LANGUAGES_CACHE_KEY = "finder-languages"


def finder_languages() -> list[str]:
    """Language codes of listed, active groups, for the finder's choice list.

    Cached for five minutes: the list changes rarely and the finder must stay fast.
    """
    from django.core.cache import cache

    codes = cache.get(FINDER_LANGUAGES_CACHE_KEY)
    if codes is None:
        codes = sorted(
            set(
                Group.objects.filter(listed=True, is_active=True)
                .order_by()
                .values_list("language", flat=True)
                .distinct()
            )
        )
        cache.set(FINDER_LANGUAGES_CACHE_KEY, codes, 300)
    return codes


def waiting_positions(enrolments: list[Enrolment]) -> dict[int, int]:
    """Place in the queue (1 = next) of each waiting enrolment given, in one query."""
    waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITING]
    if not waiting:
        return {}
    queue = Enrolment.objects.filter(
        group_id__in={e.group_id for e in waiting}, status=EnrolmentStatus.WAITING
    ).order_by("group_id", "waiting_since", "id")
    positions: dict[int, int] = {}
    seen: dict[int, int] = {}
    for enrolment_id, group_id in queue.values_list("id", "group_id"):
        seen[group_id] = seen.get(group_id, 0) + 1
        positions[enrolment_id] = seen[group_id]
    wanted = {e.pk for e in waiting}
    return {pk: position for pk, position in positions.items() if pk in wanted}


def sessions_with_apologies(user: Any, session_ids: list[int]) -> set[int]:
    """Which of these sessions the person has already sent apologies for (1 query)."""
    if not session_ids:
        return set()
    return set(
        Attendance.objects.filter(
            user=user, session_id__in=session_ids, status=AttendanceStatus.APOLOGIES
        ).values_list("session_id", flat=True)
    )


def user_for_calendar_token(token: str) -> Any | None:
    """The active person whose private calendar feed this is, or None."""
    from django.contrib.auth import get_user_model

    if not token or len(token) > 64:
        return None
    return get_user_model().objects.filter(calendar_token=token, is_active=True).first()


# --- back office (see docs/programmes.md) ------------------------------------------


def organisation_programmes(organisation_id: int) -> list[Programme]:
    """The organisation's programmes, active first (1 query)."""
    return list(
        Programme.objects.filter(organisation_id=organisation_id).order_by("-is_active", "name")
    )


def organisations_by_id(organisation_ids: list[int]) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=organisation_ids).order_by("name"))


def facilitator_choices(organisation_id: int) -> list[tuple[int, str]]:
    """Volunteers and coordinators who may facilitate, as (user id, pseudonym) (1 query)."""
    rows = (
        Membership.objects.filter(
            organisation_id=organisation_id, role__in=[Role.VOLUNTEER, Role.COORDINATOR]
        )
        .values_list("user_id", "user__pseudonym")
        .order_by("user__pseudonym")
        .distinct()
    )
    return list(rows)


def group_facilitator_ids(group: Group) -> list[int]:
    return sorted(Facilitation.objects.filter(group=group).values_list("user_id", flat=True))


def facilitated_groups(user: Any, organisation_ids: list[int], *, weeks: int = 2) -> list[Group]:
    """Groups ``user`` facilitates in these organisations, each with
    ``register_sessions``: its sessions from ``weeks`` back to ``weeks`` ahead (2 queries)."""
    now = timezone.now()
    window = Session.objects.filter(
        starts_at__gte=now - timedelta(weeks=weeks), starts_at__lte=now + timedelta(weeks=weeks)
    ).order_by("starts_at")
    return list(
        Group.objects.filter(facilitations__user=user, organisation_id__in=organisation_ids)
        .select_related("programme", "organisation")
        .prefetch_related(Prefetch("sessions", queryset=window, to_attr="register_sessions"))
        .order_by("name")
        .distinct()
    )


def group_sessions_for_staff(group: Group, *, past: int = 6) -> tuple[list[Session], list[Session]]:
    """The last ``past`` sessions (most recent first) and every session to come, with
    how many were marked present (2 queries)."""
    now = timezone.now()
    present = Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT))
    earlier = list(
        group.sessions.filter(ends_at__lt=now)
        .annotate(present_count=present)
        .order_by("-starts_at")[:past]
    )
    later = list(
        group.sessions.filter(ends_at__gte=now)
        .annotate(present_count=present)
        .order_by("starts_at")
    )
    return earlier, later


# --- the finder's result cache ------------------------------------------------------
#
# The order and total of a search depend only on groups, programmes and sessions,
# so they are cached under a *generation* that every service changing those bumps,
# in its transaction and again on commit (``finder_cache_bump``). A cached entry
# is therefore never stale for changes made through the services; the minute in
# the key bounds how stale it can be for anything else (an edit in the Django
# admin, a session starting). The rows shown (name, places left, ...) are always
# read fresh. See docs/finder.md.

FINDER_GENERATION_KEY = "finder:generation"
FINDER_CACHE_SECONDS = 60


def finder_cache_bump() -> None:
    """Make every cached search out of date (call on commit of a change)."""
    from django.core.cache import cache

    if not cache.add(FINDER_GENERATION_KEY, 1, timeout=None):
        try:
            cache.incr(FINDER_GENERATION_KEY)
        except ValueError:  # evicted between add and incr
            cache.add(FINDER_GENERATION_KEY, 1, timeout=None)
    cache.delete(FINDER_LANGUAGES_CACHE_KEY)


def _finder_key(kind: str, text: str) -> str:
    """A cache key under the current generation and minute (see above)."""
    import hashlib

    from django.core.cache import cache

    generation = cache.get(FINDER_GENERATION_KEY, 0)
    minute = int(timezone.now().timestamp() // 60)
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"{kind}:{generation}:{minute}:{digest}"


def finder_page_cache_key(querystring: str, *, partial: bool) -> str:
    """Key for a whole finder page as an anonymous visitor sees it.

    Places left are on the page, so enrolment changes bump the generation too.
    """
    return _finder_key(f"finder-page:{int(partial)}", querystring)


def finder_search_cached(query: FinderQuery) -> FinderPage:
    """``finder_search`` with its order and total cached; identical results."""
    from django.core.cache import cache

    key = _finder_key("finder", repr(query))
    cached = cache.get(key)
    if cached is None:
        page = finder_search(query)
        cached = {
            "hits": [(hit.group.pk, hit.distance_km, hit.next_session) for hit in page.hits],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
        }
        cache.set(key, cached, FINDER_CACHE_SECONDS)
        return page
    ids = [pk for pk, _, _ in cached["hits"]]
    loaded = {group.pk: group for group in _with_display_data(Group.objects.filter(pk__in=ids))}
    hits = []
    for pk, distance, next_session in cached["hits"]:
        group = loaded.get(pk)
        if group is None or not (group.listed and group.is_active and group.programme.is_active):
            continue  # changed outside the services since it was cached
        group.next_session_at = next_session
        hits.append(FinderHit(group, distance, next_session))
    return FinderPage(hits=hits, total=cached["total"], page=cached["page"], pages=cached["pages"])
