"""The pipeline: applying (and incomplete applications), every move that is
allowed and every kind that is refused, who may make which move, what
leaving hands over, and that a refused move changes nothing."""

from __future__ import annotations

import pytest

from peercircle.core.access import roles_in
from peercircle.core.models import AuditEvent, Membership
from peercircle.core.roles import Role
from peercircle.programmes.models import Facilitation
from peercircle.rooms.models import Pairing
from peercircle.volunteers import services
from peercircle.volunteers.models import VolunteerEvent, VolunteerProfile
from peercircle.volunteers.services import VolunteerError
from tests.volunteers.conftest import APPLICATION, apply, record_check, screen_fully, train_fully

pytestmark = pytest.mark.django_db


def snapshot(profile):
    profile = VolunteerProfile.objects.get(pk=profile.pk)
    return (
        profile.state,
        profile.paused_from,
        profile.state_changed_at,
        VolunteerEvent.objects.filter(profile=profile).count(),
        sorted(Membership.objects.filter(user=profile.person).values_list("role", flat=True)),
    )


# --- applying ---------------------------------------------------------------------------


def test_an_application_starts_in_applied_with_an_event_by_the_applicant(org, applicant):
    profile = apply(applicant, org)
    assert profile.state == "applied"
    assert profile.languages == ["English", "Urdu"]
    assert profile.availability == ["tue_evening", "sat_morning"]
    event = profile.events.get()
    assert (event.kind, event.from_state, event.to_state, event.actor) == (
        "applied",
        "",
        "applied",
        applicant,
    )
    assert AuditEvent.objects.filter(
        action="volunteers.applied", object_id=str(profile.pk)
    ).exists()


def test_an_incomplete_application_names_everything_missing_and_stores_nothing(org, applicant):
    with pytest.raises(VolunteerError) as caught:
        services.application_submit(
            person=applicant,
            organisation=org,
            lived_experience="  ",
            languages=[],
            availability=[],
            roles_wanted=[],
        )
    messages = caught.value.message_dict
    assert set(messages) == {"lived_experience", "languages", "availability", "roles_wanted"}
    assert "lived experience you are willing to share" in messages["lived_experience"][0]
    assert "at least one language" in messages["languages"][0]
    assert "at least one time" in messages["availability"][0]
    assert "facilitate groups, one-to-one support, or both" in messages["roles_wanted"][0]
    assert str(caught.value).startswith("The application is not complete yet.")
    assert not VolunteerProfile.objects.exists()


def test_an_unknown_time_or_role_is_refused_by_name(org, applicant):
    with pytest.raises(VolunteerError) as caught:
        apply(applicant, org, availability=["mon_evening", "midnight"], roles_wanted=["driving"])
    assert "“midnight” is not one of the times on the form" in str(caught.value)
    assert "roles_wanted" in caught.value.message_dict


def test_applying_twice_says_where_the_application_is(org, applicant, walk):
    profile = apply(applicant, org)
    walk(profile, "screening")
    with pytest.raises(VolunteerError, match="already, and you are in screening now"):
        apply(applicant, org)
    assert VolunteerProfile.objects.count() == 1


# --- moves a coordinator makes ---------------------------------------------------------


def test_each_step_on_the_way_in_is_recorded_with_who_when_and_why(org, applicant, coordinator):
    profile = apply(applicant, org)
    services.volunteer_screen(actor=coordinator, profile=profile, reason="Phoned Robin.")
    screen_fully(profile, coordinator)
    services.volunteer_train(actor=coordinator, profile=profile)
    train_fully(profile, coordinator)
    record_check(profile, coordinator)
    services.volunteer_activate(actor=coordinator, profile=profile)
    moves = list(profile.events.order_by("at", "id"))
    assert [(e.from_state, e.to_state) for e in moves] == [
        ("", "applied"),
        ("applied", "screening"),
        ("screening", "training"),
        ("training", "active"),
    ]
    assert all(e.actor == coordinator and e.at is not None for e in moves[1:])
    assert moves[1].reason == "Phoned Robin."
    assert moves[2].reason == "Screening done; training started."  # no reason given: the step's
    profile.refresh_from_db()
    assert profile.state == "active"


@pytest.mark.parametrize(
    ("start", "wanted", "words"),
    [
        ("applied", "training", "You can't move from applied to training: screening comes first."),
        (
            "applied",
            "active",
            "You can't move from applied to active: screening and training come first.",
        ),
        ("screening", "active", "You can't move from screening to active: training comes first."),
        ("training", "screening", "You can't move from training back to screening."),
        ("active", "training", "You can't move from active back to training."),
        ("active", "applied", "You can't move from active back to applied."),
        ("screening", "screening", "Robin is in screening already."),
    ],
)
def test_moves_out_of_order_are_refused_plainly_and_change_nothing(
    org, applicant, coordinator, walk, start, wanted, words
):
    profile = walk(apply(applicant, org), start)
    before = snapshot(profile)
    with pytest.raises(VolunteerError) as caught:
        services.volunteer_move(actor=coordinator, profile=profile, to=wanted, reason="Because.")
    assert words in str(caught.value)
    assert snapshot(profile) == before


def test_training_waits_for_an_interview_and_references_and_says_so(org, applicant, coordinator):
    profile = apply(applicant, org)
    services.volunteer_screen(actor=coordinator, profile=profile)
    before = snapshot(profile)
    with pytest.raises(VolunteerError) as caught:
        services.volunteer_train(actor=coordinator, profile=profile)
    assert str(caught.value) == (
        "Robin can't start training yet: there is no interview on record; "
        "2 satisfactory references are needed and 0 have come back."
    )
    assert snapshot(profile) == before  # no volunteer role either


def test_an_interview_that_says_talk_again_keeps_them_in_screening(org, applicant, coordinator):
    profile = apply(applicant, org)
    services.volunteer_screen(actor=coordinator, profile=profile)
    screen_fully(profile, coordinator)
    services.interview_record(
        actor=coordinator,
        profile=profile,
        held_on=profile.applied_at.date(),
        outcome="talk_again",
    )
    with pytest.raises(VolunteerError, match="said “talk again”, not to go on to training"):
        services.volunteer_train(actor=coordinator, profile=profile)


def test_starting_training_gives_the_volunteer_role(org, applicant, walk):
    profile = walk(apply(applicant, org), "training")
    assert Role.VOLUNTEER in roles_in(profile.person, org.pk)


def test_becoming_active_waits_for_training_and_a_current_check(org, applicant, coordinator, walk):
    profile = walk(apply(applicant, org), "training")
    before = snapshot(profile)
    with pytest.raises(VolunteerError) as caught:
        services.volunteer_activate(actor=coordinator, profile=profile)
    message = str(caught.value)
    assert message.startswith("Robin can't become active yet: they have no background check")
    assert "they have not completed “Active listening”" in message
    assert "they have not completed “Facilitating a group”" in message  # they want to facilitate
    assert snapshot(profile) == before


def test_only_the_modules_for_the_roles_they_want_are_needed_to_become_active(
    org, applicant, coordinator, walk
):
    profile = walk(apply(applicant, org, roles_wanted=["one_to_one"]), "training")
    train_fully(profile, coordinator, roles=("one_to_one",))
    record_check(profile, coordinator)
    services.volunteer_activate(actor=coordinator, profile=profile)
    assert VolunteerProfile.objects.get(pk=profile.pk).state == "active"


def test_a_volunteer_cannot_move_themselves_on(org, applicant, walk):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError, match="Only a coordinator can move a volunteer on"):
        services.volunteer_screen(actor=applicant, profile=profile)


def test_a_coordinator_of_another_organisation_cannot_move_anyone(org, applicant, outsider):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError):
        services.volunteer_screen(actor=outsider, profile=profile)
    assert VolunteerProfile.objects.get(pk=profile.pk).state == "applied"


# --- pausing and resuming ----------------------------------------------------------------


@pytest.mark.parametrize("state", ["applied", "screening", "training", "active"])
def test_a_volunteer_can_pause_themselves_from_any_stage_with_no_questions(
    org, applicant, walk, state
):
    profile = walk(apply(applicant, org), state)
    services.volunteer_pause(actor=applicant, profile=profile)
    profile.refresh_from_db()
    assert (profile.state, profile.paused_from) == ("paused", state)
    event = profile.events.last()
    assert (event.kind, event.actor, event.reason) == ("paused", applicant, "")
    services.volunteer_resume(actor=applicant, profile=profile)
    profile.refresh_from_db()
    assert (profile.state, profile.paused_from) == (state, "")
    assert profile.events.last().kind == "resumed"


def test_a_coordinator_who_pauses_someone_says_why(org, applicant, coordinator, walk):
    profile = walk(apply(applicant, org), "active")
    with pytest.raises(VolunteerError, match="Say briefly why Robin is pausing"):
        services.volunteer_pause(actor=coordinator, profile=profile)
    services.volunteer_pause(actor=coordinator, profile=profile, reason="Asked for a break.")
    assert profile.events.last().reason == "Asked for a break."


def test_a_paused_volunteer_must_resume_before_moving_on(org, applicant, coordinator, walk):
    profile = walk(apply(applicant, org), "training")
    services.volunteer_pause(actor=applicant, profile=profile)
    with pytest.raises(VolunteerError, match="Robin is paused. Resume first"):
        services.volunteer_activate(actor=coordinator, profile=profile)
    with pytest.raises(VolunteerError, match="Robin is paused already"):
        services.volunteer_pause(actor=applicant, profile=profile)


def test_nobody_else_can_pause_a_volunteer(org, applicant, volunteer, walk):
    profile = walk(apply(applicant, org), "active")
    with pytest.raises(VolunteerError, match="Only the volunteer or a coordinator"):
        services.volunteer_pause(actor=volunteer, profile=profile)
    assert VolunteerProfile.objects.get(pk=profile.pk).state == "active"


def test_resuming_someone_who_is_not_paused_is_refused(org, applicant):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError, match="Robin is not paused"):
        services.volunteer_resume(actor=applicant, profile=profile)


# --- leaving and coming back --------------------------------------------------------------


@pytest.mark.parametrize("state", ["applied", "screening", "training", "active"])
def test_a_volunteer_can_leave_from_any_stage(org, applicant, walk, state):
    profile = walk(apply(applicant, org), state)
    services.volunteer_leave(actor=applicant, profile=profile)
    profile.refresh_from_db()
    assert profile.state == "left"
    assert Role.VOLUNTEER not in roles_in(applicant, org.pk)


def test_a_paused_volunteer_can_leave_and_a_coordinator_records_why(
    org, applicant, coordinator, walk
):
    profile = walk(apply(applicant, org), "active")
    services.volunteer_pause(actor=applicant, profile=profile)
    services.volunteer_leave(actor=coordinator, profile=profile, reason="Not coming back.")
    profile.refresh_from_db()
    assert (profile.state, profile.paused_from) == ("left", "")
    event = profile.events.last()
    assert (event.from_state, event.to_state, event.actor) == ("paused", "left", coordinator)


def test_leaving_hands_over_groups_and_ends_pairings_in_the_same_step(
    org, volunteer, coordinator, group, participant
):
    from peercircle.rooms.services import pairing_create

    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    profile = VolunteerProfile.objects.get(person=volunteer)
    with pytest.raises(VolunteerError, match="Say briefly why Alex is leaving"):
        services.volunteer_leave(actor=coordinator, profile=profile)
    services.volunteer_leave(actor=coordinator, profile=profile, reason="Moved away.")
    assert not Facilitation.objects.filter(user=volunteer).exists()
    pairing.refresh_from_db()
    assert pairing.ended_at is not None
    assert "stepped down" in pairing.ended_reason
    event = profile.events.last()
    assert event.detail == {"groups": [group.pk], "pairings": [pairing.pk]}
    assert event.reason == "Moved away."
    assert not Membership.objects.filter(user=volunteer, role="volunteer").exists()


def test_a_leave_that_fails_halfway_changes_nothing(
    org, volunteer, coordinator, group, participant, monkeypatch
):
    from peercircle.rooms import services as room_services

    room_services.pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    profile = VolunteerProfile.objects.get(person=volunteer)
    before = snapshot(profile)

    def broken(**kwargs):
        raise RuntimeError("the rooms database went away")

    monkeypatch.setattr(room_services, "pairing_end", broken)
    with pytest.raises(RuntimeError):
        services.volunteer_leave(actor=volunteer, profile=profile)
    assert snapshot(profile) == before
    assert Facilitation.objects.filter(user=volunteer, group=group).exists()
    assert Pairing.objects.filter(volunteer=volunteer, ended_at__isnull=True).exists()


def test_someone_who_left_can_apply_again_and_starts_from_applied(org, applicant, walk):
    profile = walk(apply(applicant, org), "training")
    services.volunteer_leave(actor=applicant, profile=profile)
    with pytest.raises(VolunteerError, match="has left. To come back they apply again"):
        services.volunteer_move(actor=applicant, profile=profile, to="paused")
    again = apply(applicant, org, languages=["English"])
    assert again.pk == profile.pk and again.state == "applied"
    assert again.languages == ["English"]
    assert [e.kind for e in again.events.order_by("at", "id")][-2:] == ["left", "reapplied"]


def test_what_the_application_says_can_be_changed_by_the_volunteer(org, applicant, volunteer):
    profile = apply(applicant, org)
    services.profile_update(actor=applicant, profile=profile, availability=["wed_morning"])
    assert VolunteerProfile.objects.get(pk=profile.pk).availability == ["wed_morning"]
    with pytest.raises(VolunteerError, match="Only the volunteer or a coordinator"):
        services.profile_update(actor=volunteer, profile=profile, availability=["wed_morning"])
    with pytest.raises(VolunteerError, match="at least one language"):
        services.profile_update(actor=applicant, profile=profile, languages=[])


def test_lived_experience_is_stored_encrypted(org, applicant):
    from django.db import connection

    profile = apply(applicant, org)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lived_experience FROM volunteers_volunteerprofile WHERE id = %s", [profile.pk]
        )
        stored = cursor.fetchone()[0]
    assert "postnatal" not in stored
    assert (
        VolunteerProfile.objects.get(pk=profile.pk).lived_experience
        == (APPLICATION["lived_experience"])
    )
