"""Training: the default curriculum seeded once for every new organisation,
modules edited with versions and credits, completing with a reflection,
sign-off by a coordinator (never by oneself), refresher dates and reminders,
and the certificate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from peercircle.core.models import AuditEvent, Organisation
from peercircle.volunteers import curriculum, selectors, services
from peercircle.volunteers.models import ModuleCompletion, ModuleRevision, TrainingModule
from peercircle.volunteers.services import VolunteerError
from tests.factories import OrganisationFactory
from tests.volunteers.conftest import apply

pytestmark = pytest.mark.django_db

SLUGS = [
    "active-listening",
    "boundaries-and-sharing",
    "safeguarding-and-suicide",
    "aggression-and-de-escalation",
    "facilitating-a-group",
    "looking-after-yourself",
]


# --- the default curriculum ---------------------------------------------------------------


def test_the_default_curriculum_has_six_modules_in_order():
    modules = curriculum.modules()
    assert [m.slug for m in modules] == SLUGS
    for module in modules:
        assert len(module.body.split()) > 400, module.slug
        assert module.reflection_prompt.endswith(("?", "."))
        assert module.written_by
    facilitating = next(m for m in modules if m.slug == "facilitating-a-group")
    assert facilitating.required_for == ("facilitate",)


def test_the_safeguarding_module_says_what_keeps_people_safe():
    text = next(m for m in curriculum.modules() if m.slug == "safeguarding-and-suicide").body
    for words in (
        "does not put the idea in their head",
        "Are you having thoughts of suicide?",
        "Stay with them",
        "**Never promise to keep it secret.**",
        "call the emergency services",
        "safeguarding procedure",
        "same day",
    ):
        assert words in text, words


def test_a_curriculum_file_that_is_wrong_says_which_and_why():
    with pytest.raises(curriculum.CurriculumError, match="x.md: the file must open with"):
        curriculum.parse("# no front matter\n", name="x.md")
    with pytest.raises(curriculum.CurriculumError, match="'title' must be a non-empty text"):
        curriculum.parse('+++\nslug = "a"\n+++\nbody', name="y.md")


def test_every_new_organisation_gets_the_curriculum_once(db):
    organisation = Organisation.objects.create(name="Dale Peers", slug="dale", country="GB")
    modules = TrainingModule.objects.filter(organisation=organisation)
    assert sorted(modules.values_list("slug", flat=True)) == sorted(SLUGS)
    assert all(m.from_default and m.version == 1 for m in modules)
    assert ModuleRevision.objects.filter(module__organisation=organisation).count() == 6
    organisation.name = "Dale Peer Support"
    organisation.save()  # saving again seeds nothing
    assert services.curriculum_seed(organisation=organisation) == 0
    assert modules.count() == 6


def test_seeding_never_touches_what_coordinators_changed(org, coordinator):
    module = TrainingModule.objects.get(organisation=org, slug="active-listening")
    services.module_update(actor=coordinator, module=module, body="Our own words. " * 30)
    TrainingModule.objects.filter(organisation=org, slug="looking-after-yourself").delete()
    assert services.curriculum_seed(organisation=org) == 1  # only the missing one comes back
    module.refresh_from_db()
    assert module.body.startswith("Our own words.")


def test_organisations_are_seeded_separately(org, other_org):
    assert TrainingModule.objects.filter(organisation=org).count() == 6
    assert TrainingModule.objects.filter(organisation=other_org).count() == 6


# --- editing modules ----------------------------------------------------------------------


def test_editing_the_text_makes_a_new_version_with_its_credits(org, coordinator):
    module = TrainingModule.objects.get(organisation=org, slug="boundaries-and-sharing")
    services.module_update(
        actor=coordinator,
        module=module,
        body=module.body + "\n\nA new section.",
        co_produced_with="Riverside volunteers' forum",
    )
    module.refresh_from_db()
    assert module.version == 2
    assert module.co_produced_with == "Riverside volunteers' forum"
    revisions = list(module.revisions.order_by("version"))
    assert [r.version for r in revisions] == [1, 2]
    assert revisions[0].co_produced_with == "" and revisions[1].saved_by == coordinator
    # Changing only the refresher or the order is not a new version of the text.
    services.module_update(actor=coordinator, module=module, refresher_months=6, position=9)
    module.refresh_from_db()
    assert (module.refresher_months, module.version) == (6, 2)


def test_a_module_needs_a_title_text_reflection_and_credit(org, coordinator):
    with pytest.raises(VolunteerError) as caught:
        services.module_create(
            actor=coordinator,
            organisation=org,
            title="",
            body="",
            reflection_prompt="",
            written_by="",
        )
    assert set(caught.value.message_dict) == {"title", "body", "reflection_prompt", "written_by"}
    module = services.module_create(
        actor=coordinator,
        organisation=org,
        title="Working with interpreters",
        body="How to work with an interpreter in a group.",
        reflection_prompt="What would you do differently?",
        written_by="Jo",
        co_produced_with="Heron and Lantern",
        required_for=["one_to_one"],
    )
    assert module.slug == "working-with-interpreters" and module.position == 7


def test_only_coordinators_write_modules(org, volunteer):
    with pytest.raises(VolunteerError, match="Only a coordinator can write training modules"):
        services.module_create(
            actor=volunteer,
            organisation=org,
            title="Mine",
            body="Text",
            reflection_prompt="Why?",
            written_by="Alex",
        )


# --- completing and signing off -----------------------------------------------------------


@pytest.fixture
def trainee(org, applicant, walk):
    return walk(apply(applicant, org), "training")


@pytest.fixture
def listening(org):
    return TrainingModule.objects.get(organisation=org, slug="active-listening")


def test_a_volunteer_completes_a_module_with_a_reflection_and_a_coordinator_signs_off(
    trainee, listening, coordinator
):
    with pytest.raises(VolunteerError, match="Write a few lines of reflection first"):
        services.module_complete(
            actor=trainee.person, profile=trainee, module=listening, reflection=" "
        )
    completion = services.module_complete(
        actor=trainee.person, profile=trainee, module=listening, reflection="I talk too much."
    )
    assert completion.module_version == 1 and not completion.signed_off
    again = services.module_complete(
        actor=trainee.person, profile=trainee, module=listening, reflection="I interrupt."
    )
    assert again.pk == completion.pk  # waiting for sign-off: updated, not repeated
    signed = services.module_sign_off(actor=coordinator, completion=completion)
    assert signed.signed_off_by == coordinator and signed.refresher_due_on is None
    with pytest.raises(VolunteerError, match="signed off already"):
        services.module_sign_off(actor=coordinator, completion=completion)


def test_nobody_signs_off_their_own_training(org, trainee, listening, coordinator):
    completion = services.module_complete(
        actor=trainee.person, profile=trainee, module=listening, reflection="Fine."
    )
    with pytest.raises(VolunteerError, match="Only a coordinator can sign off training"):
        services.module_sign_off(actor=trainee.person, completion=completion)
    # A coordinator who is also training as a volunteer can't sign their own either.
    from peercircle.core.models import Membership

    Membership.objects.create(user=trainee.person, organisation=org, role="coordinator")
    from peercircle.core.access import forget_roles

    forget_roles(trainee.person)
    with pytest.raises(VolunteerError, match="can't sign off your own training"):
        services.module_sign_off(actor=trainee.person, completion=completion)
    assert not ModuleCompletion.objects.get(pk=completion.pk).signed_off


def test_only_the_volunteer_marks_their_training_complete(trainee, listening, coordinator):
    with pytest.raises(VolunteerError, match="Only the volunteer"):
        services.module_complete(
            actor=coordinator, profile=trainee, module=listening, reflection="For them."
        )


def test_training_opens_after_screening(org, applicant, listening):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError, match="can't complete training modules yet"):
        services.module_complete(
            actor=applicant, profile=profile, module=listening, reflection="Keen."
        )


def test_a_module_of_another_organisation_cannot_be_completed(trainee, other_org):
    theirs = TrainingModule.objects.get(organisation=other_org, slug="active-listening")
    with pytest.raises(VolunteerError, match="not part of the training"):
        services.module_complete(
            actor=trainee.person, profile=trainee, module=theirs, reflection="Hm."
        )


def test_sign_off_sets_the_refresher_date_from_the_modules_months(
    org, trainee, coordinator, monkeypatch
):
    module = TrainingModule.objects.get(organisation=org, slug="safeguarding-and-suicide")
    completion = services.module_complete(
        actor=trainee.person, profile=trainee, module=module, reflection="Ask directly."
    )
    moment = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)
    signed = services.module_sign_off(actor=coordinator, completion=completion, now=moment)
    assert signed.refresher_due_on == dt.date(2027, 1, 31)
    assert AuditEvent.objects.filter(action="volunteers.module_sign_off").exists()


def test_refresher_reminders_are_emailed_once_when_due_soon(org, volunteer, coordinator):
    from peercircle.volunteers.models import VolunteerProfile

    alex = VolunteerProfile.objects.get(person=volunteer)
    completion = ModuleCompletion.objects.get(profile=alex, module__slug="safeguarding-and-suicide")
    soon = dt.date.today() + dt.timedelta(days=10)
    ModuleCompletion.objects.filter(pk=completion.pk).update(refresher_due_on=soon)
    mail.outbox.clear()
    assert services.refreshers_remind() == 1
    assert services.refreshers_remind() == 0
    message = mail.outbox[0]
    assert message.to == [volunteer.email]
    assert "Safeguarding and suicide awareness" in message.subject
    due = [c.module.slug for c in selectors.refreshers_due(org)]
    assert due == ["safeguarding-and-suicide"]


def test_the_certificate_lists_signed_off_modules_with_versions(org, volunteer):
    from peercircle.volunteers.models import VolunteerProfile

    certificate = selectors.certificate_for(VolunteerProfile.objects.get(person=volunteer))
    assert certificate.name == "Alex" and certificate.organisation == org.name
    assert [line.title for line in certificate.lines][0] == "Active listening"
    assert len(certificate.lines) == 6
    assert all(line.signed_off_by == "Jo" and line.version == 1 for line in certificate.lines)


def test_training_status_shows_where_the_volunteer_is(org, trainee, listening, coordinator):
    services.module_complete(
        actor=trainee.person, profile=trainee, module=listening, reflection="."
    )
    statuses = {s.module.slug: s for s in selectors.training_status(trainee)}
    assert statuses["active-listening"].status == "waiting for sign-off"
    assert statuses["boundaries-and-sharing"].status == "not started"
    assert statuses["facilitating-a-group"].required  # Robin wants to facilitate


def test_a_new_organisation_made_by_the_factory_is_seeded_too():
    organisation = OrganisationFactory()
    assert TrainingModule.objects.filter(organisation=organisation).count() == 6
