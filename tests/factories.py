"""factory-boy factories. Each takes its agency from its parent, so rows of one test object
graph always share one agency."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from incidents.models import Disclosure, FollowUp, Incident, Involvement
from officers.models import (
    Activity,
    ActivityCategory,
    Assignment,
    CommunityPartner,
    Referral,
    Student,
)
from payoff.models import Agreement, Basis, CheckIn, Task, WorkSession
from presentations.models import Feedback, Material, Presentation, Topic
from schools.models import (
    CorrectiveAction,
    Drill,
    DrillKind,
    School,
    SchoolBoard,
    SchoolMembership,
)
from sro_portal.accounts.models import Agency, Invitation, Role, User
from sro_portal.reminders.models import Reminder

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Police Service {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    role = Role.SRO
    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class SchoolBoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolBoard

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"School Board {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(SchoolBoardFactory)
    agency = factory.SelfAttribute("board.agency")
    name = factory.Sequence(lambda n: f"High School {n}")


class SchoolMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolMembership

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    user = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SCHOOL
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    officer = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )
    kind = Assignment.Kind.PRIMARY
    starts_on = factory.LazyAttribute(lambda o: o.agency.today() - timezone.timedelta(days=30))
    ends_on = None


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    agency = factory.SubFactory(AgencyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.SRO


class ReminderFactory(factory.django.DjangoModelFactory):
    """A reminder about `obj` (any tenant row), of a kind the tests register."""

    class Meta:
        model = Reminder
        exclude = ["obj"]

    obj = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("obj.agency")
    recipient = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))
    kind = "tests.school_check"
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.obj))
    object_id = factory.LazyAttribute(lambda o: str(o.obj.pk))
    due_at = factory.LazyFunction(timezone.now)


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    kind = DrillKind.LOCKDOWN
    planned_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=10))
    announced = True


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    drill = factory.SubFactory(DrillFactory)
    agency = factory.SelfAttribute("drill.agency")
    description = "Fix the classroom door lock"
    owner = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))
    due_on = factory.LazyAttribute(lambda o: o.agency.today() + timezone.timedelta(days=14))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    first_name = factory.Sequence(lambda n: f"Avery{n}")
    last_name = factory.Sequence(lambda n: f"Student{n}")
    grade = 10
    date_of_birth = factory.LazyAttribute(
        lambda o: o.agency.today().replace(year=o.agency.today().year - 15)
    )


class CommunityPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityPartner

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Youth Services {n}")
    kind = CommunityPartner.Kind.YOUTH_SERVICES


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    officer = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )
    date = factory.LazyAttribute(lambda o: o.agency.today())
    category = ActivityCategory.MENTORING
    minutes = 30


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    student = factory.SubFactory(StudentFactory)
    agency = factory.SelfAttribute("student.agency")
    partner = factory.SubFactory(CommunityPartnerFactory, agency=factory.SelfAttribute("..agency"))
    made_by = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )
    made_on = factory.LazyAttribute(lambda o: o.agency.today())
    reason = "Support with anxiety"
    consent_by = Referral.ConsentBy.STUDENT
    consent_on = factory.LazyAttribute(lambda o: o.agency.today())


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    location = "hallway"
    category = "assault"
    school_summary = "A fight in the east hallway at lunch."
    reported_by = "staff"
    recorded_by = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )


class InvolvementFactory(factory.django.DjangoModelFactory):
    """A student of the incident's school, as a subject (pass name=... and student=None for
    someone else)."""

    class Meta:
        model = Involvement

    incident = factory.SubFactory(IncidentFactory)
    agency = factory.SelfAttribute("incident.agency")
    role = "subject"
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..incident.school"))


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    incident = factory.SubFactory(IncidentFactory)
    agency = factory.SelfAttribute("incident.agency")
    description = "Check in with the vice-principal"
    owner = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO)
    due_on = factory.LazyAttribute(lambda o: o.agency.today() + timezone.timedelta(days=7))


class DisclosureFactory(factory.django.DjangoModelFactory):
    """A disclosure to an admin of the incident's school (made one if not given)."""

    class Meta:
        model = Disclosure

    incident = factory.SubFactory(IncidentFactory)
    agency = factory.SelfAttribute("incident.agency")
    recipient = factory.LazyAttribute(
        lambda o: SchoolMembershipFactory(school=o.incident.school).user
    )
    ground = Disclosure.Ground.SAFETY
    disclosed_text = "The student must not approach the victim at school."
    disclosed_by = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..school"))
    officer = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SRO
    )
    basis = Basis.SCHOOL
    offence = "Graffiti in the east stairwell"
    offence_on = factory.LazyAttribute(lambda o: o.agency.today() - timezone.timedelta(days=40))
    starts_on = factory.LazyAttribute(lambda o: o.agency.today() - timezone.timedelta(days=30))
    due_on = factory.LazyAttribute(lambda o: o.agency.today())
    status = Agreement.Status.DRAFT


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    agreement = factory.SubFactory(AgreementFactory)
    agency = factory.SelfAttribute("agreement.agency")
    kind = "restorative"
    unit = Task.Unit.HOURS
    required = 2


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    agreement = factory.SubFactory(
        AgreementFactory,
        status=Agreement.Status.COMPLETED,
        closed_on=factory.LazyAttribute(lambda o: o.agency.today()),
    )
    agency = factory.SelfAttribute("agreement.agency")
    months = 6
    due_on = factory.LazyAttribute(lambda o: o.agency.today())


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    agency = factory.SubFactory(AgencyFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    description = "What it covers, and for whom."
    grade_from = 7
    grade_to = 12
    minutes = 45


class MaterialFactory(factory.django.DjangoModelFactory):
    """A material row; its file is a name only (write one to storage when a test reads it)."""

    class Meta:
        model = Material

    topic = factory.SubFactory(TopicFactory)
    agency = factory.SelfAttribute("topic.agency")
    title = "Slides"
    file = factory.Sequence(lambda n: f"materials/test-{n}.pdf")
    content_type = "application/pdf"
    size = 1024
    uploaded_by = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.ADMIN
    )


class PresentationFactory(factory.django.DjangoModelFactory):
    """A request waiting for a date (use presentations.services to schedule and deliver it, or
    pass status, scheduled_at and the delivery fields for a row made directly)."""

    class Meta:
        model = Presentation

    school = factory.SubFactory(SchoolFactory)
    agency = factory.SelfAttribute("school.agency")
    topic = factory.SubFactory(TopicFactory, agency=factory.SelfAttribute("..agency"))
    requested_by = factory.SubFactory(
        UserFactory, agency=factory.SelfAttribute("..agency"), role=Role.SCHOOL
    )
    classes = "8A and 8B"
    grade_from = 8
    grade_to = 8
    expected_students = 55
    preferred_from = factory.LazyAttribute(lambda o: o.agency.today() + timezone.timedelta(7))
    preferred_to = factory.LazyAttribute(lambda o: o.agency.today() + timezone.timedelta(30))
    needs = "Vaping in the washrooms lately."


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    presentation = factory.SubFactory(
        PresentationFactory,
        status=Presentation.Status.DELIVERED,
        scheduled_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1)),
        students_reached=50,
    )
    agency = factory.SelfAttribute("presentation.agency")
    key = factory.Faker("uuid4", cast_to=None)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))


# --- PAYOFF rows on given dates (the dashboard's figures, kept or not) -------------------------


def payoff_agreement(school, starts_on, status, closed_on=None) -> Agreement:
    """An agreement of `school` that starts (and its offence, and its due date) on `starts_on`."""
    return AgreementFactory(
        school=school,
        starts_on=starts_on,
        offence_on=starts_on,
        due_on=starts_on,
        status=status,
        closed_on=closed_on,
        basis=Basis.MEASURE,
    )


def work_session(agreement, on, hours) -> WorkSession:
    """`hours` (text: "1.25") of work on `on`, on the agreement's first task."""
    task = agreement.tasks.first() or TaskFactory(agreement=agreement)
    return WorkSession.objects.create(
        agency=agreement.agency,
        agreement=agreement,
        task=task,
        date=on,
        hours=Decimal(hours),
        what_was_done="Painted over the graffiti",
        verifier_name="Ms. Teacher",
        recorded_by=agreement.officer,
    )


def payoff_check_in(agreement, months, reoffended) -> CheckIn:
    """The `months` check-in of a closed agreement, confirmed as `reoffended` (None: not yet)."""
    return CheckInFactory(
        agreement=agreement,
        months=months,
        due_on=agreement.closed_on.replace(year=agreement.closed_on.year + 1),
        reoffended=reoffended,
    )
