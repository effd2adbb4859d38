"""A group's public page and joining it, through HTTP."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from peercircle.accounts.consent import CURRENT_VERSION, WORDING, Purpose
from peercircle.accounts.models import ContextProfile
from peercircle.core.models import Membership
from peercircle.programmes.models import Enrolment, EnrolmentStatus, Group
from peercircle.programmes.services import enrolment_join, session_cancel
from tests.factories import CrisisResourceFactory, UserFactory

ADDRESS = "1 River Street"


def page_url(group):
    return reverse("public:group_detail", args=[group.pk, group.slug])


def join_url(group):
    return reverse("public:group_join", args=[group.pk])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_group_page_tells_what_to_expect_without_sign_in(client, group, volunteer):
    response = client.get(page_url(group))
    assert response.status_code == 200
    html = response.content.decode()
    assert "We meet every Monday evening." in html
    assert "Men&#x27;s Peer Support" in html
    assert "For men, aged 18 or over." in html
    assert "Mondays, 19:00 to 21:00" in html
    assert "3 places left" in html
    assert "Join this group" in html
    # Facilitators by pseudonym only.
    assert "Alex" in html
    assert volunteer.real_name not in html and volunteer.username not in html


def test_wrong_or_missing_slug_redirects_to_the_right_address(client, group):
    right = page_url(group)
    wrong = reverse("public:group_detail", args=[group.pk, "old-name"])
    assert client.get(wrong).url == right
    assert client.get(f"/groups/{group.pk}/").url == right


def test_address_and_link_are_hidden_from_people_who_have_not_joined(client, group, participant):
    assert ADDRESS not in client.get(page_url(group)).content.decode()
    html = signed_in(participant).get(page_url(group)).content.decode()
    assert ADDRESS not in html
    assert "Riverside Community Centre" not in html
    assert "Leeds" in html  # the area is public
    assert "The full address is shared with members once they have joined." in html


def test_members_see_the_address(group, participant):
    enrolment_join(user=participant, group=group)
    html = signed_in(participant).get(page_url(group)).content.decode()
    assert ADDRESS in html and "Riverside Community Centre" in html
    assert "You are a member of this group." in html


def test_people_on_the_waiting_list_do_not_see_the_address(group, make_member):
    members = [make_member() for _ in range(4)]
    for member in members:
        enrolment_join(user=member, group=group)
    html = signed_in(members[3]).get(page_url(group)).content.decode()
    assert "You are on the waiting list, number 1." in html
    assert ADDRESS not in html


def test_unlisted_group_is_not_found_for_outsiders_but_visible_to_members(
    client, private_group, outsider, participant
):
    url = page_url(private_group)
    assert client.get(url).status_code == 404
    assert signed_in(outsider).get(url).status_code == 404
    assert signed_in(participant).get(url).status_code == 404
    # The wrong slug must not give the right one away either.
    wrong = reverse("public:group_detail", args=[private_group.pk, "x"])
    assert client.get(wrong).status_code == 404
    enrolment_join(user=participant, group=private_group)
    assert signed_in(participant).get(url).status_code == 200


def test_missing_group_is_not_found(client, db):
    assert client.get("/groups/99999/nothing/").status_code == 404


def test_group_page_shows_the_running_organisations_crisis_line(client, other_org, org, group):
    # The default organisation (lowest id) is another one with its own line.
    CrisisResourceFactory(organisation=other_org, name="Hilltop Helpline", phone="0800 111")
    CrisisResourceFactory(organisation=org, name="Riverside Crisis Line", phone="0800 222")
    assert other_org.pk < org.pk
    assert "Hilltop Helpline" in client.get(reverse("public:finder")).content.decode()
    html = client.get(page_url(group)).content.decode()
    assert "Riverside Crisis Line" in html
    assert "Hilltop Helpline" not in html


def test_cancelled_sessions_are_marked(client, group, coordinator):
    first = group.sessions.order_by("starts_at").first()
    session_cancel(actor=coordinator, session=first, reason="The hall is closed for repairs")
    html = client.get(page_url(group)).content.decode()
    assert "<strong>Cancelled</strong>: The hall is closed for repairs" in html


# --- joining ------------------------------------------------------------------------


def test_joining_when_not_signed_in_goes_to_sign_up_and_back(client, group):
    response = client.post(join_url(group))
    assert response.status_code == 302
    assert (
        response.url
        == reverse("accounts:signup")
        + f"?next=%2Fgroups%2F{group.pk}%2F{group.slug}%2F&org={group.organisation.slug}"
    )
    assert not Enrolment.objects.exists()


def test_joining_makes_a_member(group, participant):
    response = signed_in(participant).post(join_url(group), follow=True)
    assert response.redirect_chain[-1][0] == page_url(group)
    html = response.content.decode()
    assert "You have joined Monday Men&#x27;s Group. Welcome!" in html
    assert ADDRESS in html
    enrolment = Enrolment.objects.get(user=participant, group=group)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert Group.objects.get(pk=group.pk).places_taken == 1


def test_joining_a_full_group_puts_you_on_the_waiting_list(group, make_member):
    for _ in range(3):
        enrolment_join(user=make_member(), group=group)
    late = make_member()
    html = signed_in(late).post(join_url(group), follow=True).content.decode()
    assert "is full at the moment, so you are on its waiting list" in html
    assert "(number 1)" in html
    assert Enrolment.objects.get(user=late, group=group).status == EnrolmentStatus.WAITING
    assert ADDRESS not in html


def test_joining_twice_says_so(group, participant):
    client = signed_in(participant)
    client.post(join_url(group))
    html = client.post(join_url(group), follow=True).content.decode()
    assert "You are already in this group or on its waiting list." in html
    assert Enrolment.objects.filter(user=participant).count() == 1


def test_join_needs_csrf(group, participant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant)
    assert client.post(join_url(group)).status_code == 403
    assert not Enrolment.objects.exists()


def test_first_join_asks_for_consent_then_makes_the_person_a_participant(group, org):
    newcomer = UserFactory(context={"gender": "man", "year_of_birth": 1980})
    client = signed_in(newcomer)
    wording = WORDING[Purpose.SERVICE][CURRENT_VERSION[Purpose.SERVICE]]

    step = client.post(join_url(group))
    assert step.status_code == 200
    assert "I agree that the organisation may keep the details I give here" in step.content.decode()
    assert wording.split(".")[0] in step.content.decode()
    assert not Enrolment.objects.exists()

    unticked = client.post(join_url(group), {"confirm": "1"})
    assert unticked.status_code == 400
    assert "Please tick the box to agree, so that you can join." in unticked.content.decode()
    assert not Enrolment.objects.exists()

    done = client.post(join_url(group), {"confirm": "1", "consent": "on"}, follow=True)
    assert "You have joined" in done.content.decode()
    assert Enrolment.objects.get(user=newcomer).status == EnrolmentStatus.ACTIVE
    assert (
        newcomer.consents.get(organisation=org, purpose="service").version
        == CURRENT_VERSION[Purpose.SERVICE]
    )
    assert Membership.objects.filter(user=newcomer, organisation=org, role="participant").exists()


def test_join_page_asks_exactly_the_missing_context_and_then_joins(group, make_member):
    person = make_member(perinatal_stage="")  # no year of birth, no gender
    ContextProfile.objects.filter(user=person).update(year_of_birth=None, gender="")
    client = signed_in(person)

    step = client.post(join_url(group))
    html = step.content.decode()
    assert step.status_code == 200
    assert 'name="year_of_birth"' in html and 'name="gender"' in html
    assert 'name="perinatal_stage"' not in html
    assert 'name="consent"' not in html  # already agreed
    assert not Enrolment.objects.exists()

    bad = client.post(join_url(group), {"confirm": "1", "year_of_birth": "1850", "gender": "man"})
    assert bad.status_code == 400
    assert "Please give a year of birth between" in bad.content.decode()

    done = client.post(
        join_url(group), {"confirm": "1", "year_of_birth": "1975", "gender": "man"}, follow=True
    )
    assert "You have joined" in done.content.decode()
    profile = ContextProfile.objects.get(user=person)
    assert (profile.year_of_birth, profile.gender) == (1975, "man")
    assert Enrolment.objects.get(user=person).status == EnrolmentStatus.ACTIVE


def test_context_that_rules_a_person_out_gives_the_reason_and_a_way_back(group, make_member):
    person = make_member(gender="woman", year_of_birth=1990)
    response = signed_in(person).post(join_url(group), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page_url(group)
    assert "This programme is for men." in html
    assert 'Not the right group? <a href="/">Look for another group</a>' in html
    assert not Enrolment.objects.exists()


def test_course_that_has_started_refuses_in_plain_words(programme, coordinator, participant):
    from peercircle.programmes.services import group_create

    course = group_create(
        actor=coordinator,
        programme=programme,
        name="Started Course",
        kind="course",
        course_weeks=6,
        delivery="online",
        weekday=(dt.date.today() - dt.timedelta(days=7)).weekday(),
        start_time=dt.time(0, 1),
        start_date=dt.date.today() - dt.timedelta(days=7),
    )
    html = signed_in(participant).post(join_url(course), follow=True).content.decode()
    assert "This course has already started" in html
    assert not Enrolment.objects.exists()


def test_join_page_for_an_unlisted_group_is_not_found(private_group, outsider):
    assert signed_in(outsider).post(join_url(private_group)).status_code == 404


def test_group_page_query_count_does_not_grow_with_members(
    group, participant, make_member, django_assert_max_num_queries
):
    enrolment_join(user=participant, group=group)
    for _ in range(6):  # fills the group and a waiting list
        enrolment_join(user=make_member(), group=group)
    client = signed_in(participant)
    client.get(page_url(group))
    with django_assert_max_num_queries(10):
        assert client.get(page_url(group)).status_code == 200
