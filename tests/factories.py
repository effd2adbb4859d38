"""Test data builders (factory-boy). Personas live in conftest.py."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from peercircle.accounts.models import ContextProfile, User
from peercircle.core.models import CrisisResource, Membership, Organisation
from peercircle.programmes.models import Delivery, Group, GroupKind, Programme

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Peer Support Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    country = "GB"
    timezone = "Europe/London"


class CrisisResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrisisResource

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Samaritans"
    phone = "116 123"
    hours = "24 hours"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    pseudonym = factory.Sequence(lambda n: f"Member {n}")
    # Letters and spaces only, so that "shown" and "not shown" checks on HTML are
    # never fooled by escaping (an apostrophe becomes &#x27;).
    real_name = factory.Sequence(lambda n: f"Jordan Realname{n:05d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def context(obj, create, extracted, **kwargs):
        if create:
            ContextProfile.objects.get_or_create(user=obj, defaults={**(extracted or {}), **kwargs})
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "participant"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    focus = "general"
    description = "Peer support for anyone who is struggling."


def next_weekday(weekday: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


class GroupFactory(factory.django.DjangoModelFactory):
    """A group made directly (no sessions); use services.group_create for sessions."""

    class Meta:
        model = Group

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SelfAttribute("programme.organisation")
    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")
    kind = GroupKind.ROLLING
    delivery = Delivery.IN_PERSON
    venue_name = "Community centre"
    area = "Leeds"
    latitude = 53.8008
    longitude = -1.5491
    capacity = 10
    weekday = 0
    start_time = dt.time(19, 0)
    duration_minutes = 120
    start_date = factory.LazyFunction(lambda: next_weekday(0))


def make_active_volunteer(
    user: User,
    organisation: Organisation,
    *,
    trainer: User,
    roles: tuple[str, ...] = ("facilitate", "one_to_one"),
):
    """Take ``user`` through the volunteer pipeline with the services, as a
    coordinator (``trainer``) would: application, screening (references, an
    interview), training (every required module completed and signed off), a
    current background check, active. Returns the profile."""
    from peercircle.volunteers import services
    from peercircle.volunteers.gate import organisation_today
    from peercircle.volunteers.models import TrainingModule

    today = organisation_today(organisation)
    profile = services.application_submit(
        person=user,
        organisation=organisation,
        lived_experience="I lived with depression for years, and a peer group helped me.",
        languages=["English"],
        availability=["mon_evening", "thu_evening"],
        roles_wanted=list(roles),
    )
    services.volunteer_screen(actor=trainer, profile=profile)
    for number in range(services.policy_for(organisation).references_required):
        reference = services.reference_add(
            actor=trainer, profile=profile, referee_name=f"Referee {number}", relationship="tutor"
        )
        services.reference_receive(actor=trainer, reference=reference, satisfactory=True)
    services.interview_record(actor=trainer, profile=profile, held_on=today, outcome="proceed")
    services.volunteer_train(actor=trainer, profile=profile)
    for module in TrainingModule.objects.filter(organisation=organisation, is_active=True):
        if not any(module.required_for_role(role) for role in roles):
            continue
        completion = services.module_complete(
            actor=user, profile=profile, module=module, reflection="I will listen more."
        )
        services.module_sign_off(actor=trainer, completion=completion)
    services.check_record(
        actor=trainer,
        profile=profile,
        kind="Enhanced DBS",
        checked_on=today - dt.timedelta(days=30),
        expires_on=today + dt.timedelta(days=3 * 365),
        outcome="clear",
    )
    return services.volunteer_activate(actor=trainer, profile=profile)
