"""Demo data: one fictional organisation with programmes, groups, people and logins.

Used by ``peercircle demo`` and ``peercircle run --demo``. Everything a service
exists for is made through that service (accounts.services, programmes.services),
so the demo data obeys the same rules as real data. Organisations and crisis
resources have no service yet; they are created here directly and audited.
Live rooms (rooms.services) get a standing room for the online men's group, so
that a demo login can always try a live room, a one-to-one pairing with a short
conversation, and a message in the supporters' room. Safeguarding
(safety.services) gets a duty rota and one open concern for the lead to try.
Volunteers (volunteers.services) are taken through the pipeline to active,
trained and checked before they facilitate; one member has applied; there is
supervision, wellbeing check-ins, hours this month and supporters' events.

Idempotent: every step looks for what it would create (by sign-in name, by
programme or group name) and leaves it alone when it is there, so running it
twice changes nothing. See docs/running.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from peercircle.accounts.consent import Purpose
from peercircle.accounts.models import User
from peercircle.accounts.services import (
    consent_give,
    context_update,
    membership_grant,
    user_create,
    user_make_superuser,
)
from peercircle.core.audit import audit_record
from peercircle.core.models import CrisisResource, Organisation
from peercircle.core.roles import Role
from peercircle.programmes.models import Enrolment, Group, Programme
from peercircle.programmes.services import enrolment_join, group_create, programme_create
from peercircle.rooms.access import room_seat
from peercircle.rooms.models import Pairing, Room, RoomPolicy
from peercircle.rooms.services import (
    member_enter,
    message_send,
    pairing_create,
    room_policy_update,
    room_standing,
    room_supporters,
)

ORGANISATION_SLUG = "riverside"
ORGANISATION_NAME = "Riverside Peer Support"
#: The online group whose room stays open between sessions, for trying a live room.
ONLINE_MENS_GROUP = "Men's Online Check-in"
#: The one password every demo login shares. Printed by ``peercircle run``.
DEMO_PASSWORD = "peercircle-demo"  # noqa: S105 - a published demo password, never a real one
#: One login per role; the sign-in name is the role's name.
DEMO_LOGINS: tuple[Role, ...] = (
    Role.PARTICIPANT,
    Role.VOLUNTEER,
    Role.COORDINATOR,
    Role.SAFEGUARDING_LEAD,
    Role.EVALUATOR,
    Role.ADMIN,
)

CHECK_NOTE = "Demo data: check these details before real use."

CRISIS_RESOURCES: tuple[dict[str, Any], ...] = (
    {
        "name": "Samaritans",
        "description": f"Talk to someone about anything, day or night. {CHECK_NOTE}",
        "phone": "116 123",
        "url": "https://www.samaritans.org/",
        "hours": "24 hours, every day",
    },
    {
        "name": "NHS 111, option 2",
        "description": f"Urgent mental health help: call 111 and choose option 2. {CHECK_NOTE}",
        "phone": "111",
        "url": "https://111.nhs.uk/",
        "hours": "24 hours, every day",
    },
    {
        "name": "Shout",
        "description": f"Text SHOUT to 85258 to text with a trained volunteer. {CHECK_NOTE}",
        "text_number": "85258",
        "url": "https://giveusashout.org/",
        "hours": "24 hours, every day",
    },
    {
        "name": "Emergency services",
        "description": f"Call 999 if a life is at risk right now. {CHECK_NOTE}",
        "phone": "999",
        "hours": "24 hours, every day",
    },
)


@dataclass(frozen=True)
class Person:
    username: str
    pseudonym: str
    real_name: str
    role: Role
    context: dict[str, Any] = field(default_factory=dict)
    demo_login: bool = False


# The demo logins first, then the people who make the groups look lived in.
# Pseudonyms are the kind people choose for themselves; none points at a place or a person.
PEOPLE: tuple[Person, ...] = (
    Person(
        "participant",
        "Fellwalker",
        "Daniel Hirst",
        Role.PARTICIPANT,
        {"gender": "man", "year_of_birth": 1984, "postcode_area": "LS12"},
        demo_login=True,
    ),
    Person(
        "volunteer",
        "Quiet Oak",
        "Marcus Bell",
        Role.VOLUNTEER,
        {"gender": "man", "year_of_birth": 1971},
        demo_login=True,
    ),
    Person("coordinator", "Willow", "Helen Ashworth", Role.COORDINATOR, demo_login=True),
    Person(
        "safeguarding_lead", "Harbour Light", "Ruth Okafor", Role.SAFEGUARDING_LEAD, demo_login=True
    ),
    Person("evaluator", "Fieldnotes", "Tom Sedgwick", Role.EVALUATOR, demo_login=True),
    Person("admin", "Keystone", "Priya Lal", Role.ADMIN, demo_login=True),
    # volunteers
    Person(
        "riverwalker",
        "RiverWalker",
        "Gary Pickles",
        Role.VOLUNTEER,
        {"gender": "man", "year_of_birth": 1966},
    ),
    Person(
        "heron", "Heron", "Aisha Rahman", Role.VOLUNTEER, {"gender": "woman", "year_of_birth": 1990}
    ),
    Person(
        "lantern",
        "Lantern",
        "Claire Dunmore",
        Role.VOLUNTEER,
        {"gender": "woman", "year_of_birth": 1979},
    ),
    Person(
        "bramble",
        "Bramble",
        "Kath Lister",
        Role.VOLUNTEER,
        {"gender": "woman", "year_of_birth": 1958},
    ),
    # participants
    Person(
        "kestrel",
        "Kestrel",
        "Lee Wainwright",
        Role.PARTICIPANT,
        {"gender": "man", "year_of_birth": 1992, "postcode_area": "LS13"},
    ),
    Person(
        "stillwater",
        "StillWater",
        "Imran Siddiqui",
        Role.PARTICIPANT,
        {"gender": "man", "year_of_birth": 1979, "postcode_area": "LS11"},
    ),
    Person(
        "moorland",
        "Moorland Sky",
        "Chris Holroyd",
        Role.PARTICIPANT,
        {"gender": "man", "year_of_birth": 1961, "postcode_area": "BD3"},
    ),
    Person(
        "bluefinch",
        "Blue Finch",
        "Laura Midgley",
        Role.PARTICIPANT,
        {
            "gender": "woman",
            "year_of_birth": 1995,
            "perinatal_stage": "postnatal",
            "postcode_area": "LS6",
        },
    ),
    Person(
        "juniper",
        "Juniper",
        "Sophie Barraclough",
        Role.PARTICIPANT,
        {
            "gender": "woman",
            "year_of_birth": 1993,
            "perinatal_stage": "pregnant",
            "postcode_area": "HG1",
        },
    ),
    Person(
        "morningtea",
        "Morning Tea",
        "Janet Firth",
        Role.PARTICIPANT,
        {"gender": "woman", "year_of_birth": 1957, "postcode_area": "HG2"},
    ),
    Person(
        "thistle",
        "Thistle",
        "Ewan Scott",
        Role.PARTICIPANT,
        {"gender": "man", "year_of_birth": 1988, "postcode_area": "HG1"},
    ),
    Person(
        "slowtide",
        "Slow Tide",
        "Nadia Hussain",
        Role.PARTICIPANT,
        {"gender": "woman", "year_of_birth": 1982, "postcode_area": "HG5"},
    ),
    Person(
        "northstar",
        "North Star",
        "Bev Cartwright",
        Role.PARTICIPANT,
        {"gender": "woman", "year_of_birth": 1969, "postcode_area": "HG3"},
    ),
    Person(
        "paperboat",
        "Paper Boat",
        "Ollie Greenwood",
        Role.PARTICIPANT,
        {"gender": "non_binary", "year_of_birth": 1999, "postcode_area": "YO10"},
    ),
)

PROGRAMMES: tuple[dict[str, Any], ...] = (
    {
        "name": "Men's Peer Support",
        "focus": "men",
        "description": (
            "Groups where men talk about what is going on for them, with other men who have been "
            "there too. No referral needed, no need to talk until you want to."
        ),
        "genders": ["man"],
        "min_age": 18,
    },
    {
        "name": "Perinatal Peer Support",
        "focus": "perinatal",
        "description": (
            "Support for parents who are expecting a baby or have a young child and are finding it "
            "hard: a weekly online group, and one-to-one support from a peer supporter who "
            "has been through it."
        ),
        "perinatal_stages": ["pregnant", "postnatal", "toddler"],
        "offers_groups": True,
        "offers_one_to_one": True,
    },
    {
        "name": "Personal Recovery Course",
        "focus": "recovery",
        "description": (
            "A ten-week course, led by peers, on personal recovery: hope, identity, meaning, "
            "connection and taking back control. The same small group meets every week."
        ),
        "min_age": 18,
    },
    {
        "name": "Community Peer Support",
        "focus": "general",
        "description": (
            "Open groups around Yorkshire for anyone wanting to meet people who understand."
        ),
    },
    {
        "name": "Carers' Peer Support",
        "focus": "carers",
        "description": "For people who look after someone with a mental health problem.",
    },
)


def _next_week_day(today: dt.date, weekday: int) -> dt.date:
    """The ``weekday`` (Monday = 0) in the calendar week after ``today``'s."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    return next_monday + dt.timedelta(days=weekday)


def _weeks_ago_day(today: dt.date, weekday: int, weeks: int) -> dt.date:
    """The ``weekday`` in the calendar week ``weeks`` before this one."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(weeks=weeks) + dt.timedelta(days=weekday)


def _groups(today: dt.date) -> tuple[dict[str, Any], ...]:
    """The groups, keyed to the programme they belong to. Dates are relative to
    ``today`` so that the demo always has a course starting next week."""
    started = _weeks_ago_day
    return (
        {
            "programme": "Men's Peer Support",
            "facilitators": ["volunteer", "riverwalker"],
            "name": "Monday Men's Group, Leeds",
            "description": (
                "Men meeting every Monday evening for a brew and an honest conversation. "
                "Come as you are; you can just listen."
            ),
            "delivery": "in_person",
            "venue_name": "Wharfside Community Rooms",
            "address": "Wharfside Community Rooms, 27 Canal Wharf Lane, Leeds LS11 5QT",
            "area": "Leeds city centre",
            "latitude": 53.7930,
            "longitude": -1.5502,
            "capacity": 12,
            "weekday": 0,
            "start_time": dt.time(19, 0),
            "duration_minutes": 120,
            "start_date": started(today, 0, 4),
        },
        {
            "programme": "Perinatal Peer Support",
            "facilitators": ["heron"],
            "name": "New Parents Online",
            "description": (
                "A friendly video call for parents-to-be and parents of babies and toddlers. "
                "Cameras optional; babies welcome."
            ),
            "delivery": "online",
            "online_link": "https://meet.example.org/riverside-new-parents",
            "area": "Online",
            "capacity": 10,
            "weekday": 3,
            "start_time": dt.time(10, 0),
            "duration_minutes": 90,
            "start_date": started(today, 3, 4),
        },
        {
            "programme": "Personal Recovery Course",
            "facilitators": ["lantern", "riverwalker"],
            "name": "Personal Recovery: a 10-week peer course",
            "kind": "course",
            "course_weeks": 10,
            "description": (
                "Ten weekly sessions in a small closed group, each on one part of personal "
                "recovery. Tea, biscuits and handouts provided."
            ),
            "delivery": "in_person",
            "venue_name": "Chapel Street Learning Centre",
            "address": "Chapel Street Learning Centre, 8 Chapel Row, Headingley, Leeds LS6 3HF",
            "area": "Headingley, Leeds",
            "latitude": 53.8196,
            "longitude": -1.5776,
            "capacity": 12,
            "weekday": 2,
            "start_time": dt.time(10, 30),
            "duration_minutes": 120,
            "start_date": _next_week_day(today, 2),
        },
        {
            "programme": "Men's Peer Support",
            "facilitators": ["riverwalker"],
            "name": "Bradford Men's Group",
            "description": "Men supporting men, every Tuesday evening near the city centre.",
            "delivery": "in_person",
            "venue_name": "Listerhills Community Hall",
            "address": "Listerhills Community Hall, 112 Thornbury Row, Bradford BD7 1QE",
            "area": "Bradford",
            "latitude": 53.7925,
            "longitude": -1.7680,
            "capacity": 12,
            "weekday": 1,
            "start_time": dt.time(18, 30),
            "duration_minutes": 90,
            "start_date": started(today, 1, 6),
        },
        {
            "programme": "Community Peer Support",
            "facilitators": ["bramble"],
            "name": "Wakefield Wednesday Circle",
            "description": "An open peer support group for adults, every Wednesday afternoon.",
            "delivery": "in_person",
            "venue_name": "Westgate Meeting House",
            "address": "Westgate Meeting House, 5 Tanners Yard, Wakefield WF1 2NR",
            "area": "Wakefield",
            "latitude": 53.6822,
            "longitude": -1.5040,
            "capacity": 10,
            "weekday": 2,
            "start_time": dt.time(14, 0),
            "duration_minutes": 90,
            "start_date": started(today, 2, 8),
        },
        {
            "programme": "Community Peer Support",
            "facilitators": ["bramble", "lantern"],
            "name": "Harrogate Peer Support Group",
            "description": "A small, steady group on Thursday evenings. Places are limited.",
            "delivery": "in_person",
            "venue_name": "Valley Gardens Pavilion Room",
            "address": "Pavilion Room, 3 Bogs Lane Walk, Harrogate HG1 2RA",
            "area": "Harrogate",
            "latitude": 53.9905,
            "longitude": -1.5470,
            "capacity": 4,
            "weekday": 3,
            "start_time": dt.time(18, 0),
            "duration_minutes": 90,
            "start_date": started(today, 3, 3),
        },
        {
            "programme": "Community Peer Support",
            "facilitators": ["lantern"],
            "name": "York Saturday Morning Group",
            "description": "Peer support over coffee on Saturday mornings, near the station.",
            "delivery": "hybrid",
            "venue_name": "Micklegate Quaker Rooms",
            "address": "Micklegate Quaker Rooms, 41 Priory Lane, York YO1 6LB",
            "online_link": "https://meet.example.org/riverside-york",
            "area": "York",
            "latitude": 53.9562,
            "longitude": -1.0900,
            "capacity": 12,
            "weekday": 5,
            "start_time": dt.time(10, 0),
            "duration_minutes": 90,
            "start_date": started(today, 5, 2),
        },
        {
            "programme": "Men's Peer Support",
            "facilitators": ["volunteer"],
            "name": ONLINE_MENS_GROUP,
            "description": (
                "A short online check-in for men on Thursday evenings, with a group room "
                "that stays open between sessions for a word of support any day."
            ),
            "delivery": "online",
            "online_link": "https://meet.example.org/riverside-mens-check-in",
            "area": "Online",
            "capacity": 12,
            "weekday": 3,
            "start_time": dt.time(20, 0),
            "duration_minutes": 60,
            "start_date": started(today, 3, 3),
        },
        {
            "programme": "Carers' Peer Support",
            "facilitators": ["heron"],
            "name": "Carers' Circle Online",
            "description": (
                "An evening video group for people caring for someone with a mental health "
                "problem. Join from anywhere."
            ),
            "delivery": "online",
            "online_link": "https://meet.example.org/riverside-carers",
            "area": "Online",
            "capacity": 14,
            "weekday": 1,
            "start_time": dt.time(19, 30),
            "duration_minutes": 90,
            "start_date": started(today, 1, 5),
        },
    )


# Who joins what, in order. The Harrogate group has four places and six people
# asking, so the last two wait: a small waiting list to show.
ENROLMENTS: tuple[tuple[str, str], ...] = (
    ("participant", "Monday Men's Group, Leeds"),
    ("participant", "Personal Recovery: a 10-week peer course"),
    ("kestrel", "Monday Men's Group, Leeds"),
    ("stillwater", "Monday Men's Group, Leeds"),
    ("moorland", "Bradford Men's Group"),
    ("bluefinch", "New Parents Online"),
    ("juniper", "New Parents Online"),
    ("stillwater", "Personal Recovery: a 10-week peer course"),
    ("paperboat", "Personal Recovery: a 10-week peer course"),
    ("morningtea", "Harrogate Peer Support Group"),
    ("thistle", "Harrogate Peer Support Group"),
    ("slowtide", "Harrogate Peer Support Group"),
    ("northstar", "Harrogate Peer Support Group"),
    ("juniper", "Harrogate Peer Support Group"),
    ("paperboat", "Harrogate Peer Support Group"),
    ("paperboat", "York Saturday Morning Group"),
    ("northstar", "Carers' Circle Online"),
    ("participant", ONLINE_MENS_GROUP),
    ("kestrel", ONLINE_MENS_GROUP),
    ("thistle", ONLINE_MENS_GROUP),
)

# Live rooms: what people have already said, by sign-in name. Friendly, ordinary,
# and nothing that would set off risk screening.
GROUP_ROOM_MESSAGES: tuple[tuple[str, str], ...] = (
    ("volunteer", "Evening all. How has the week been treating everyone?"),
    ("kestrel", "Up and down, but I went for a walk at lunch every day, which helped."),
    ("thistle", "Good to hear. I finally rang my brother after months. Glad I did."),
    ("volunteer", "That's two good things. See you both on Thursday; the kettle's on here."),
)
PAIRING_MESSAGES: tuple[tuple[str, str], ...] = (
    ("volunteer", "Hi, I'm Quiet Oak. I'll be your peer supporter for the next few weeks."),
    ("participant", "Hi. Thanks. Not really sure what to say yet, if I'm honest."),
    (
        "volunteer",
        "That's fine, there's no rush. I remember feeling the same. Shall we start with "
        "how your week has been?",
    ),
)
SUPPORTERS_MESSAGES: tuple[tuple[str, str], ...] = (
    (
        "riverwalker",
        "Reminder: group supervision is on Tuesday at 6. Bring anything that's been "
        "weighing on you, big or small.",
    ),
    ("heron", "Thanks, I'll be there. Looking after ourselves too."),
)


@dataclass
class DemoResult:
    organisation: Organisation
    created: bool
    made: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, number: int = 1) -> None:
        if number:
            self.made[what] = self.made.get(what, 0) + number

    def summary(self) -> str:
        if not self.made:
            return f"Demo data for {self.organisation.name} is already in place; nothing changed."
        parts = ", ".join(f"{n} {what}" for what, n in self.made.items())
        return f"Demo data for {self.organisation.name}: created {parts}."


def _organisation() -> tuple[Organisation, bool]:
    organisation = Organisation.objects.filter(slug=ORGANISATION_SLUG).first()
    if organisation is not None:
        return organisation, False
    organisation = Organisation.objects.create(
        name=ORGANISATION_NAME,
        slug=ORGANISATION_SLUG,
        country="GB",
        timezone="Europe/London",
        default_language="en",
        contact_email="hello@riverside.example.org",
    )
    audit_record(
        actor=None,
        action="organisation.create",
        obj=organisation,
        organisation=organisation,
        detail={"source": "demo"},
    )
    return organisation, True


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def _person(person: Person, organisation: Organisation, result: DemoResult) -> User:
    user = User.objects.filter(username=person.username).first()
    if user is None:
        user = user_create(
            username=person.username,
            pseudonym=person.pseudonym,
            # A strong throwaway password satisfies the validators; the shared demo
            # password, which they would reject, is set straight after.
            password=secrets.token_urlsafe(24),
            real_name=person.real_name,
            email=f"{person.username}@riverside.example.org",
        )
        # One hash for all demo logins: Argon2 is slow on purpose, and they share the password.
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
        if person.context:
            context_update(user=user, actor=user, **person.context)
        result.count("people")
    if person.role == Role.ADMIN and not (user.is_staff and user.is_superuser):
        user_make_superuser(user=user, organisation=organisation, source="demo")
    membership_grant(user=user, organisation=organisation, role=person.role, actor=None)
    if person.role == Role.PARTICIPANT:
        consent_give(user=user, organisation=organisation, purpose=Purpose.SERVICE)
        consent_give(user=user, organisation=organisation, purpose=Purpose.CONTACT)
        if person.username in {"participant", "kestrel", "bluefinch", "morningtea", "paperboat"}:
            consent_give(user=user, organisation=organisation, purpose=Purpose.RESEARCH)
    return user


def demo_seed(*, today: dt.date | None = None) -> DemoResult:
    """Create the demo organisation and everything in it that is not there yet."""
    today = today or timezone.localdate()
    with transaction.atomic():
        organisation, created = _organisation()
        result = DemoResult(organisation=organisation, created=created)
        if created:
            result.count("organisation")

        if not organisation.crisis_resources.exists():
            for position, resource in enumerate(CRISIS_RESOURCES):
                item = CrisisResource.objects.create(
                    organisation=organisation, position=position, verified_at=None, **resource
                )
                audit_record(
                    actor=None,
                    action="crisis_resource.create",
                    obj=item,
                    organisation=organisation,
                    detail={"source": "demo"},
                )
                result.count("crisis resources")

        people = {person.username: _person(person, organisation, result) for person in PEOPLE}
        coordinator = people["coordinator"]
        # Volunteers are active, trained and checked before they facilitate.
        _volunteers(organisation, people, result)

        programmes: dict[str, Programme] = {}
        for spec in PROGRAMMES:
            programme = Programme.objects.filter(
                organisation=organisation, name=spec["name"]
            ).first()
            if programme is None:
                programme = programme_create(actor=coordinator, organisation=organisation, **spec)
                result.count("programmes")
            programmes[spec["name"]] = programme

        groups: dict[str, Group] = {}
        for spec in _groups(today):
            fields = dict(spec)
            programme = programmes[fields.pop("programme")]
            facilitators = [people[name].pk for name in fields.pop("facilitators")]
            group = Group.objects.filter(organisation=organisation, name=fields["name"]).first()
            if group is None:
                group = group_create(
                    actor=coordinator, programme=programme, facilitator_ids=facilitators, **fields
                )
                result.count("groups")
            groups[spec["name"]] = group

        for username, group_name in ENROLMENTS:
            user, group = people[username], groups[group_name]
            if Enrolment.objects.filter(group=group, user=user).exists():
                continue
            enrolment_join(user=user, group=group)
            result.count("enrolments")

        _rooms(organisation, people, groups, result)
        _safety(organisation, people, today, result)
        _questionnaires(organisation, people, programmes, groups, result)
        _volunteer_life(organisation, people, result)
        _matching(organisation, people, result)
    return result


#: Each programme's questionnaire schedule: (instrument, label, anchor, days after).
SCHEDULES: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "Men's Peer Support": (
        ("phq9", "Baseline", "joined", 0),
        ("gad7", "Baseline", "joined", 0),
        ("phq9", "Week 6", "joined", 42),
        ("gad7", "Week 6", "joined", 42),
        ("ons4", "Week 12", "joined", 84),
    ),
    "Personal Recovery": (
        ("ons4", "Baseline", "joined", 0),
        ("ons4", "End of course", "course_end", 0),
        ("ucla3", "3 months after", "course_end", 91),
    ),
}
#: The demo participant's earlier answers in the Monday group (joined 13 weeks
#: ago), so that "My progress" has a story: PHQ-9 17 -> 11, GAD-7 13 -> 7.
PARTICIPANT_HISTORY: dict[tuple[str, str], list[int]] = {
    ("phq9", "Baseline"): [2, 2, 2, 3, 2, 2, 2, 2, 0],
    ("gad7", "Baseline"): [2, 2, 2, 2, 2, 2, 1],
    ("phq9", "Week 6"): [1, 1, 2, 1, 1, 2, 1, 2, 0],
    ("gad7", "Week 6"): [1, 1, 1, 1, 1, 1, 1],
}
HISTORY_GROUP = "Monday Men's Group, Leeds"


def _questionnaires(
    organisation: Organisation,
    people: dict[str, User],
    programmes: dict[str, Programme],
    groups: dict[str, Group],
    result: DemoResult,
) -> None:
    """Schedules for two programmes, the demo participant's earlier answers,
    and the questionnaires due now (made as the hourly task makes them)."""
    from peercircle.questionnaires.models import SchedulePoint
    from peercircle.questionnaires.services import (
        assignments_generate,
        response_submit,
        schedule_point_add,
    )

    if SchedulePoint.objects.filter(programme__organisation=organisation).exists():
        return
    coordinator = people["coordinator"]
    for programme_name, points in SCHEDULES.items():
        programme = next(p for name, p in programmes.items() if name.startswith(programme_name))
        for instrument, label, anchor, days in points:
            schedule_point_add(
                actor=coordinator,
                programme=programme,
                instrument=instrument,
                label=label,
                anchor=anchor,
                offset_days=days,
            )
            result.count("questionnaire time points")
    participant = people["participant"]
    enrolment = Enrolment.objects.get(group=groups[HISTORY_GROUP], user=participant)
    joined = timezone.now() - dt.timedelta(weeks=13)
    Enrolment.objects.filter(pk=enrolment.pk).update(joined_at=joined)
    for days in (1, 43):
        assignments_generate(joined + dt.timedelta(days=days))
    for assignment in participant.questionnaires_due.filter(enrolment=enrolment):
        answers = PARTICIPANT_HISTORY.get((assignment.instrument, assignment.label))
        if answers is not None:
            response_submit(
                person=participant,
                assignment=assignment,
                answers=answers,
                now=assignment.due_at + dt.timedelta(days=2),
            )
            result.count("questionnaire responses")
    result.count("questionnaires due now", assignments_generate())


#: A concern the demo volunteer has raised, so the safeguarding lead's queue has
#: something to acknowledge and close.
DEMO_CONCERN = (
    "In tonight's check-in Thistle said he has not been sleeping and has gone back "
    "to 'old habits'. He said he was fine, but he went quiet after that. Could "
    "someone check in with him this week?"
)


def _safety(
    organisation: Organisation, people: dict[str, User], today: dt.date, result: DemoResult
) -> None:
    """A duty rota (the safeguarding lead first, the administrator as backup) for
    a year from yesterday, and one open concern."""
    from peercircle.safety.models import Alert, DutyShift
    from peercircle.safety.services import concern_raise, shift_add

    admin = people["admin"]
    if not DutyShift.objects.filter(organisation=organisation).exists():
        zone = ZoneInfo(organisation.timezone)
        starts = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        ends = starts + dt.timedelta(days=366)
        for position, username in enumerate(("safeguarding_lead", "admin")):
            shift_add(
                actor=admin,
                organisation_id=organisation.pk,
                person=people[username],
                starts_at=starts,
                ends_at=ends,
                position=position,
            )
            result.count("duty shifts")
    if not Alert.objects.filter(organisation=organisation).exists():
        concern_raise(
            actor=people["volunteer"],
            organisation_id=organisation.pk,
            person=people["thistle"],
            level="moderate",
            categories=["self_harm"],
            note=DEMO_CONCERN,
        )
        result.count("safeguarding alerts")


def _say(room: Room, user: User, body: str, client_id: str) -> None:
    """Post as ``user``, as the room page would: take a seat, enter, send."""
    seat = room_seat(user, room.pk)
    member = member_enter(seat=seat, user=user)
    seat = dataclasses.replace(seat, member_id=member.pk)
    message_send(seat=seat, author=user, body=body, client_id=client_id)


def _converse(
    room: Room, people: dict[str, User], lines: tuple[tuple[str, str], ...], result: DemoResult
) -> None:
    if room.last_seq:
        return  # already talked; never add to a conversation people may have continued
    for number, (username, body) in enumerate(lines, start=1):
        _say(room, people[username], body, client_id=f"demo-{number}")
        result.count("room messages")


def _rooms(
    organisation: Organisation,
    people: dict[str, User],
    groups: dict[str, Group],
    result: DemoResult,
) -> None:
    """Live rooms a demo login can try at any time: the online men's group's
    room between sessions, a one-to-one conversation, the supporters' room."""
    coordinator = people["coordinator"]
    if not RoomPolicy.objects.filter(organisation=organisation).exists():
        room_policy_update(actor=coordinator, organisation=organisation, standing_group_rooms=True)
        result.count("room settings")
    _converse(room_standing(group=groups[ONLINE_MENS_GROUP]), people, GROUP_ROOM_MESSAGES, result)

    participant, volunteer = people["participant"], people["volunteer"]
    pairing = Pairing.objects.filter(
        organisation=organisation, participant=participant, volunteer=volunteer
    ).first()
    if pairing is None:
        pairing = pairing_create(
            actor=coordinator,
            organisation=organisation,
            participant_id=participant.pk,
            volunteer_id=volunteer.pk,
        )
        result.count("pairings")
    if pairing.is_active:
        _converse(Room.objects.get(pairing=pairing), people, PAIRING_MESSAGES, result)

    _converse(room_supporters(organisation=organisation), people, SUPPORTERS_MESSAGES, result)


#: Each demo volunteer's application: the lived experience they share, their
#: languages, when they are free, what they do. Fictional, like the people.
VOLUNTEERING: dict[str, dict[str, Any]] = {
    "volunteer": {
        "lived_experience": (
            "Depression and anxiety after I was made redundant at 48. A men's group got me "
            "talking again."
        ),
        "languages": ["English"],
        "availability": ["mon_evening", "thu_evening", "sat_morning"],
        "roles_wanted": ["facilitate", "one_to_one"],
    },
    "riverwalker": {
        "lived_experience": "Years of drinking to cope with low mood, and a long recovery.",
        "languages": ["English"],
        "availability": ["mon_evening", "tue_evening", "wed_morning"],
        "roles_wanted": ["facilitate"],
    },
    "heron": {
        "lived_experience": "Postnatal depression after my first child was born.",
        "languages": ["English", "Urdu", "Punjabi"],
        "availability": ["tue_evening", "thu_morning"],
        "roles_wanted": ["facilitate", "one_to_one"],
    },
    "lantern": {
        "lived_experience": "Bipolar disorder, and rebuilding my life after a hospital stay.",
        "languages": ["English"],
        "availability": ["wed_morning", "sat_morning", "thu_evening"],
        "roles_wanted": ["facilitate"],
    },
    "bramble": {
        "lived_experience": "Caring for my son through psychosis, and my own burnout after it.",
        "languages": ["English"],
        "availability": ["wed_afternoon", "thu_evening"],
        "roles_wanted": ["facilitate"],
    },
}
#: A member on the way to becoming a peer supporter: applied, in screening.
APPLICANT = "paperboat"
APPLICATION = {
    "lived_experience": "Anxiety at university; the recovery course helped me a lot.",
    "languages": ["English", "British Sign Language"],
    "availability": ["sat_morning", "sun_afternoon"],
    "roles_wanted": ["one_to_one"],
}


def _volunteers(organisation: Organisation, people: dict[str, User], result: DemoResult) -> None:
    """Take each demo volunteer through the pipeline with the volunteers'
    services (application, references, interview, training signed off by the
    coordinator, a background check), so that the gate lets them facilitate;
    and one member who has applied and is in screening."""
    from peercircle.volunteers import services as volunteering
    from peercircle.volunteers.gate import organisation_today
    from peercircle.volunteers.models import TrainingModule, VolunteerProfile

    coordinator = people["coordinator"]
    today = organisation_today(organisation)
    volunteering.curriculum_seed(organisation=organisation)
    for username, application in VOLUNTEERING.items():
        person = people[username]
        if VolunteerProfile.objects.filter(organisation=organisation, person=person).exists():
            continue
        profile = volunteering.application_submit(
            person=person, organisation=organisation, **application
        )
        volunteering.volunteer_screen(actor=coordinator, profile=profile)
        for referee, relationship in (("A. Referee", "employer"), ("B. Referee", "friend")):
            reference = volunteering.reference_add(
                actor=coordinator, profile=profile, referee_name=referee, relationship=relationship
            )
            volunteering.reference_receive(
                actor=coordinator, reference=reference, satisfactory=True
            )
        volunteering.interview_record(
            actor=coordinator,
            profile=profile,
            held_on=today - dt.timedelta(days=120),
            outcome="proceed",
            notes="Demo data: a warm, thoughtful conversation.",
        )
        volunteering.volunteer_train(actor=coordinator, profile=profile)
        roles = application["roles_wanted"]
        for module in TrainingModule.objects.filter(organisation=organisation, is_active=True):
            if any(module.required_for_role(role) for role in roles):
                completion = volunteering.module_complete(
                    actor=person,
                    profile=profile,
                    module=module,
                    reflection="Demo data: what I will do differently after this module.",
                )
                volunteering.module_sign_off(actor=coordinator, completion=completion)
        volunteering.check_record(
            actor=coordinator,
            profile=profile,
            kind="Enhanced DBS with barred lists",
            checked_on=today - dt.timedelta(days=100),
            expires_on=today + dt.timedelta(days=3 * 365 - 100),
            outcome="clear",
        )
        volunteering.volunteer_activate(actor=coordinator, profile=profile)
        result.count("active volunteers")

    applicant = people[APPLICANT]
    if not VolunteerProfile.objects.filter(organisation=organisation, person=applicant).exists():
        profile = volunteering.application_submit(
            person=applicant, organisation=organisation, **APPLICATION
        )
        volunteering.volunteer_screen(actor=coordinator, profile=profile)
        volunteering.reference_add(
            actor=coordinator, profile=profile, referee_name="C. Referee", relationship="tutor"
        )
        result.count("volunteer applications")


def _volunteer_life(
    organisation: Organisation, people: dict[str, User], result: DemoResult
) -> None:
    """Supervision (a group session last week with an agreed action, and a
    one-to-one next week), wellbeing check-ins (one asking for a chat), hours
    this month, and two supporters' events."""
    from peercircle.volunteers import services as volunteering
    from peercircle.volunteers.gate import organisation_today
    from peercircle.volunteers.models import ActivityLog, PeerEvent, Supervision, VolunteerProfile

    coordinator = people["coordinator"]
    zone = ZoneInfo(organisation.timezone)
    now = timezone.now()
    today = organisation_today(organisation)
    profiles = {
        p.person.username: p
        for p in VolunteerProfile.objects.filter(organisation=organisation).select_related("person")
    }
    if not Supervision.objects.filter(organisation=organisation).exists():
        last_week = dt.datetime.combine(today - dt.timedelta(days=7), dt.time(18), tzinfo=zone)
        group = volunteering.supervision_schedule(
            actor=coordinator,
            organisation=organisation,
            kind="group",
            scheduled_at=last_week,
            supervisor=coordinator,
            profiles=[profiles[name] for name in ("volunteer", "riverwalker", "heron")],
            place="Wharfside Community Rooms, upstairs",
        )
        volunteering.supervision_record(
            actor=coordinator,
            supervision=group,
            notes="Demo data: talked about new members and endings.",
            now=max(now, last_week + dt.timedelta(hours=1)),
        )
        volunteering.action_add(
            actor=coordinator,
            supervision=group,
            profile=profiles["volunteer"],
            text="Plan the Monday group's welcome for new members with RiverWalker.",
            due_on=today + dt.timedelta(days=10),
        )
        volunteering.supervision_schedule(
            actor=coordinator,
            organisation=organisation,
            kind="one_to_one",
            scheduled_at=dt.datetime.combine(
                today + dt.timedelta(days=6), dt.time(17), tzinfo=zone
            ),
            supervisor=coordinator,
            profiles=[profiles["volunteer"]],
            place="Online",
        )
        result.count("supervisions", 2)
        for username, ons4, chat, days_ago in (
            ("volunteer", [7, 8, 7, 3], False, 28),
            ("volunteer", [7, 8, 6, 4], False, 3),
            ("heron", [6, 7, 5, 6], False, 30),
            ("heron", [5, 7, 4, 7], True, 2),
        ):
            volunteering.checkin_submit(
                actor=people[username],
                profile=profiles[username],
                ons4=ons4,
                workload={"manageable": 4, "supported": 4, "rested": 3, "carrying": 2},
                wants_chat=chat,
                now=now - dt.timedelta(days=days_ago),
            )
            result.count("wellbeing check-ins")
    if not ActivityLog.objects.filter(profile__organisation=organisation).exists():
        start = today.replace(day=1)
        for username, kind, hours, contacts in (
            ("volunteer", "group_session", "2.5", 7),
            ("volunteer", "one_to_one", "1", 1),
            ("riverwalker", "group_session", "2", 9),
            ("heron", "group_session", "1.5", 5),
        ):
            volunteering.activity_log(
                actor=people[username],
                profile=profiles[username],
                on=start,
                kind=kind,
                hours=hours,
                contacts=contacts,
            )
            result.count("activity entries")
    if not PeerEvent.objects.filter(organisation=organisation).exists():
        saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
        for title, day, at, place, link, description in (
            (
                "Supporters' walk and lunch",
                saturday,
                dt.time(11),
                "Roundhay Park, by the café",
                "",
                "An easy walk round the lake and lunch together. Partners and dogs welcome.",
            ),
            (
                "Learning together: supporting someone after a bereavement",
                saturday + dt.timedelta(days=4),
                dt.time(19),
                "",
                "https://meet.example.org/riverside-supporters",
                "An hour online with a guest from a bereavement charity, then questions.",
            ),
        ):
            volunteering.peer_event_create(
                actor=coordinator,
                organisation=organisation,
                title=title,
                starts_at=dt.datetime.combine(day, at, tzinfo=zone),
                ends_at=dt.datetime.combine(day, at, tzinfo=zone) + dt.timedelta(hours=2),
                place=place,
                online_link=link,
                description=description,
            )
            result.count("supporters' events")


def demo_logins() -> list[tuple[str, str]]:
    """(sign-in name, role label) for each demo login that exists."""
    existing = set(
        User.objects.filter(username__in=[r.value for r in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    )
    return [(role.value, role.label) for role in DEMO_LOGINS if role.value in existing]


#: What the demo's one-to-one supporters offer (matchmaking.services.offer_update).
SUPPORTER_OFFERS: dict[str, dict[str, Any]] = {
    "volunteer": {
        "formats": ["in_person", "online", "phone"],
        "tags": ["redundancy", "low_mood", "anxiety"],
        "town": "Leeds",
    },
    "heron": {
        "formats": ["online", "in_person"],
        "tags": ["new_mum", "low_mood"],
        "town": "Bradford",
    },
}
#: Members waiting for a peer supporter (matchmaking.services.request_submit), so
#: that a coordinator can run a matching round in the demo.
SUPPORT_REQUESTS: dict[str, dict[str, Any]] = {
    "kestrel": {
        "languages": ["English"],
        "slots": ["mon-evening", "thu-evening"],
        "formats": ["online", "in_person"],
        "town": "Leeds",
        "tags": ["low_mood"],
        "gender_preference": "man",
        "gender_strength": "nice",
        "note": "I work shifts, so evenings suit me best.",
    },
    "bluefinch": {
        "languages": ["English"],
        "slots": ["tue-evening", "thu-morning"],
        "formats": ["online", "in_person"],
        "town": "Leeds",
        "tags": ["new_mum"],
        "gender_preference": "woman",
        "gender_strength": "must",
    },
    "stillwater": {
        "languages": ["Urdu", "English"],
        "slots": ["tue-evening"],
        "formats": ["online"],
        "tags": ["bereavement"],
    },
    "moorland": {
        "languages": ["English"],
        "slots": ["sat-morning"],
        "formats": ["phone"],
        "tags": ["redundancy"],
    },
}


def _matching(organisation: Organisation, people: dict[str, User], result: DemoResult) -> None:
    """Supporters' offers and a few members waiting for a peer supporter, made
    with the matching services; nothing is matched yet, so a coordinator can
    run a round. See docs/matching.md, "In the platform"."""
    from peercircle.matchmaking import services as matchmaking
    from peercircle.matchmaking.models import SupporterOffer, SupportRequest
    from peercircle.volunteers.models import VolunteerProfile

    for username, offer in SUPPORTER_OFFERS.items():
        profile = VolunteerProfile.objects.get(organisation=organisation, person=people[username])
        if not SupporterOffer.objects.filter(profile=profile).exists():
            matchmaking.offer_update(actor=people[username], profile=profile, **offer)
            result.count("supporter offers")
    for username, request in SUPPORT_REQUESTS.items():
        person = people[username]
        if not SupportRequest.objects.filter(organisation=organisation, person=person).exists():
            matchmaking.request_submit(person=person, organisation=organisation, **request)
            result.count("requests for a peer supporter")
