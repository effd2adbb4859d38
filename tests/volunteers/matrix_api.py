"""Authorisation-matrix rows for the volunteering API (see tests/matrix_base.py).

A volunteer's record is theirs and their coordinators'; anyone else gets the
same 404 as for a record that does not exist. Steps that are visible to
someone but not theirs to take (a coordinator filling in a volunteer's
check-in or reflection) are 403."""

from __future__ import annotations

from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import TrainingModule, VolunteerProfile
from tests.matrix_base import Visit, expect


def prepare(world) -> None:
    """The volunteer's profile, a module, and a completion waiting for sign-off."""
    volunteer = world.people["volunteer"]
    profile = VolunteerProfile.objects.get(person=volunteer, organisation=world.org)
    module = TrainingModule.objects.filter(organisation=world.org, is_active=True).first()
    completion = services.module_complete(
        actor=volunteer, profile=profile, module=module, reflection="Listening before advising."
    )
    world.extra.update(
        api_profile=profile,
        api_module=module,
        api_completion=completion,
        api_today=organisation_today(world.org),
    )


def _profile(w) -> int:
    return w.extra["api_profile"].pk


OWN_OR_COORDINATOR = expect(404, anonymous=401, volunteer=200, coordinator=200)
COORDINATOR = expect(404, anonymous=401, coordinator=200)

ROWS: list[Visit] = [
    Visit(
        "api:volunteering_mine", "get", lambda w: "/api/volunteering", expect(200, anonymous=401)
    ),
    Visit(
        "api:volunteering_apply",
        "post",
        lambda w: "/api/volunteering/applications",
        # Anyone of the organisation may apply; the volunteer has already (409);
        # the outsider belongs to another organisation.
        expect(201, anonymous=401, volunteer=409, outsider=404),
        data=lambda w: {
            "organisation_id": w.org.pk,
            "lived_experience": "Years of anxiety; a group helped.",
            "languages": ["English"],
            "availability": ["mon_evening"],
            "roles_wanted": ["one_to_one"],
        },
    ),
    Visit("api:volunteer", "get", lambda w: f"/api/volunteers/{_profile(w)}", OWN_OR_COORDINATOR),
    Visit(
        "api:volunteer_move",
        "post",
        lambda w: f"/api/volunteers/{_profile(w)}/state",
        # A coordinator pausing someone must say why (422 without a reason).
        expect(404, anonymous=401, volunteer=200, coordinator=422),
        data=lambda w: {"to": "paused"},
    ),
    Visit(
        "api:module_complete",
        "post",
        lambda w: f"/api/volunteers/{_profile(w)}/modules/{w.extra['api_module'].pk}/completion",
        expect(404, anonymous=401, volunteer=201, coordinator=403),
        data=lambda w: {"reflection": "I learnt to sit with silence."},
    ),
    Visit(
        "api:volunteer_checkin",
        "post",
        lambda w: f"/api/volunteers/{_profile(w)}/check-ins",
        expect(404, anonymous=401, volunteer=201, coordinator=403),
        data=lambda w: {
            "ons4": [7, 7, 7, 3],
            "workload": {"manageable": 4, "supported": 4, "rested": 3, "carrying": 2},
        },
    ),
    Visit(
        "api:volunteer_activity",
        "post",
        lambda w: f"/api/volunteers/{_profile(w)}/activity",
        expect(404, anonymous=401, volunteer=201, coordinator=201),
        data=lambda w: {"on": w.extra["api_today"].isoformat(), "kind": "one_to_one", "hours": 1},
    ),
    Visit(
        "api:volunteers_overview",
        "get",
        lambda w: f"/api/organisations/{w.org.pk}/volunteers",
        COORDINATOR,
    ),
    Visit(
        "api:completion_sign_off",
        "post",
        lambda w: f"/api/volunteer-completions/{w.extra['api_completion'].pk}/sign-off",
        COORDINATOR,
    ),
    Visit(
        "api:volunteer_activity_export",
        "get",
        lambda w: (
            f"/api/organisations/{w.org.pk}/volunteer-activity"
            f"?start={w.extra['api_today'].isoformat()}&end={w.extra['api_today'].isoformat()}"
        ),
        COORDINATOR,
    ),
]
