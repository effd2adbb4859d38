"""The gate: only active volunteers with a current background check and
current, signed-off training facilitate groups or take one-to-one pairings.
Each reason on its own, and the gate where it is enforced: creating a group,
adding facilitators, and pairing someone for one-to-one support."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from peercircle.programmes.models import Facilitation
from peercircle.programmes.services import facilitators_set, group_create, group_update
from peercircle.rooms.models import Pairing
from peercircle.rooms.services import pairing_create
from peercircle.volunteers import services
from peercircle.volunteers.gate import NotEligible, may_support, organisation_today
from peercircle.volunteers.models import (
    BackgroundCheck,
    ModuleCompletion,
    TrainingModule,
    VolunteerProfile,
)
from tests.factories import MembershipFactory, next_weekday
from tests.volunteers.conftest import apply, record_check

pytestmark = pytest.mark.django_db


def make_group(programme, coordinator, facilitators, name="Thursday Group"):
    return group_create(
        actor=coordinator,
        programme=programme,
        facilitator_ids=[person.pk for person in facilitators],
        name=name,
        delivery="online",
        capacity=8,
        weekday=3,
        start_time=dt.time(18, 0),
        start_date=next_weekday(3),
    )


@pytest.fixture
def alex(volunteer):
    """Alex's profile: active, trained and checked (the persona)."""
    return VolunteerProfile.objects.get(person=volunteer)


def test_the_volunteer_persona_may_do_both(org, volunteer):
    assert may_support(volunteer, org, "facilitate").allowed
    assert may_support(volunteer, org, "one_to_one").allowed


def test_an_expired_check_is_named_with_its_date(org, volunteer, alex):
    check = BackgroundCheck.objects.get(profile=alex)
    BackgroundCheck.objects.filter(pk=check.pk).update(
        checked_on=dt.date(2023, 5, 3), expires_on=dt.date(2026, 5, 3)
    )
    verdict = may_support(volunteer, org, "facilitate", today=dt.date(2026, 5, 4))
    assert not verdict.allowed
    assert verdict.message == (
        "Alex can't facilitate yet: their background check expired on 3 May 2026."
    )
    assert may_support(volunteer, org, "facilitate", today=dt.date(2026, 5, 3)).allowed


def test_a_check_that_did_not_clear_keeps_them_out(org, volunteer, alex, coordinator):
    record_check(alex, coordinator, outcome="not_cleared")
    assert may_support(volunteer, org, "one_to_one").reasons == (
        "their background check did not clear",
    )


def test_no_check_on_record(org, volunteer, alex):
    BackgroundCheck.objects.filter(profile=alex).delete()
    assert may_support(volunteer, org, "facilitate").reasons == (
        "they have no background check on record",
    )


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("applied", "their application has not been through screening"),
        ("screening", "they are still in screening"),
        ("training", "they are still in training"),
        ("left", "they have left"),
    ],
)
def test_only_active_volunteers_may_support(org, applicant, walk, state, reason):
    profile = walk(apply(applicant, org), "training" if state == "training" else "applied")
    if state == "screening":
        walk(profile, "screening")
    if state == "left":
        services.volunteer_leave(actor=applicant, profile=profile)
    verdict = may_support(applicant, org, "facilitate")
    assert not verdict.allowed
    assert verdict.reasons[0] == reason


def test_a_paused_volunteer_may_not_take_on_new_people(org, volunteer, alex):
    services.volunteer_pause(actor=volunteer, profile=alex)
    assert may_support(volunteer, org, "one_to_one").reasons == ("they have paused volunteering",)


def test_someone_with_the_volunteer_role_but_no_record_is_told_to_apply(org):
    from tests.factories import UserFactory

    person = UserFactory(pseudonym="Sky")
    MembershipFactory(user=person, organisation=org, role="volunteer")
    verdict = may_support(person, org, "facilitate")
    assert verdict.message.startswith("Sky can't facilitate yet: they have no volunteer record")


def test_a_module_not_signed_off_or_waiting_for_sign_off(org, volunteer, alex, coordinator):
    module = TrainingModule.objects.get(organisation=org, slug="facilitating-a-group")
    ModuleCompletion.objects.filter(profile=alex, module=module).delete()
    verdict = may_support(volunteer, org, "facilitate")
    assert verdict.reasons == ("they have not completed “Facilitating a group”",)
    # It is not needed for one-to-one support.
    assert may_support(volunteer, org, "one_to_one").allowed
    services.module_complete(actor=volunteer, profile=alex, module=module, reflection="Done.")
    assert may_support(volunteer, org, "facilitate").reasons == (
        "“Facilitating a group” is waiting for a coordinator to sign it off",
    )


def test_a_refresher_past_its_date_keeps_them_out_until_signed_off_again(
    org, volunteer, alex, coordinator
):
    module = TrainingModule.objects.get(organisation=org, slug="safeguarding-and-suicide")
    completion = ModuleCompletion.objects.get(profile=alex, module=module)
    today = organisation_today(org)
    yesterday = today - dt.timedelta(days=1)
    ModuleCompletion.objects.filter(pk=completion.pk).update(refresher_due_on=yesterday)
    verdict = may_support(volunteer, org, "one_to_one")
    assert verdict.reasons == (
        "their refresher of “Safeguarding and suicide awareness” was due on "
        f"{yesterday.day} {yesterday:%B %Y}",
    )
    again = services.module_complete(
        actor=volunteer, profile=alex, module=module, reflection="Read it again."
    )
    services.module_sign_off(actor=coordinator, completion=again)
    assert may_support(volunteer, org, "one_to_one").allowed


def test_a_retired_module_is_no_longer_required(org, volunteer, alex, coordinator):
    module = TrainingModule.objects.get(organisation=org, slug="active-listening")
    ModuleCompletion.objects.filter(profile=alex, module=module).delete()
    assert not may_support(volunteer, org, "one_to_one").allowed
    services.module_set_active(actor=coordinator, module=module, active=False)
    assert may_support(volunteer, org, "one_to_one").allowed


def test_coordinators_and_administrators_pass_as_staff(org, coordinator):
    from tests.conftest import _persona

    admin = _persona(org, "admin", "ash", "Ash")
    for person in (coordinator, admin):
        verdict = may_support(person, org, "facilitate")
        assert verdict.allowed and verdict.staff


def test_require_eligible_raises_with_the_message(org, volunteer, alex):
    services.volunteer_pause(actor=volunteer, profile=alex)
    with pytest.raises(NotEligible, match="Alex can't facilitate yet: they have paused"):
        services.require_eligible(volunteer, org, "facilitate")


# --- where the gate is enforced ---------------------------------------------------------


def test_group_create_refuses_a_volunteer_who_may_not_facilitate(
    org, programme, coordinator, volunteer, alex
):
    BackgroundCheck.objects.filter(profile=alex).update(
        checked_on=dt.date(2023, 5, 3), expires_on=dt.date(2026, 5, 3)
    )
    with pytest.raises(ValidationError) as caught:
        make_group(programme, coordinator, [volunteer])
    assert caught.value.message_dict["facilitators"] == [
        "Alex can't facilitate yet: their background check expired on 3 May 2026."
    ]
    assert not programme.groups.exists()


def test_group_create_takes_an_eligible_volunteer_and_a_coordinator(
    programme, coordinator, volunteer
):
    group = make_group(programme, coordinator, [volunteer, coordinator])
    assert set(group.facilitators.all()) == {volunteer, coordinator}


def test_adding_a_facilitator_who_may_not_facilitate_is_refused_in_updates(
    org, programme, coordinator, volunteer, applicant, walk
):
    group = make_group(programme, coordinator, [volunteer])
    trainee = walk(apply(applicant, org), "training")
    with pytest.raises(ValidationError, match="Robin can't facilitate yet: they are still in"):
        group_update(actor=coordinator, group=group, facilitator_ids=[volunteer.pk, applicant.pk])
    with pytest.raises(ValidationError, match="Robin can't facilitate yet"):
        facilitators_set(actor=coordinator, group=group, user_ids=[applicant.pk])
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        volunteer.pk
    ]
    assert trainee.state == "training"


def test_an_existing_facilitator_whose_check_lapsed_does_not_block_other_changes(
    programme, coordinator, volunteer, alex
):
    group = make_group(programme, coordinator, [volunteer])
    BackgroundCheck.objects.filter(profile=alex).update(
        checked_on=dt.date(2020, 1, 1), expires_on=dt.date(2021, 1, 1)
    )
    group = group_update(
        actor=coordinator, group=group, facilitator_ids=[volunteer.pk], name="Renamed Group"
    )
    assert group.name == "Renamed Group"
    assert list(group.facilitators.all()) == [volunteer]


def test_pairing_create_refuses_a_volunteer_who_may_not_support_one_to_one(
    org, coordinator, participant, volunteer, alex
):
    services.volunteer_pause(actor=volunteer, profile=alex)
    with pytest.raises(ValidationError) as caught:
        pairing_create(
            actor=coordinator,
            organisation=org,
            participant_id=participant.pk,
            volunteer_id=volunteer.pk,
        )
    assert caught.value.message_dict["volunteer"] == [
        "Alex can't take on one-to-one support yet: they have paused volunteering."
    ]
    assert not Pairing.objects.exists()
    services.volunteer_resume(actor=volunteer, profile=alex)
    pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    assert Pairing.objects.count() == 1
