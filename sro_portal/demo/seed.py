"""The demo: agency "Edmonton Police Service (demo)" (slug eps) with 16 invented high schools,
8 SROs, a supervisor, an agency admin and school admins; and a smaller second agency
(northvale) to show isolation. Every school, person and email here is invented.

Later issues extend `seed_demo` with their own demo data (drills, activities, incidents...).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from incidents.models import Disclosure, FollowUp, Incident, Involvement
from officers.models import (
    Activity,
    Assignment,
    CommunityPartner,
    OfficerProfile,
    Referral,
    Student,
)
from payoff.models import Agreement, CheckIn, PurgedAgreement, Statement, Task, WorkSession
from schools.models import (
    CorrectiveAction,
    Drill,
    DrillRule,
    School,
    SchoolBoard,
    SchoolMembership,
)
from sro_portal.accounts.models import Agency, Invitation, Role, User
from sro_portal.accounts.reminders import remind_before_expiry
from sro_portal.accounts.services import invitation_create
from sro_portal.demo.drills import seed_drills
from sro_portal.demo.incidents import seed_incidents
from sro_portal.demo.officers import seed_officer_work
from sro_portal.demo.payoff import seed_agreements
from sro_portal.demo.presentations import delete_presentations, seed_presentations
from sro_portal.reminders.models import Reminder

DEMO_PASSWORD = "sro-demo-2026!"  # noqa: S105 (written in the README on purpose)

EPS_SCHOOLS = [
    "Aspen Ridge Catholic High",
    "Blue Heron Catholic High",
    "Cedar Point Catholic High",
    "Driftwood Valley Catholic High",
    "Eastgate Commons Catholic High",
    "Fireweed Catholic High",
    "Golden Prairie Catholic High",
    "Harvest Moon Catholic High",
    "Ironwood Catholic High",
    "Juniper Flats Catholic High",
    "Kestrel Park Catholic High",
    "Larkspur Catholic High",
    "Maple Hollow Catholic High",
    "Northwind Catholic High",
    "Old Mill Catholic High",
    "Prairie Crocus Catholic High",
]
EPS_OFFICERS = [
    "Cst. Maya Okafor",
    "Cst. Daniel Beaulieu",
    "Cst. Priya Sandhu",
    "Cst. Tom Whitehorse",
    "Cst. Elena Kowalczyk",
    "Cst. Marcus Lindqvist",
    "Cst. Aisha Rahimi",
    "Cst. Jordan Tremblay",
]
NORTHVALE_SCHOOLS = ["Northvale Composite High", "Spruce Hollow High", "Willow Creek High"]


@dataclass
class DemoSummary:
    agencies: list[str]
    accounts: list[tuple[str, str, str]]  # (agency slug, email, role label)
    password: str = DEMO_PASSWORD


def _user(agency, email, role, full_name):
    user = User.objects.create_user(
        email, DEMO_PASSWORD, agency=agency, role=role, full_name=full_name
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _school_admin(agency, email, full_name, schools):
    user = _user(agency, email, Role.SCHOOL, full_name)
    SchoolMembership.objects.bulk_create(
        SchoolMembership(agency=agency, user=user, school=school) for school in schools
    )
    return user


def _build_agency(*, name, slug, board_name, school_names, officer_names, people):
    agency = Agency.objects.create(name=name, slug=slug)
    board = SchoolBoard.objects.create(agency=agency, name=board_name)
    schools = [
        School.objects.create(
            agency=agency,
            board=board,
            name=school_name,
            address=f"{100 + 7 * i} Demo Avenue",
            phone=f"780-555-{1000 + i:04d}",
        )
        for i, school_name in enumerate(school_names)
    ]
    _user(agency, f"admin@{slug}.demo", Role.ADMIN, people["admin"])
    _user(agency, f"supervisor@{slug}.demo", Role.SUPERVISOR, people["supervisor"])
    officers = [
        _user(agency, f"sro{'' if i == 0 else i + 1}@{slug}.demo", Role.SRO, officer_name)
        for i, officer_name in enumerate(officer_names)
    ]
    _assign(agency, officers, schools)
    return agency, schools


def _assign(agency, officers, schools):
    """Each officer is primary at an equal share of the schools and backup at the next one.
    The last school's primary assignment ends in three weeks: a coverage gap coming."""
    today = agency.today()
    year_start = agency.school_year_for(today).start
    share = max(1, len(schools) // len(officers))
    for index, school in enumerate(schools):
        officer = officers[min(index // share, len(officers) - 1)]
        ends_on = today + timedelta(days=21) if index == len(schools) - 1 else None
        Assignment.objects.create(
            agency=agency,
            officer=officer,
            school=school,
            kind=Assignment.Kind.PRIMARY,
            starts_on=year_start,
            ends_on=ends_on,
        )
        backup = officers[(officers.index(officer) + 1) % len(officers)]
        if backup != officer:
            Assignment.objects.create(
                agency=agency,
                officer=backup,
                school=school,
                kind=Assignment.Kind.BACKUP,
                starts_on=year_start,
            )


def _pending_invitation(agency):
    """An invitation sent six days ago and still not accepted: its "expires soon" reminder is
    due, so the demo shows a reminder on the console and under Notifications within a minute."""
    admin = User.objects.get(email=f"admin@{agency.slug}.demo")
    invitation = invitation_create(
        actor=admin,
        email=f"new.officer@{agency.slug}.demo",
        role=Role.SRO,
        full_name="Cst. Sam Delorme",
    )
    invitation.expires_at = timezone.now() + timedelta(hours=20)
    invitation.save(update_fields=["expires_at"])
    remind_before_expiry(invitation)


def _people_by_school(agency, schools) -> dict:
    """Each school's admins and its primary officer, as the drill demo needs them."""
    admins: dict = {school: [] for school in schools}
    for link in SchoolMembership.objects.filter(agency=agency).select_related("user", "school"):
        admins[link.school].append(link.user)
    primary = {
        a.school_id: a.officer
        for a in Assignment.objects.filter(
            agency=agency, kind=Assignment.Kind.PRIMARY
        ).select_related("officer")
    }
    return {school: (admins[school], primary[school.pk]) for school in schools}


@transaction.atomic
def seed_demo() -> DemoSummary:
    """Build both demo agencies. Refuses to run twice (see `seed_demo --reset`)."""
    if Agency.objects.filter(slug__in=["eps", "northvale"]).exists():
        raise ValueError("The demo agencies exist already.")
    eps, eps_schools = _build_agency(
        name="Edmonton Police Service (demo)",
        slug="eps",
        board_name="Edmonton Catholic Schools (demo)",
        school_names=EPS_SCHOOLS,
        officer_names=EPS_OFFICERS,
        people={"admin": "Sgt. Renée Gagnon", "supervisor": "S/Sgt. Colin McAllister"},
    )
    _school_admin(eps, "school@eps.demo", "Principal Grace Holloway", eps_schools[:2])
    _school_admin(eps, "school2@eps.demo", "Vice-Principal Omar Haddad", eps_schools[2:3])
    _school_admin(eps, "school3@eps.demo", "Principal Lucie Fortin", eps_schools[3:4])

    northvale, northvale_schools = _build_agency(
        name="Northvale Police Service (demo)",
        slug="northvale",
        board_name="Northvale School Division (demo)",
        school_names=NORTHVALE_SCHOOLS,
        officer_names=["Cst. Ben Arsenault", "Cst. Ruth Nakamura"],
        people={"admin": "Insp. Hana Petrov", "supervisor": "Sgt. Luis Ortega"},
    )
    _school_admin(northvale, "school@northvale.demo", "Principal Dev Mehta", northvale_schools[:1])

    _pending_invitation(eps)
    people = _people_by_school(eps, eps_schools)
    seed_drills(eps, eps_schools[0].board, eps_schools, people)
    officers_by_school = {school: officer for school, (_, officer) in people.items()}
    seed_officer_work(eps, officers_by_school, eps.today())
    seed_incidents(eps, officers_by_school, eps.today())
    supervisor = User.objects.get(email="supervisor@eps.demo")
    seed_agreements(eps, officers_by_school, supervisor, eps.today())
    # After the officers' work: the catalogue's topics name its community partners.
    seed_presentations(eps)
    seed_presentations(northvale, small=True)
    User.objects.create_superuser("staff@platform.demo", DEMO_PASSWORD, full_name="Platform staff")
    accounts = [
        (user.agency.slug if user.agency else "-", user.email, user.get_role_display() or "staff")
        for user in User.objects.select_related("agency").order_by("agency__slug", "role", "email")
    ]
    return DemoSummary(agencies=[eps.name, northvale.name], accounts=accounts)


@transaction.atomic
def delete_demo() -> None:
    """Remove both demo agencies and everything in them (local use only)."""
    agencies = Agency.objects.filter(slug__in=["eps", "northvale"])
    Reminder.objects.filter(agency__in=agencies).delete()
    delete_presentations(agencies)
    for model in (PurgedAgreement, CheckIn, WorkSession, Task, Statement, Agreement):
        model.objects.filter(agency__in=agencies).delete()
    for model in (Disclosure, FollowUp, Involvement, Incident):
        model.objects.filter(agency__in=agencies).delete()
    for model in (Referral, Activity, Student, CommunityPartner, OfficerProfile):
        model.objects.filter(agency__in=agencies).delete()
    Assignment.objects.filter(agency__in=agencies).delete()
    CorrectiveAction.objects.filter(agency__in=agencies).delete()
    Drill.objects.filter(agency__in=agencies).delete()
    DrillRule.objects.filter(agency__in=agencies).delete()
    SchoolMembership.objects.filter(agency__in=agencies).delete()
    School.objects.filter(agency__in=agencies).delete()
    SchoolBoard.objects.filter(agency__in=agencies).delete()
    Invitation.objects.filter(agency__in=agencies).delete()
    User.objects.filter(agency__in=agencies).delete()
    User.objects.filter(email="staff@platform.demo").delete()
    agencies.delete()
