"""Authorisation-matrix rows for the matching pages (see tests/matrix_base.py).

/manage/matching/ is the coordinators'; an outsider (a coordinator elsewhere)
sees only their own organisation's list. /support/ is for anyone signed in;
asking is for the organisation's participants; a request is its person's; a
pairing's "ask to end or change" is for its two people; the offer pages are
the volunteer's. Everyone else gets the same 404 as for something missing.

``prepare`` adds: the participant's own waiting request, another member's
request with a suggestion of the volunteer from a round, the participant's
open request to change the world's pairing, and the volunteer's profile."""

from __future__ import annotations

from tests.matrix_base import COORDINATOR_ONLY, SIGN_IN, Visit, expect

COORDINATOR_POST = expect(404, anonymous=SIGN_IN, coordinator=302)
PARTICIPANT_PAGE = expect(404, anonymous=SIGN_IN, participant=200)
PARTICIPANT_POST = expect(404, anonymous=SIGN_IN, participant=302)
VOLUNTEER_PAGE = expect(404, anonymous=SIGN_IN, volunteer=200)
VOLUNTEER_POST = expect(404, anonymous=SIGN_IN, volunteer=302)
PAIR_PAGE = expect(404, anonymous=SIGN_IN, participant=200, volunteer=200)

ASK = {
    "languages": "English",
    "slots": ["mon-evening"],
    "formats": ["online"],
    "gender_strength": "nice",
    "tag_strength": "nice",
}


def prepare(world) -> None:
    from peercircle.matchmaking import services
    from peercircle.matchmaking.models import ChangeRequest
    from peercircle.volunteers.models import VolunteerProfile
    from tests.conftest import member_with_consent

    org = world.org
    coordinator = world.people["coordinator"]
    profile = VolunteerProfile.objects.get(person=world.people["volunteer"], organisation=org)
    # Room for one more whatever the world's groups add to the volunteer's caseload.
    VolunteerProfile.objects.filter(pk=profile.pk).update(caseload_limit=20)
    fields = {
        "languages": ["English"],
        "slots": ["mon-evening"],
        "formats": ["online"],
    }
    own = services.request_submit(person=world.people["participant"], organisation=org, **fields)
    seeker = member_with_consent(org, pseudonym="Seeker")
    services.request_submit(person=seeker, organisation=org, **fields)
    matching_round = services.round_run(actor=coordinator, organisation=org, objective="best_total")
    proposal = matching_round.proposals.get(request__person=seeker)
    assert proposal.profile_id == profile.pk
    change = services.change_request_submit(
        actor=world.people["participant"], pairing=world.pairing, kind="change"
    )
    assert isinstance(change, ChangeRequest)
    world.extra.update(
        matching_org=org.pk,
        matching_own_request=own.pk,
        matching_proposal=proposal.pk,
        matching_profile=profile.pk,
        matching_change=change.pk,
        matching_pairing=world.pairing.pk,
    )


def _x(w, key):
    return w.extra[key]


ROWS: list[Visit] = [
    Visit(
        "matching_manage:index",
        "get",
        lambda w: "/manage/matching/",
        expect(404, anonymous=SIGN_IN, coordinator=200, outsider=200),
    ),
    Visit(
        "matching_manage:organisation",
        "get",
        lambda w: f"/manage/matching/{_x(w, 'matching_org')}/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "matching_manage:run",
        "post",
        lambda w: f"/manage/matching/{_x(w, 'matching_org')}/run/",
        COORDINATOR_POST,
        data=lambda w: {"objective": "most_matched"},
    ),
    Visit(
        "matching_manage:accept",
        "post",
        lambda w: f"/manage/matching/proposals/{_x(w, 'matching_proposal')}/accept/",
        COORDINATOR_POST,
    ),
    Visit(
        "matching_manage:accept",
        "post",
        lambda w: "/manage/matching/proposals/999999/accept/",
        expect(404, anonymous=SIGN_IN),
    ),
    Visit(
        "matching_manage:change",
        "get",
        lambda w: f"/manage/matching/proposals/{_x(w, 'matching_proposal')}/change/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "matching_manage:change",
        "post",
        lambda w: f"/manage/matching/proposals/{_x(w, 'matching_proposal')}/change/",
        COORDINATOR_POST,
        data=lambda w: {"profile": _x(w, "matching_profile")},
    ),
    Visit(
        "matching_manage:reject",
        "get",
        lambda w: f"/manage/matching/proposals/{_x(w, 'matching_proposal')}/reject/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "matching_manage:reject",
        "post",
        lambda w: f"/manage/matching/proposals/{_x(w, 'matching_proposal')}/reject/",
        COORDINATOR_POST,
        data=lambda w: {"reason": "They know each other."},
    ),
    Visit(
        "matching_manage:resolve",
        "get",
        lambda w: f"/manage/matching/change-requests/{_x(w, 'matching_change')}/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "matching_manage:resolve",
        "post",
        lambda w: f"/manage/matching/change-requests/{_x(w, 'matching_change')}/",
        COORDINATOR_POST,
        data=lambda w: {"outcome": "ended", "reason": "They asked to change."},
    ),
    Visit("support:home", "get", lambda w: "/support/", expect(200, anonymous=SIGN_IN)),
    Visit(
        "support:ask",
        "get",
        lambda w: f"/support/{_x(w, 'matching_org')}/ask/",
        PARTICIPANT_PAGE,
    ),
    Visit(
        "support:ask",
        "post",
        lambda w: f"/support/{_x(w, 'matching_org')}/ask/",
        PARTICIPANT_POST,
        data=lambda w: ASK,
    ),
    Visit(
        "support:withdraw",
        "post",
        lambda w: f"/support/requests/{_x(w, 'matching_own_request')}/withdraw/",
        PARTICIPANT_POST,
    ),
    Visit(
        "support:ask_change",
        "get",
        lambda w: f"/support/pairings/{_x(w, 'matching_pairing')}/change/",
        PAIR_PAGE,
    ),
    Visit(
        "support:ask_change",
        "post",
        lambda w: f"/support/pairings/{_x(w, 'matching_pairing')}/change/",
        # The participant has asked already: the form comes back with why.
        expect(404, anonymous=SIGN_IN, participant=400, volunteer=302),
        data=lambda w: {"kind": "end", "note": "Moving away."},
    ),
    Visit("support:offer", "get", lambda w: "/support/offer/", VOLUNTEER_PAGE),
    Visit(
        "support:offer_save",
        "post",
        lambda w: f"/support/offer/{_x(w, 'matching_profile')}/",
        VOLUNTEER_POST,
        data=lambda w: {"formats": ["online", "phone"], "tags": ["carer"]},
    ),
]
