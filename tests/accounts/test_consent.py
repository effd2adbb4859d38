"""Consent page through HTTP: status, wording, give and withdraw, with history."""

from __future__ import annotations

from peercircle.accounts.consent import CURRENT_VERSION, WORDING, Purpose
from peercircle.accounts.models import Consent
from peercircle.accounts.services import has_consent
from peercircle.core.models import AuditEvent
from tests.factories import MembershipFactory

CONSENT = "/account/consent/"


def test_consent_page_shows_status_version_and_wording(client, participant, org):
    client.force_login(participant)
    html = client.get(CONSENT).content.decode()
    assert "Riverside Peer Support" in html
    assert "Agreed" in html
    assert f"wording version {CURRENT_VERSION[Purpose.SERVICE]}" in html
    for purpose in Purpose:
        assert WORDING[purpose][CURRENT_VERSION[purpose]] in html
    assert "you can't join new groups" in html


def test_withdraw_then_give_again_keeps_the_history(client, participant, org):
    client.force_login(participant)
    post = {"organisation": org.pk, "purpose": "service"}
    response = client.post(CONSENT, {**post, "action": "withdraw"})
    assert response.status_code == 302
    assert not has_consent(user=participant, organisation=org, purpose=Purpose.SERVICE)
    assert "Withdrawn" in client.get(CONSENT).content.decode()

    client.post(CONSENT, {**post, "action": "give"})
    assert has_consent(user=participant, organisation=org, purpose=Purpose.SERVICE)
    history = list(
        Consent.objects.filter(user=participant, organisation=org, purpose="service").order_by(
            "given_at", "id"
        )
    )
    assert len(history) == 2
    assert history[0].withdrawn_at is not None and history[1].withdrawn_at is None
    actions = list(
        AuditEvent.objects.filter(actor_id=participant.pk, action__startswith="consent.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["consent.give", "consent.withdraw", "consent.give"]


def test_giving_optional_research_consent(client, participant, org):
    client.force_login(participant)
    client.post(CONSENT, {"organisation": org.pk, "purpose": "research", "action": "give"})
    assert has_consent(user=participant, organisation=org, purpose=Purpose.RESEARCH)


def test_consent_for_an_organisation_you_do_not_belong_to_is_not_found(
    client, participant, other_org
):
    client.force_login(participant)
    response = client.post(
        CONSENT, {"organisation": other_org.pk, "purpose": "service", "action": "give"}
    )
    assert response.status_code == 404
    assert not Consent.objects.filter(user=participant, organisation=other_org).exists()


def test_nonsense_consent_posts_are_not_found(client, participant, org):
    client.force_login(participant)
    assert (
        client.post(
            CONSENT, {"organisation": "x", "purpose": "service", "action": "give"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            CONSENT, {"organisation": org.pk, "purpose": "sales", "action": "give"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            CONSENT, {"organisation": org.pk, "purpose": "service", "action": "sell"}
        ).status_code
        == 404
    )


def test_consent_page_lists_each_organisation_separately(client, participant, other_org):
    MembershipFactory(user=participant, organisation=other_org, role="participant")
    client.force_login(participant)
    html = client.get(CONSENT).content.decode()
    assert "Riverside Peer Support" in html and "Hilltop Wellbeing" in html
