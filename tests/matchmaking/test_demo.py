"""The demo has people waiting for a peer supporter and supporters' offers,
so a coordinator can run a matching round there."""

from __future__ import annotations

from peercircle.accounts.models import User
from peercircle.core.demo import SUPPORT_REQUESTS, demo_seed
from peercircle.matchmaking import services
from peercircle.matchmaking.models import SupporterOffer, SupportRequest


def test_a_coordinator_can_run_a_round_in_the_demo(db):
    result = demo_seed()
    organisation = result.organisation
    assert SupportRequest.objects.filter(state="waiting").count() == len(SUPPORT_REQUESTS)
    assert SupporterOffer.objects.count() == 2

    matching_round = services.round_run(
        actor=User.objects.get(username="coordinator"),
        organisation=organisation,
        objective="best_total",
    )

    found = {
        p.request.person.username: p.profile.person.username
        for p in matching_round.proposals.select_related("request__person", "profile__person")
    }
    # Blue Finch must have a woman: Heron, free on Tuesday evenings.
    assert found["bluefinch"] == "heron"
    assert found["kestrel"] == "volunteer"
    assert len(found) + len(matching_round.unmatched) == len(SUPPORT_REQUESTS)
    assert demo_seed().made == {}
