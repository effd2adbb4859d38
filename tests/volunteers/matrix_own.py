"""Authorisation-matrix rows for these pages and endpoints (see tests/matrix_base.py).

A volunteer's own pages at /volunteering/: the ``volunteer`` persona is an
active volunteer of the organisation; nobody else has a volunteer record
there, so each of their own pages is a 404 for everyone else (the same as for
a record that does not exist). Anyone signed in may apply where they are a
member; the volunteer has applied already, so their application is refused
with the form shown again (400)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.matrix_base import SIGN_IN, SIGNED_IN, Visit, expect

#: Only the volunteer themselves; everyone else cannot tell the page exists.
OWN_PAGE = expect(404, anonymous=SIGN_IN, volunteer=200)
OWN_POST = expect(404, anonymous=SIGN_IN, volunteer=302)

APPLICATION = {
    "lived_experience": "Years of anxiety, and a group that helped.",
    "languages": "English",
    "availability": ["mon_evening"],
    "roles_wanted": ["one_to_one"],
}
CHECKIN = {
    "satisfied": "6",
    "worthwhile": "8",
    "happy": "6",
    "anxious": "3",
    "manageable": "4",
    "supported": "5",
    "rested": "3",
    "carrying": "2",
}


def prepare(world) -> None:
    """Add to ``world.extra`` what the rows below need: a module of the
    organisation, an agreed action and an activity entry of the volunteer,
    and the debrief offered to them after the world's high alert."""
    from peercircle.volunteers import services
    from peercircle.volunteers.gate import organisation_today
    from peercircle.volunteers.models import DebriefOffer, TrainingModule, VolunteerProfile

    coordinator = world.people["coordinator"]
    profile = VolunteerProfile.objects.get(person=world.people["volunteer"], organisation=world.org)
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=world.org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(days=1),
        supervisor=coordinator,
        profiles=[profile],
    )
    services.debriefs_offer_for_alert(alert=world.alert)
    world.extra.update(
        own_org=world.org.pk,
        own_module=TrainingModule.objects.filter(organisation=world.org, is_active=True)
        .order_by("position")
        .first()
        .pk,
        own_action=services.action_add(
            actor=coordinator, supervision=supervision, profile=profile, text="Rest well."
        ).pk,
        own_activity=services.activity_log(
            actor=profile.person,
            profile=profile,
            on=organisation_today(world.org),
            kind="training",
            hours="1",
        ).pk,
        own_debrief=DebriefOffer.objects.get(profile=profile, alert=world.alert).pk,
    )


def _org(w, tail=""):
    return f"/volunteering/{w.extra['own_org']}/{tail}"


ROWS: list[Visit] = [
    Visit(
        "volunteers:home",
        "get",
        lambda w: "/volunteering/",
        expect(200, anonymous=SIGN_IN, volunteer=302),
    ),
    Visit("volunteers:apply", "get", lambda w: "/volunteering/apply/", SIGNED_IN),
    Visit(
        "volunteers:apply",
        "post",
        lambda w: "/volunteering/apply/",
        expect(302, anonymous=SIGN_IN, volunteer=400),
        data=lambda w: APPLICATION,
    ),
    Visit("volunteers:mine", "get", lambda w: _org(w), OWN_PAGE),
    Visit(
        "volunteers:mine", "get", lambda w: "/volunteering/999999/", expect(404, anonymous=SIGN_IN)
    ),
    Visit("volunteers:pause", "post", lambda w: _org(w, "pause/"), OWN_POST),
    Visit("volunteers:resume", "post", lambda w: _org(w, "resume/"), OWN_POST),
    Visit("volunteers:leave", "get", lambda w: _org(w, "leave/"), OWN_PAGE),
    Visit(
        "volunteers:leave",
        "post",
        lambda w: _org(w, "leave/"),
        OWN_POST,
        data=lambda w: {"reason": ""},
    ),
    Visit("volunteers:training", "get", lambda w: _org(w, "training/"), OWN_PAGE),
    Visit("volunteers:certificate", "get", lambda w: _org(w, "certificate/"), OWN_PAGE),
    Visit("volunteers:wellbeing", "get", lambda w: _org(w, "wellbeing/"), OWN_PAGE),
    Visit(
        "volunteers:wellbeing",
        "post",
        lambda w: _org(w, "wellbeing/"),
        OWN_POST,
        data=lambda w: CHECKIN,
    ),
    Visit("volunteers:activity", "get", lambda w: _org(w, "activity/"), OWN_PAGE),
    Visit(
        "volunteers:activity",
        "post",
        lambda w: _org(w, "activity/"),
        OWN_POST,
        data=lambda w: {"on": timezone.localdate().isoformat(), "kind": "other", "hours": "1"},
    ),
    Visit("volunteers:network", "get", lambda w: _org(w, "network/"), OWN_PAGE),
    Visit(
        "volunteers:module",
        "get",
        lambda w: f"/volunteering/modules/{w.extra['own_module']}/",
        OWN_PAGE,
    ),
    Visit(
        "volunteers:module",
        "post",
        lambda w: f"/volunteering/modules/{w.extra['own_module']}/",
        OWN_POST,
        data=lambda w: {"reflection": "I listen more than I talk now."},
    ),
    Visit(
        "volunteers:action_done",
        "post",
        lambda w: f"/volunteering/actions/{w.extra['own_action']}/done/",
        OWN_POST,
    ),
    Visit(
        "volunteers:debrief_respond",
        "post",
        lambda w: f"/volunteering/debriefs/{w.extra['own_debrief']}/",
        OWN_POST,
        data=lambda w: {"answer": "yes"},
    ),
    Visit(
        "volunteers:activity_remove",
        "post",
        lambda w: f"/volunteering/activity/{w.extra['own_activity']}/remove/",
        OWN_POST,
    ),
]
