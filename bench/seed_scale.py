"""Seed the scale benchmark's database: one large agency and 50 small ones, five school years.

    .venv/bin/python bench/seed_scale.py                  (from the project root) full size
    .venv/bin/python bench/seed_scale.py --scale 0.05     a quick try (5 % of the rows)
    .venv/bin/python bench/seed_scale.py --json bench/results/seed_scale.json

What it does (bench/README.md, "Scale benchmark", says more):

1. Drops and creates the database `sro_portal_scale` and migrates it (bench.settings, DEBUG=0).
   No other database is touched.
2. Seeds without audit events (the audit trail of a seed is noise): the structure with
   bulk_create inside pgtrigger.ignore() (agencies, users, boards, rules, schools, memberships,
   officer profiles, assignments, partners, topics), the volume with PostgreSQL COPY through
   psycopg's `cursor.copy()` in transactions with `SET LOCAL session_replication_role =
   replica` (no trigger fires: see _copy_step for why not pgtrigger.ignore() there), explicit
   ids, sequences set afterwards.
   The large agency "Metro Police Service" (slug `metro`, America/Edmonton): 300 schools in four
   boards, 150 SROs with yearly assignments (a third of the schools change officer each year),
   600 school admins, 4 supervisors, 2 agency admins, and at --scale 1: 1,000,000 activities,
   200,000 incidents (about 510,000 people involved, follow-ups, disclosures), 20,000 PAYOFF
   agreements (tasks, work sessions, statements, check-ins), 30,000 presentations (presenters,
   feedback, schedule changes), 20,000 drills (corrective actions), 30,000 students, 10,000
   referrals. 50 small agencies: 3 to 6 schools, a few users and a little of everything.
   Dates run over five school years (the current one up to today, plus scheduled drills and
   talks ahead), on school days mostly, at times of day on the agency's clock.
3. VACUUM ANALYZE (production has autovacuum; without statistics the plans would be wrong).
4. Checks: no audit event was written; no foreign key of a copied table dangles (COPY ran
   without the foreign-key triggers); a sample of every seeded table passes full_clean().
5. Prints the time per table and in total, and writes them as JSON
   (default bench/results/seed_scale.json).
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/, not the checkout
    sys.path.insert(0, str(ROOT))

from bench.scale_env import (  # noqa: E402
    BIG_AGENCY_SLUG,
    DATABASE,
    environment,
    manage,
    recreate_database,
)

# Rows of the large agency at --scale 1 (schools and people do not scale: the structure stays).
BIG = {
    "activities": 1_000_000,
    "incidents": 200_000,
    "agreements": 20_000,
    "presentations": 30_000,
    "drills": 20_000,
    "students": 30_000,
    "referrals": 10_000,
}
BIG_SCHOOLS, BIG_SROS, BIG_SUPERVISORS, BIG_ADMINS = 300, 150, 4, 2
# Each of the 50 small agencies, at --scale 1.
SMALL = {
    "activities": 1_000,
    "incidents": 150,
    "agreements": 10,
    "presentations": 30,
    "drills": 40,
    "students": 60,
    "referrals": 10,
}
SMALL_AGENCIES = 50
SCHOOL_YEARS = 5
SAMPLE_CHECKED = 25  # rows of each seeded table validated with full_clean() after the seed


def _words(text: str) -> list[str]:
    return text.split()


# --- Invented names -------------------------------------------------------------------------------

FIRST = _words(
    "Aiden Amara Ava Benjamin Chloe Daniel Elijah Emma Ethan Fatima Gabriel Grace Hannah Harper "
    "Isaac Isla Jack Jasmine Jayden Kai Leah Liam Lily Lucas Maya Mason Mia Mohammed Noah Nora "
    "Oliver Olivia Owen Priya Quinn Rowan Ryan Sara Sofia Tariq Theo Zoe Arjun Chen Dmitri Elena "
    "Hiroshi Ines Jonah Kiran Layla Mateo Nadia Omar Paulo Rania Simone Tomas Wei Yusuf"
)
LAST = _words(
    "Anderson Bakker Beaulieu Brown Campbell Chen Clarke Cote Das Dubois Fraser Gagnon Grant "
    "Gill Hamilton Ibrahim Jensen Khan Kowalczyk Lam Lavoie Lee Leblanc MacDonald Martin "
    "Mitchell Morin Nguyen Novak Okafor Olsen Patel Pelletier Quinn Rahimi Reid Robinson Roy "
    "Sandhu Santos Schmidt Singh Smith Sousa Taylor Thompson Tremblay Wang White Whitehorse "
    "Wilson Wong Young Zhang Ahmed Boucher Cardinal Fontaine Kaur Lindqvist Morales Nakamura"
)
PLACES = _words(
    "Aspen Birch Cedar Maple Spruce Willow Poplar Tamarack Juniper Larch Alder Pine Oak Elm "
    "Fireweed Crocus Prairie Meadow Valley Ridge Summit Lakeview Riverbend Northgate Southgate "
    "Eastwood Westmount Highlands Glenora Bonnie Doon Strathcona Kingsway Millwoods Terwillegar "
    "Heritage Pioneer Frontier Harvest Golden Silver Kestrel Heron Falcon Raven Sparrow Magpie "
    "Coyote Bison Elk Moose Lynx Otter Beaver Chinook Aurora Borealis Horizon Sunrise Sundance"
)
SCHOOL_KINDS = [  # (suffix, board key, lowest grade, highest grade)
    ("High School", "public", 10, 12),
    ("Junior High", "public", 7, 9),
    ("Composite High", "public", 10, 12),
    ("Catholic High", "catholic", 10, 12),
    ("Catholic Junior High", "catholic", 7, 9),
]
SMALL_TIME_ZONES = [
    "America/Edmonton",
    "America/Regina",
    "America/Winnipeg",
    "America/Toronto",
    "America/Vancouver",
    "America/Halifax",
]
PARTNERS = [
    ("Alberta Health Services", "health"),
    ("Canadian Centre for Child Protection", "child_protection"),
    ("Family Counselling Centre", "counselling"),
    ("Youth Empowerment Society", "youth_services"),
    ("Boys and Girls Club", "youth_services"),
    ("Native Counselling Services", "counselling"),
    ("Addictions Outreach", "health"),
    ("Victim Services Unit", "other"),
    ("Big Brothers Big Sisters", "youth_services"),
    ("Community Mental Health Clinic", "health"),
    ("Restorative Justice Society", "other"),
    ("Newcomer Youth Centre", "youth_services"),
]
ACTIVITY_NOTES = [
    "Followed up with the vice-principal.",
    "Lunch-hour visibility in the cafeteria.",
    "Met with the counsellor about a student.",
    "Walked the grounds after the bell.",
    "Phone call with a parent.",
    "Basketball at lunch with grade 10s.",
    "Report written for the file.",
    "Court preparation.",
    "Spoke with staff about vaping in washrooms.",
    "Helped with the fire drill.",
]
NARRATIVE = [
    "SRO attended on the request of the vice-principal.",
    "Statements were taken from the students present.",
    "Video from the hallway camera was reviewed with the administration.",
    "The parents of the students involved were contacted by phone.",
    "Nobody required medical attention.",
    "The items were recovered and returned to their owner.",
    "The student accepted responsibility when spoken to.",
    "The matter is being dealt with together with the school's discipline process.",
    "A follow-up meeting was set with the counsellor.",
    "The SRO spoke to the class about the consequences of such behaviour.",
    "Information was shared with the records unit under the file number noted.",
    "A witness described the events consistently with the complainant.",
]
OFFENCES = [
    "Vaped in the washroom after two warnings.",
    "Wrote graffiti on the gym wall.",
    "Took another student's headphones; returned them.",
    "Pushed a student during an argument at lunch.",
    "Damaged a hallway locker.",
    "Shoplifted from the store next to the school.",
    "Kicked in a washroom stall door.",
    "Shared a hurtful photo of a classmate.",
]
# category: (weight, places, summary for the school)
INCIDENT_KINDS = {
    "drugs": (
        16,
        ["washroom", "parking_lot", "field"],
        "Vaping reported; SRO spoke with the students.",
    ),
    "bullying": (13, ["hallway", "cafeteria", "gym"], "Repeated name-calling reported by staff."),
    "cyberbullying": (10, ["online"], "Hurtful messages shared on social media."),
    "assault": (
        9,
        ["hallway", "field", "off_site"],
        "A fight between students; no serious injury.",
    ),
    "theft": (8, ["gym", "classroom", "parking_lot"], "Items taken from a change room."),
    "vandalism": (7, ["washroom", "field", "hallway"], "Graffiti found; facilities notified."),
    "threats": (6, ["online", "classroom", "hallway"], "A threat reported; assessed by the SRO."),
    "harassment": (5, ["hallway", "online", "off_site"], "Unwanted contact reported by a student."),
    "trespass": (
        4,
        ["parking_lot", "field", "hallway"],
        "A non-student on the grounds, asked to leave.",
    ),
    "weapons": (
        2,
        ["parking_lot", "washroom", "off_site"],
        "A student reported with a knife; seized.",
    ),
    "other": (5, ["office", "library", "bus", "other"], "Other matter dealt with by the SRO."),
}
PAYOFF_CATEGORIES = {"drugs", "vandalism", "theft", "assault", "bullying", "trespass", "other"}
RESPONSES = {  # subjects not on a PAYOFF agreement
    "no_action": 16,
    "warning": 24,
    "caution": 12,
    "referral": 14,
    "school_discipline": 24,
    "charge": 6,
}
# category: (weight, lowest minutes, highest minutes, students reached (low, high))
ACTIVITY_KINDS = {
    "administration": (14, 15, 120, (0, 0)),
    "crime_prevention": (12, 15, 90, (0, 30)),
    "investigation": (11, 20, 180, (0, 3)),
    "counselling": (10, 15, 60, (1, 3)),
    "mentoring": (9, 15, 60, (1, 4)),
    "student_activity": (8, 30, 120, (10, 200)),
    "safety_discussion": (8, 10, 60, (1, 40)),
    "staff_consultation": (8, 10, 45, (0, 0)),
    "parent_contact": (6, 10, 40, (1, 2)),
    "mediation": (4, 20, 75, (2, 6)),
    "resources": (4, 10, 45, (1, 2)),
    "presentation": (3, 40, 90, (20, 150)),
    "community": (3, 30, 120, (0, 50)),
    "drill_support": (2, 20, 60, (0, 0)),
}
WITH_STUDENT = {"counselling", "mentoring", "mediation", "resources", "parent_contact"}
WITH_PARTNER = {"community", "resources"}
# Local hour of an incident: school hours, peaks at lunch and after the last bell.
HOURS = {7: 2, 8: 6, 9: 7, 10: 8, 11: 10, 12: 14, 13: 10, 14: 8, 15: 12, 16: 6, 17: 3, 18: 2,
         19: 2, 20: 2, 21: 2, 22: 1}  # fmt: skip
ONLINE_HOURS = {15: 4, 16: 6, 17: 6, 18: 8, 19: 10, 20: 12, 21: 12, 22: 8, 23: 4, 12: 3}
_HOURS = (list(HOURS), list(itertools.accumulate(HOURS.values())))
_ONLINE_HOURS = (list(ONLINE_HOURS), list(itertools.accumulate(ONLINE_HOURS.values())))
INCIDENT_MONTHS = {9: 0.8, 10: 1.0, 11: 1.1, 12: 0.9, 1: 1.0, 2: 1.1, 3: 1.1, 4: 1.2, 5: 1.2,
                   6: 0.9, 7: 1.0, 8: 1.0}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    json_path = args.json if args.json.is_absolute() else ROOT / args.json
    json_path.parent.mkdir(parents=True, exist_ok=True)

    env = environment()
    os.environ.update(env)
    started = time.perf_counter()
    recreate_database()
    migrate_s, _ = _timed(manage, env, "migrate", "--noinput", "--verbosity", "0")

    import django

    django.setup()

    seeder = Seeder(scale=args.scale, seed=args.seed)
    seeder.run()
    vacuum_s, _ = _timed(_vacuum_analyze)
    checks = _checks(seeder)
    total_s = time.perf_counter() - started

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": DATABASE,
        "scale": args.scale,
        "seed": args.seed,
        "today": seeder.today.isoformat(),
        "school_years": [f"{y.start}..{y.end}" for y in seeder.years],
        "migrate_s": round(migrate_s, 2),
        "tables": seeder.timings,
        "seeding_s": round(sum(row["seconds"] for row in seeder.timings), 2),
        "rows": sum(row["rows"] for row in seeder.timings),
        "vacuum_analyze_s": round(vacuum_s, 2),
        "total_s": round(total_s, 2),
        "checks": checks,
        "database_size": _database_size(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    _print_table(result)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten: {json_path}")
    failed = checks["audit_events"] or checks["invalid_rows"] or checks["dangling_foreign_keys"]
    return 1 if failed else 0


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the rows (default 1)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench/results/seed_scale.json"),
        help="where to write the timings (relative paths are from the checkout)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 4:
        parser.error("--scale must be in (0, 4]")
    return args


def _timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


class IncidentInfo(NamedTuple):
    pk: int
    plan: int  # index in Seeder.plans
    school_id: int
    day: date
    category: str
    recorded_by: int


class AgreementInfo(NamedTuple):
    pk: int
    plan: int
    starts: date
    status: str
    closed: date | None
    officer: int
    basis: str


class PresentationInfo(NamedTuple):
    pk: int
    plan: int
    status: str
    sro: int
    scheduled: datetime | None


# --- The plan of one agency -----------------------------------------------------------------------


@dataclass
class Plan:
    """What the generators need to know of one agency (ids, not model instances)."""

    agency: object
    tz: ZoneInfo
    counts: dict
    school_ids: list[int] = field(default_factory=list)
    school_grades: dict[int, tuple[int, int]] = field(default_factory=dict)
    school_weights: list[float] = field(default_factory=list)
    sros: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    school_admins: dict[int, list[int]] = field(default_factory=dict)
    # primary[y][school id] -> officer id; officer_schools[y][officer id] -> [school ids]
    primary: list[dict[int, int]] = field(default_factory=list)
    officer_schools: list[dict[int, list[int]]] = field(default_factory=list)
    backup: dict[int, int] = field(default_factory=dict)  # school id -> backup officer id
    backup_schools: dict[int, list[int]] = field(default_factory=dict)  # officer -> school ids
    students: dict[int, list[int]] = field(default_factory=dict)  # school id -> student ids
    partners: list[int] = field(default_factory=list)
    partner_by_kind: dict[str, int] = field(default_factory=dict)
    topics: list[tuple[int, int, int, int | None]] = field(default_factory=list)


def _spread(total: int, weights: list[tuple[date, float]]) -> list[tuple[date, int]]:
    """`total` spread over days in proportion to their weights (cumulative rounding: exact)."""
    weight_sum = sum(w for _, w in weights) or 1.0
    out, given, acc = [], 0, 0.0
    for day, weight in weights:
        acc += total * weight / weight_sum
        n = round(acc) - given
        given += n
        out.append((day, n))
    return out


class Seeder:
    def __init__(self, *, scale: float, seed: int):
        from sro_portal.accounts.models import Agency

        self.scale = scale
        self.rng = random.Random(seed)
        probe = Agency(name="probe", slug="probe")  # the default calendar and time zone
        self.today = probe.today()
        years = [probe.school_year_for(self.today)]
        while len(years) < SCHOOL_YEARS:
            years.append(probe.school_year_for(years[-1].start - timedelta(days=1)))
        self.years = list(reversed(years))  # oldest first
        self.first_day = self.years[0].start
        self.timings: list[dict] = []
        self.plans: list[Plan] = []
        self.next_ids: dict = {}
        self.days = [
            self.first_day + timedelta(days=n)
            for n in range((self.today - self.first_day).days + 1)
        ]
        self.year_of = {day: self._year_index(day) for day in self.days}
        self.incident_info: list[IncidentInfo] = []
        self.agreement_incidents: set[int] = set()
        self.agreement_subject: dict[int, int] = {}  # incident id -> student id (PAYOFF subject)
        self.agreement_info: list[AgreementInfo] = []
        self.task_info: list[tuple] = []
        self.presentation_info: list[PresentationInfo] = []
        self.drill_info: list[tuple] = []
        self.copied_models: list = []

    # --- calendar

    def _year_index(self, day: date) -> int:
        for index in range(len(self.years) - 1, -1, -1):
            if day >= self.years[index].start:
                return index
        return 0

    @staticmethod
    def _in_session(day: date) -> bool:
        if day.month in (7, 8):
            return False
        if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 3):
            return False  # winter break
        return not (day.month == 3 and 24 <= day.day <= 28)  # spring break

    def _day_weights(self, *, school_day: float, off_day: float, weekend: float, months=None):
        weights = []
        for day in self.days:
            if day.weekday() >= 5:
                weight = weekend
            elif self._in_session(day):
                weight = school_day
            else:
                weight = off_day
            if months:
                weight *= months[day.month]
            weights.append((day, weight))
        return weights

    def _school_days(self, start: date, end: date) -> list[date]:
        return [
            start + timedelta(days=n)
            for n in range((end - start).days + 1)
            if (start + timedelta(days=n)).weekday() < 5
            and self._in_session(start + timedelta(days=n))
        ]

    def _local(self, plan: Plan, day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=plan.tz).astimezone(UTC)

    def _n(self, counts: dict, key: str) -> int:
        return max(1, round(counts[key] * self.scale))

    # --- running

    def run(self) -> None:
        import pgtrigger

        # The structure goes through the ORM: pgtrigger.ignore() marks each statement with
        # set_config('pgtrigger.ignore', <every trigger>, true), so the audit triggers return
        # without writing an event. The volume goes through COPY (see _copy_step).
        with pgtrigger.ignore():
            self._step("agencies, users and structure (bulk_create)", self._structure)
        for generator, label in [
            (self._student_rows, "officers.Student"),
            (self._activity_rows, "officers.Activity"),
            (self._incident_rows, "incidents.Incident"),
            (self._choose_agreement_incidents, None),
            (self._involvement_rows, "incidents.Involvement"),
            (self._follow_up_rows, "incidents.FollowUp"),
            (self._disclosure_rows, "incidents.Disclosure"),
            (self._agreement_rows, "payoff.Agreement"),
            (self._task_rows, "payoff.Task"),
            (self._session_rows, "payoff.WorkSession"),
            (self._statement_rows, "payoff.Statement"),
            (self._check_in_rows, "payoff.CheckIn"),
            (self._purged_rows, "payoff.PurgedAgreement"),
            (self._presentation_rows, "presentations.Presentation"),
            (self._presenter_rows, "presentations.Presenter"),
            (self._feedback_rows, "presentations.Feedback"),
            (self._schedule_change_rows, "presentations.ScheduleChange"),
            (self._drill_rows, "schools.Drill"),
            (self._corrective_action_rows, "schools.CorrectiveAction"),
            (self._referral_rows, "officers.Referral"),
        ]:
            if label is None:
                generator()
            else:
                self._copy_step(generator, label)

    def _step(self, label: str, function) -> None:
        from django.db import transaction

        start = time.perf_counter()
        with transaction.atomic():
            rows = function()
        seconds = time.perf_counter() - start
        self._record(label, rows, seconds, method="bulk_create")

    def _record(self, label, rows, seconds, *, method):
        self.timings.append(
            {
                "table": label,
                "rows": rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(rows / seconds) if seconds else None,
                "method": method,
            }
        )
        print(f"  {label:<45} {rows:>10,} rows {seconds:>8.2f} s", flush=True)

    def _copy_step(self, generator, label: str) -> None:
        """COPY the rows of `generator` (dicts of attnames) into the model's table, in one
        transaction with `session_replication_role = replica` (SET LOCAL): no trigger fires,
        neither the audit triggers nor the foreign-key checks, which _checks() makes afterwards.

        Why not pgtrigger.ignore() here: the audit trigger still runs for each row (to find out
        it is ignored) and enters a PL/pgSQL EXCEPTION block, a subtransaction, while the
        deferred foreign-key checks of the earlier rows are queued; together they make a
        transaction quadratic in its rows (measured: 5,000 rows 2.7 s, 10,000 8.6 s, 20,000
        30 s; with the triggers simply on, 1.6, 6.9 and 40 s). With replica: 160,000 in 2.4 s."""
        from django.apps import apps
        from django.db import connection, transaction

        model = apps.get_model(label)
        table = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        names = [f.attname for f in fields]
        defaults = {f.attname: (None if f.primary_key else f.get_default()) for f in fields}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            self.next_ids[model] = cursor.fetchone()[0] + 1
            count = 0
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in generator(model):
                    copy.write_row([row.get(name, defaults[name]) for name in names])
                    count += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )
        self.copied_models.append(model)
        self._record(f"{table} ({label})", count, time.perf_counter() - start, method="COPY")

    def _id(self, model) -> int:
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    # --- structure: agencies, people, schools (bulk_create) ---------------------------------------

    def _structure(self) -> int:
        from schools.models import DEFAULT_DRILL_RULES, DrillKind, DrillRule
        from sro_portal.accounts.models import Agency, User

        rng = self.rng
        rows = 0
        agencies = [Agency(name="Metro Police Service", slug=BIG_AGENCY_SLUG)]
        for n in range(SMALL_AGENCIES):
            agencies.append(
                Agency(
                    name=f"{PLACES[n % len(PLACES)]} Police Service {n + 1:02d}",
                    slug=f"small{n + 1:02d}",
                    time_zone=SMALL_TIME_ZONES[n % len(SMALL_TIME_ZONES)],
                )
            )
        Agency.objects.bulk_create(agencies)
        rows += len(agencies)
        staff = User(email="platform@bench.test", full_name="Platform staff", is_staff=True)
        staff.is_superuser = True
        staff.set_unusable_password()
        User.objects.bulk_create([staff])
        rows += 1

        for index, agency in enumerate(agencies):
            big = index == 0
            plan = Plan(agency=agency, tz=ZoneInfo(agency.time_zone), counts=BIG if big else SMALL)
            rows += self._agency_structure(plan, big=big)
            self.plans.append(plan)

        rules = []
        from schools.models import SchoolBoard

        for board in SchoolBoard.objects.all():
            for kind, period, required, unannounced in DEFAULT_DRILL_RULES:
                rules.append(
                    DrillRule(
                        agency_id=board.agency_id,
                        board=board,
                        kind=kind,
                        period=period,
                        required=required,
                        unannounced_required=unannounced,
                    )
                )
            if rng.random() < 0.5:
                rules.append(
                    DrillRule(
                        agency_id=board.agency_id,
                        board=board,
                        kind=DrillKind.HOLD_AND_SECURE,
                        period=DrillRule.Period.YEAR,
                        required=1,
                    )
                )
        DrillRule.objects.bulk_create(rules, batch_size=2000)
        return rows + len(rules)

    def _agency_structure(self, plan: Plan, *, big: bool) -> int:
        from officers.models import Assignment, CommunityPartner, OfficerProfile
        from presentations.models import Topic
        from presentations.services import STANDARD_TOPICS
        from schools.models import School, SchoolBoard, SchoolMembership
        from sro_portal.accounts.models import Role, User

        rng = self.rng
        agency = plan.agency
        rows = 0
        # Boards and schools
        if big:
            board_names = {
                "public": "Metro Public Schools",
                "catholic": "Metro Catholic Schools",
                "francophone": "Conseil scolaire Centre-Nord",
                "charter": "Metro Charter Academies",
            }
            names = [(p, kind) for kind in SCHOOL_KINDS for p in PLACES][:BIG_SCHOOLS]
            rng.shuffle(names)
        else:
            board_names = {"public": f"{agency.name.split(' Police')[0]} School Division"}
            count = rng.randint(3, 6)
            names = [(p, rng.choice(SCHOOL_KINDS)) for p in rng.sample(PLACES, count)]
        boards = {
            key: SchoolBoard(agency=agency, name=name, phone="780-555-0100")
            for key, name in board_names.items()
        }
        SchoolBoard.objects.bulk_create(boards.values())
        rows += len(boards)
        schools = []
        for n, (place, (suffix, board_key, low, high)) in enumerate(names):
            if big and board_key == "public" and n % 20 == 0:
                board_key = "francophone"
            elif big and board_key == "public" and n % 20 == 1:
                board_key = "charter"
            board = boards.get(board_key, next(iter(boards.values())))
            principal = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            schools.append(
                School(
                    agency=agency,
                    board=board,
                    name=f"{place} {suffix}",
                    address=f"{rng.randint(100, 19999)} {rng.randint(1, 199)} Street NW",
                    grade_from=low,
                    grade_to=high,
                    phone=f"780-555-{rng.randint(1000, 9999)}",
                    principal_name=principal,
                    principal_email=f"principal{n}@{agency.slug}.schools.test",
                    vice_principal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                )
            )
        School.objects.bulk_create(schools)
        rows += len(schools)
        plan.school_ids = [s.pk for s in schools]
        plan.school_grades = {s.pk: (s.grade_from, s.grade_to) for s in schools}
        # Some schools are much busier than others (size, neighbourhood).
        plan.school_weights = [rng.lognormvariate(0, 0.5) for _ in schools]

        # People
        def person(role, n, title=""):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            user = User(
                email=f"{role}{n:03d}@{agency.slug}.bench.test",
                full_name=f"{title} {name}".strip(),
                agency=agency,
                role=role,
            )
            user.set_unusable_password()
            return user

        sro_count = BIG_SROS if big else rng.randint(2, 3)
        sros = [person(Role.SRO, n, "Cst.") for n in range(sro_count)]
        supervisors = [
            person(Role.SUPERVISOR, n, "Sgt.") for n in range(BIG_SUPERVISORS if big else 1)
        ]
        admins = [person(Role.ADMIN, n, "Insp.") for n in range(BIG_ADMINS if big else 1)]
        school_admins = [person(Role.SCHOOL, n) for n in range(len(schools) * (2 if big else 1))]
        User.objects.bulk_create(sros + supervisors + admins + school_admins, batch_size=2000)
        rows += len(sros) + len(supervisors) + len(admins) + len(school_admins)
        plan.sros = [u.pk for u in sros]
        plan.supervisors = [u.pk for u in supervisors]
        plan.admins = [u.pk for u in admins]
        per_school = 2 if big else 1
        memberships = []
        for n, school in enumerate(schools):
            admins_here = school_admins[n * per_school : (n + 1) * per_school]
            plan.school_admins[school.pk] = [u.pk for u in admins_here]
            memberships += [
                SchoolMembership(agency=agency, user=u, school=school) for u in admins_here
            ]
        SchoolMembership.objects.bulk_create(memberships, batch_size=2000)
        profiles = [
            OfficerProfile(
                agency=agency,
                user=u,
                badge_number=f"{1000 + n}",
                rank="Constable",
                phone=f"780-555-{rng.randint(1000, 9999)}",
            )
            for n, u in enumerate(sros)
        ]
        OfficerProfile.objects.bulk_create(profiles)
        rows += len(memberships) + len(profiles)

        # Assignments: school i's primary SRO is officer i // 2 (big: two schools each); a third
        # of the schools get another officer each school year. One backup per school.
        assignments = []
        for y in range(SCHOOL_YEARS):
            primary = {}
            for i, school in enumerate(schools):
                base = i // 2 if big else i % sro_count
                shift = (7 * y) if (big and i % 3 == 0) else (y if (not big and i % 2) else 0)
                primary[school.pk] = plan.sros[(base + shift) % sro_count]
            plan.primary.append(primary)
            officer_schools: dict[int, list[int]] = {}
            for school_id, officer in primary.items():
                officer_schools.setdefault(officer, []).append(school_id)
            plan.officer_schools.append(officer_schools)
        for i, school in enumerate(schools):
            runs = []  # (officer, first year index, last year index)
            for y in range(SCHOOL_YEARS):
                officer = plan.primary[y][school.pk]
                if runs and runs[-1][0] == officer:
                    runs[-1][2] = y
                else:
                    runs.append([officer, y, y])
            for officer, first, last in runs:
                starts = self.years[first].start
                if first == 0:
                    starts -= timedelta(days=400)
                ends = None
                if last < SCHOOL_YEARS - 1:
                    ends = self.years[last + 1].start - timedelta(days=1)
                if ends is None and big and i in (3, 4):  # primary ends within 30 days: a gap
                    ends = self.today + timedelta(days=20)
                if ends is None and big and i in (5, 6):  # ended: uncovered today
                    ends = self.today - timedelta(days=10)
                assignments.append(
                    Assignment(
                        agency=agency,
                        officer_id=officer,
                        school=school,
                        kind=Assignment.Kind.PRIMARY,
                        starts_on=starts,
                        ends_on=ends,
                    )
                )
            backup = plan.sros[((i // 2 if big else i) + 1) % sro_count]
            plan.backup[school.pk] = backup
            plan.backup_schools.setdefault(backup, []).append(school.pk)
            assignments.append(
                Assignment(
                    agency=agency,
                    officer_id=backup,
                    school=school,
                    kind=Assignment.Kind.BACKUP,
                    starts_on=self.years[0].start,
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        rows += len(assignments)

        partner_list = PARTNERS if big else rng.sample(PARTNERS, 3)
        partners = [
            CommunityPartner(
                agency=agency,
                name=name,
                kind=kind,
                contact_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                email=f"contact{n}@partner.test",
            )
            for n, (name, kind) in enumerate(partner_list)
        ]
        CommunityPartner.objects.bulk_create(partners)
        plan.partners = [p.pk for p in partners]
        plan.partner_by_kind = {p.kind: p.pk for p in partners}
        topics = []
        for title, low, high, minutes, description in STANDARD_TOPICS:
            partner = None
            if title == "Vaping":
                partner = plan.partner_by_kind.get("health")
            elif title == "Online safety":
                partner = plan.partner_by_kind.get("child_protection")
            topics.append(
                Topic(
                    agency=agency,
                    title=title,
                    description=description,
                    grade_from=low,
                    grade_to=high,
                    minutes=minutes,
                    partner_id=partner,
                )
            )
        Topic.objects.bulk_create(topics)
        plan.topics = [(t.pk, t.grade_from, t.grade_to, t.partner_id) for t in topics]
        return rows + len(partners) + len(topics)

    # --- students and the activity log ---------------------------------------------------------

    def _student_rows(self, model):
        rng = self.rng
        for plan in self.plans:
            n = self._n(plan.counts, "students")
            schools = rng.choices(plan.school_ids, weights=plan.school_weights, k=n)
            for number, school_id in enumerate(schools):
                low, high = plan.school_grades[school_id]
                grade = rng.randint(low, high)
                born = date(self.today.year - grade - 6, rng.randint(1, 12), rng.randint(1, 28))
                pk = self._id(model)
                plan.students.setdefault(school_id, []).append(pk)
                created = self._local(plan, self.first_day, 12, 0) + timedelta(
                    days=rng.randint(0, len(self.days) - 1)
                )
                yield {
                    "id": pk,
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "school_id": school_id,
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "grade": min(grade, 12),
                    "date_of_birth": born,
                    "student_number": f"{number + 100000}" if rng.random() < 0.7 else "",
                }

    def _officer_school(self, plan: Plan, officer: int, y: int) -> int:
        schools = plan.officer_schools[y].get(officer)
        if not schools or self.rng.random() < 0.06:  # backup duty or covering elsewhere
            return self.rng.choice(plan.backup_schools.get(officer) or plan.school_ids)
        return schools[0] if len(schools) == 1 else self.rng.choice(schools)

    def _activity_rows(self, model):
        rng = self.rng
        categories = list(ACTIVITY_KINDS)
        weights = [ACTIVITY_KINDS[c][0] for c in categories]
        day_weights = self._day_weights(school_day=1.0, off_day=0.12, weekend=0.04)
        for plan in self.plans:
            agency_id = plan.agency.pk
            total = self._n(plan.counts, "activities")
            for day, count in _spread(total, day_weights):
                if not count:
                    continue
                y = self.year_of[day]
                created = self._local(plan, day, 16, 0)
                officers = rng.choices(plan.sros, k=count)
                kinds = rng.choices(categories, weights=weights, k=count)
                rows = []
                for officer, category in zip(officers, kinds, strict=True):
                    _, low, high, reached = ACTIVITY_KINDS[category]
                    school_id = self._officer_school(plan, officer, y)
                    student = None
                    if category in WITH_STUDENT and rng.random() < 0.4:
                        pool = plan.students.get(school_id)
                        student = rng.choice(pool) if pool else None
                    at = created + timedelta(minutes=rng.randint(0, 180))
                    rows.append(
                        {
                            "id": self._id(model),
                            "agency_id": agency_id,
                            "created_at": at,
                            "updated_at": at,
                            "officer_id": officer,
                            "school_id": school_id,
                            "date": day,
                            "category": category,
                            "minutes": 5 * rng.randint(low // 5, high // 5),
                            "students_reached": rng.randint(*reached),
                            "student_id": student,
                            "partner_id": rng.choice(plan.partners)
                            if category in WITH_PARTNER and rng.random() < 0.5
                            else None,
                            "note": rng.choice(ACTIVITY_NOTES) if rng.random() < 0.25 else "",
                        }
                    )
                yield from rows

    # --- incidents -------------------------------------------------------------------------------

    def _incident_time(self, plan: Plan, day: date, category: str) -> datetime:
        hours, cum_weights = _ONLINE_HOURS if category == "cyberbullying" else _HOURS
        hour = self.rng.choices(hours, cum_weights=cum_weights)[0]
        return self._local(plan, day, hour, self.rng.randint(0, 59))

    def _incident_rows(self, model):
        rng = self.rng
        categories = list(INCIDENT_KINDS)
        weights = [INCIDENT_KINDS[c][0] for c in categories]
        day_weights = self._day_weights(
            school_day=1.0, off_day=0.06, weekend=0.04, months=INCIDENT_MONTHS
        )
        sequence = 0
        for plan_index, plan in enumerate(self.plans):
            agency_id = plan.agency.pk
            total = self._n(plan.counts, "incidents")
            for day, count in _spread(total, day_weights):
                if not count:
                    continue
                y = self.year_of[day]
                age = (self.today - day).days
                schools = rng.choices(plan.school_ids, weights=plan.school_weights, k=count)
                kinds = rng.choices(categories, weights=weights, k=count)
                for school_id, category in zip(schools, kinds, strict=True):
                    _, places, summary = INCIDENT_KINDS[category]
                    occurred = self._incident_time(plan, day, category)
                    if age > 60:
                        status = "closed" if rng.random() < 0.95 else "follow_up"
                    else:
                        status = rng.choices(["open", "follow_up", "closed"], [4, 3, 3])[0]
                    severity = rng.choices(["low", "medium", "high"], [6, 3, 1])[0]
                    if category in ("weapons", "assault", "threats") and rng.random() < 0.5:
                        severity = "high"
                    recorded_by = plan.primary[y][school_id]
                    pk = self._id(model)
                    sequence += 1
                    file_number = (
                        f"{plan.agency.slug.upper()}-{day.year}-{sequence:06d}"
                        if rng.random() < 0.4
                        else ""
                    )
                    recorded_at = occurred + timedelta(minutes=rng.randint(20, 600))
                    self.incident_info.append(
                        IncidentInfo(pk, plan_index, school_id, day, category, recorded_by)
                    )
                    yield {
                        "id": pk,
                        "agency_id": agency_id,
                        "created_at": recorded_at,
                        "updated_at": recorded_at,
                        "school_id": school_id,
                        "occurred_at": occurred,
                        "occurred_until": occurred + timedelta(minutes=rng.randint(5, 90))
                        if rng.random() < 0.1
                        else None,
                        "location": rng.choice(places),
                        "category": category,
                        "severity": severity,
                        "school_summary": summary,
                        "narrative": " ".join(rng.sample(NARRATIVE, rng.randint(3, 7))),
                        "reported_by": rng.choices(
                            ["staff", "student", "parent", "sro", "anonymous", "other"],
                            [40, 20, 12, 18, 6, 4],
                        )[0],
                        "file_number": file_number,
                        "status": status,
                        "closing_note": "Dealt with; no further concern reported by the school."
                        if status == "closed" and rng.random() < 0.5
                        else "",
                        "recorded_by_id": recorded_by,
                    }

    def _choose_agreement_incidents(self) -> None:
        """Which incidents lead to a PAYOFF agreement (their first subject gets a student and
        the response "payoff"): exactly the planned number per agency."""
        horizon = self.today - timedelta(days=3)
        by_plan: dict[int, list[int]] = {}
        for info in self.incident_info:
            if (
                info.category in PAYOFF_CATEGORIES
                and info.day <= horizon
                and self.plans[info.plan].students.get(info.school_id)
            ):
                by_plan.setdefault(info.plan, []).append(info.pk)
        for plan_index, plan in enumerate(self.plans):
            candidates = by_plan.get(plan_index, [])
            n = min(len(candidates), self._n(plan.counts, "agreements"))
            self.agreement_incidents.update(self.rng.sample(candidates, n))

    def _involvement_rows(self, model):
        rng = self.rng
        responses, response_weights = list(RESPONSES), list(RESPONSES.values())
        for pk, plan_index, school_id, day, category, _ in self.incident_info:
            plan = self.plans[plan_index]
            pool = plan.students.get(school_id) or []
            created = self._local(plan, day, 17, 0)
            people = []
            subjects = rng.choices([1, 2, 3], [65, 25, 10])[0]
            people.extend([("subject", 0.85)] * subjects)
            if category in ("bullying", "cyberbullying", "assault", "theft", "threats",
                            "harassment") and rng.random() < 0.75:  # fmt: skip
                people.append(("victim", 0.8))
            for _ in range(rng.choices([0, 1, 2], [50, 35, 15])[0]):
                people.append(("witness", 0.6))
            payoff = pk in self.agreement_incidents
            used = set()
            for n, (role, student_share) in enumerate(people):
                student = None
                if pool and (rng.random() < student_share or (payoff and n == 0)):
                    student = rng.choice(pool)
                    if student in used:
                        student = None
                if student is not None:
                    used.add(student)
                response = ""
                if role == "subject":
                    if payoff and n == 0:
                        response = "payoff"
                        self.agreement_subject[pk] = student
                    else:
                        response = rng.choices(responses, response_weights)[0]
                yield {
                    "id": self._id(model),
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "incident_id": pk,
                    "role": role,
                    "student_id": student,
                    "name": "" if student else f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "description": ""
                    if student
                    else rng.choice(
                        ["Not a student of the school", "Staff member", "Adult from the area"]
                    ),
                    "age": None if student else rng.randint(13, 45),
                    "response": response,
                    "response_note": "Discussed with the parents." if response else "",
                }

    def _follow_up_rows(self, model):
        rng = self.rng
        for info in self.incident_info:
            if rng.random() >= 0.2:
                continue
            plan = self.plans[info.plan]
            for _ in range(rng.choices([1, 2], [80, 20])[0]):
                due = info.day + timedelta(days=rng.randint(7, 21))
                done = None
                if due < self.today - timedelta(days=3) and rng.random() < 0.93:
                    done = min(self.today, due + timedelta(days=rng.randint(-5, 3)))
                created = self._local(plan, info.day, 18, 0)
                yield {
                    "id": self._id(model),
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "incident_id": info.pk,
                    "description": rng.choice(
                        [
                            "Call the parents back",
                            "Meet the student with the counsellor",
                            "Check the camera footage",
                            "Update the file",
                        ]
                    ),
                    "owner_id": info.recorded_by,
                    "due_on": due,
                    "done_on": done,
                }

    def _disclosure_rows(self, model):
        rng = self.rng
        for info in self.incident_info:
            if rng.random() >= 0.005:
                continue
            plan = self.plans[info.plan]
            created = self._local(plan, info.day, 15, 0) + timedelta(days=rng.randint(0, 5))
            withdrawn = created + timedelta(days=90) if rng.random() < 0.1 else None
            if withdrawn and withdrawn.date() >= self.today:
                withdrawn = None
            yield {
                "id": self._id(model),
                "agency_id": plan.agency.pk,
                "created_at": created,
                "updated_at": created,
                "incident_id": info.pk,
                "recipient_id": plan.school_admins[info.school_id][0],
                "ground": rng.choice(["safety", "order", "rehabilitation"]),
                "disclosed_text": "The student involved is under conditions to stay away.",
                "disclosed_by_id": info.recorded_by,
                "withdrawn_at": withdrawn,
                "withdrawn_by_id": info.recorded_by if withdrawn else None,
            }

    # --- PAYOFF -----------------------------------------------------------------------------------

    def _agreement_rows(self, model):
        from payoff.services import add_months

        rng = self.rng
        incidents = {info.pk: info for info in self.incident_info}
        two_years_ago = self.today - timedelta(days=730)
        for incident_id in sorted(self.agreement_incidents):
            _, plan_index, school_id, day, _, officer = incidents[incident_id]
            plan = self.plans[plan_index]
            student = self.agreement_subject.get(incident_id)
            if student is None:
                continue
            if day > two_years_ago:
                basis = rng.choices(["school", "measure", "sanction"], [40, 40, 20])[0]
            else:  # sanctions older than two years were purged (tombstones: _purged_rows)
                basis = rng.choices(["school", "measure"], [50, 50])[0]
            starts = min(self.today, day + timedelta(days=rng.randint(2, 14)))
            due = starts + timedelta(days=rng.randint(28, 90))
            if (self.today - starts).days < 2:
                status = "draft"
            elif due >= self.today:
                status = "active" if rng.random() < 0.95 else "draft"
            else:
                status = rng.choices(["completed", "not_completed", "withdrawn"], [78, 12, 10])[0]
            closed = None
            if status == "completed":
                closed = due - timedelta(days=rng.randint(0, 10))
            elif status == "not_completed":
                closed = min(self.today, due + timedelta(days=rng.randint(0, 14)))
            elif status == "withdrawn":
                closed = starts + timedelta(days=rng.randint(1, 20))
            consented = informed = None
            if status != "draft" and (basis != "school" or rng.random() < 0.5):
                informed = self._local(plan, starts, 10, rng.randint(0, 59))
                consented = informed + timedelta(minutes=rng.randint(15, 45))
            purge_after = None
            if basis == "sanction":
                consent_day = consented.astimezone(plan.tz).date() if consented else starts
                purge_after = add_months(consent_day, 24)
            created = self._local(plan, day, 14, 0) + timedelta(days=1)
            pk = self._id(model)
            self.agreement_info.append(
                AgreementInfo(pk, plan_index, starts, status, closed, officer, basis)
            )
            yield {
                "id": pk,
                "agency_id": plan.agency.pk,
                "created_at": created,
                "updated_at": created,
                "student_id": student,
                "school_id": school_id,
                "incident_id": incident_id,
                "offence": rng.choice(OFFENCES),
                "offence_on": day,
                "officer_id": officer,
                "co_signer_id": plan.school_admins[school_id][0] if basis == "school" else None,
                "basis": basis,
                "starts_on": starts,
                "due_on": due,
                "status": status,
                "informed_at": informed,
                "counsel_advised_at": informed + timedelta(minutes=5) if informed else None,
                "consented_at": consented,
                "consent_method": rng.choice(["in_person", "writing", "verbal"])
                if consented
                else "",
                "responsibility_accepted": consented is not None,
                "parent_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}" if consented else "",
                "parent_notified_at": consented + timedelta(hours=3) if consented else None,
                "parent_notification_method": rng.choice(["in_person", "phone", "letter", "email"])
                if consented
                else "",
                "closed_on": closed,
                "outcome_note": "Did not attend the sessions agreed."
                if status in ("not_completed", "withdrawn")
                else "",
                "next_step": rng.choice(["new_agreement", "referral", "charge"])
                if status == "not_completed"
                else "",
                "approved_by_id": plan.supervisors[0] if status == "completed" else None,
                "purge_after": purge_after,
            }

    def _task_rows(self, model):
        rng = self.rng
        kinds = ["restorative", "workout", "extracurricular", "apology", "other"]
        for info in self.agreement_info:
            plan = self.plans[info.plan]
            created = self._local(plan, info.starts, 9, 0)
            for kind in rng.sample(kinds[:4], rng.choices([1, 2, 3], [30, 50, 20])[0]):
                if kind == "apology":
                    unit, required = "sessions", Decimal(1)
                elif kind == "workout":
                    unit, required = "sessions", Decimal(rng.randint(4, 10))
                else:
                    unit, required = "hours", Decimal(rng.randint(4, 20))
                task_id = self._id(model)
                self.task_info.append((task_id, info, unit, required))
                yield {
                    "id": task_id,
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "agreement_id": info.pk,
                    "kind": kind,
                    "description": "",
                    "unit": unit,
                    "required": required,
                }

    def _session_rows(self, model):
        rng = self.rng
        share = {
            "draft": (0, 0),
            "active": (0, 0.8),
            "completed": (1, 1),
            "not_completed": (0.2, 0.6),
            "withdrawn": (0, 0.3),
        }
        for task_id, agreement, unit, required in self.task_info:
            starts, officer = agreement.starts, agreement.officer
            plan = self.plans[agreement.plan]
            low, high = share[agreement.status]
            target = float(required) * rng.uniform(low, high)
            last_day = min(agreement.closed or self.today, self.today)
            span = max(0, (last_day - starts).days)
            done = 0.0
            while done < target - 1e-9:
                hours = Decimal(1)
                if unit == "hours":
                    hours = Decimal(rng.choice([1, 1.5, 2, 2.5, 3]))
                if unit == "hours":
                    hours = min(hours, Decimal(str(round(target - done, 2)))).quantize(
                        Decimal("0.25")
                    ) or Decimal("0.25")
                done += 1 if unit == "sessions" else float(hours)
                day = starts + timedelta(days=rng.randint(0, span))
                created = self._local(plan, day, 16, 30)
                verified_by = officer if rng.random() < 0.6 else None
                yield {
                    "id": self._id(model),
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "agreement_id": agreement.pk,
                    "task_id": task_id,
                    "date": day,
                    "hours": hours,
                    "what_was_done": "Cleaned the field after lunch"
                    if unit == "hours"
                    else "Workout with the SRO",
                    "verified_by_id": verified_by,
                    "verifier_name": "" if verified_by else f"Ms. {rng.choice(LAST)}",
                    "recorded_by_id": officer,
                }

    def _statement_rows(self, model):
        for info in self.agreement_info:
            if info.basis == "school" or info.status == "draft":
                continue
            plan = self.plans[info.plan]
            created = self._local(plan, info.starts, 11, 0)
            yield {
                "id": self._id(model),
                "agency_id": plan.agency.pk,
                "created_at": created,
                "updated_at": created,
                "agreement_id": info.pk,
                "text": "I did it and I am sorry. I will make it right.",
            }

    def _check_in_rows(self, model):
        from payoff.services import add_months

        rng = self.rng
        for info in self.agreement_info:
            if info.status != "completed":
                continue
            plan = self.plans[info.plan]
            for months in (6, 12):
                due_on = add_months(info.closed, months)
                if months == 12 and due_on > self.today + timedelta(days=200):
                    continue  # created when the 6-month one is confirmed
                confirmed = due_on <= self.today and rng.random() < 0.9
                created = self._local(plan, info.closed, 12, 0)
                yield {
                    "id": self._id(model),
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "agreement_id": info.pk,
                    "months": months,
                    "due_on": due_on,
                    "reoffended": (rng.random() < 0.12) if confirmed else None,
                    "confirmed_by_id": info.officer if confirmed else None,
                    "confirmed_on": due_on + timedelta(days=rng.randint(0, 10))
                    if confirmed
                    else None,
                }

    def _purged_rows(self, model):
        """Tombstones of sanctions whose two-year access period ended (the purge job's work)."""
        rng = self.rng
        for plan in self.plans:
            n = round(self._n(plan.counts, "agreements") * 0.06)
            for _ in range(n):
                year = self.years[rng.randint(0, 1)]
                purged = year.start.replace(year=year.start.year + 3)
                created = self._local(plan, min(purged, self.today), 3, 0)
                yield {
                    "id": self._id(model),
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": created,
                    "basis": "sanction",
                    "final_status": rng.choices(["completed", "not_completed"], [85, 15])[0],
                    "school_year": year.label,
                    "purged_on": min(purged, self.today),
                }

    # --- presentations ----------------------------------------------------------------------------

    def _presentation_rows(self, model):
        rng = self.rng
        end = self.today + timedelta(days=60)
        school_days = self._school_days(self.first_day, end)
        for plan_index, plan in enumerate(self.plans):
            total = self._n(plan.counts, "presentations")
            days = sorted(rng.choices(school_days, k=total))
            schools = rng.choices(plan.school_ids, weights=plan.school_weights, k=total)
            for day, school_id in zip(days, schools, strict=True):
                low, high = plan.school_grades[school_id]
                fitting = [t for t in plan.topics if t[1] <= high and t[2] >= low] or plan.topics
                topic_id, t_low, t_high, partner = rng.choice(fitting)
                grade_from = max(low, t_low)
                grade_to = rng.randint(grade_from, max(grade_from, min(high, t_high)))
                y = self.year_of.get(day, SCHOOL_YEARS - 1)
                sro = plan.primary[y][school_id]
                if day < self.today:
                    status = rng.choices(["delivered", "cancelled", "requested"], [86, 11, 3])[0]
                else:
                    status = rng.choices(["scheduled", "requested"], [60, 40])[0]
                scheduled = None
                if status in ("scheduled", "delivered") or (
                    status == "cancelled" and rng.random() < 0.5
                ):
                    scheduled = self._local(plan, day, rng.randint(9, 14), rng.choice([0, 15, 30]))
                requested_at = self._local(plan, day - timedelta(days=rng.randint(14, 60)), 10, 0)
                expected = rng.randint(20, 180)
                pk = self._id(model)
                self.presentation_info.append(
                    PresentationInfo(pk, plan_index, status, sro, scheduled)
                )
                requester = plan.school_admins[school_id][0] if rng.random() < 0.7 else sro
                yield {
                    "id": pk,
                    "agency_id": plan.agency.pk,
                    "created_at": requested_at,
                    "updated_at": requested_at,
                    "school_id": school_id,
                    "topic_id": topic_id,
                    "requested_by_id": requester,
                    "classes": f"Grade {grade_from} homerooms",
                    "grade_from": grade_from,
                    "grade_to": grade_to,
                    "expected_students": expected,
                    "preferred_from": day - timedelta(days=7),
                    "preferred_to": day + timedelta(days=7),
                    "needs": "Vaping in the washrooms lately." if rng.random() < 0.3 else "",
                    "status": status,
                    "scheduled_at": scheduled,
                    "room": f"Room {rng.randint(100, 250)}" if scheduled else "",
                    "partner_id": partner if scheduled and partner and rng.random() < 0.6 else None,
                    "students_reached": max(1, expected + rng.randint(-15, 10))
                    if status == "delivered"
                    else None,
                    "classes_reached": f"Grade {grade_from} homerooms"
                    if status == "delivered"
                    else "",
                    "tailoring": "Examples from this school's year."
                    if status == "delivered"
                    else "",
                    "delivered_by_id": sro if status == "delivered" else None,
                    "cancel_reason": "The school's schedule changed."
                    if status == "cancelled"
                    else "",
                    "cancelled_by_id": requester if status == "cancelled" else None,
                }

    def _presenter_rows(self, model):
        for info in self.presentation_info:
            if info.status not in ("scheduled", "delivered"):
                continue
            created = info.scheduled - timedelta(days=10)
            yield {
                "id": self._id(model),
                "agency_id": self.plans[info.plan].agency.pk,
                "created_at": created,
                "updated_at": created,
                "presentation_id": info.pk,
                "user_id": info.sro,
            }

    def _feedback_rows(self, model):
        rng = self.rng
        for info in self.presentation_info:
            if info.status != "delivered":
                continue
            created = info.scheduled + timedelta(hours=2)
            answered = created + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.7 else None
            if answered and answered.date() > self.today:
                answered = None
            yield {
                "id": self._id(model),
                "agency_id": self.plans[info.plan].agency.pk,
                "created_at": created,
                "updated_at": answered or created,
                "presentation_id": info.pk,
                "key": uuid.UUID(int=rng.getrandbits(128), version=4),
                "expires_at": created + timedelta(days=30),
                "answered_at": answered,
                "usefulness": rng.choices([3, 4, 5], [15, 45, 40])[0] if answered else None,
                "fit": rng.choices([2, 3, 4, 5], [5, 20, 45, 30])[0] if answered else None,
                "comment": "The students asked good questions."
                if answered and rng.random() < 0.3
                else "",
            }

    def _schedule_change_rows(self, model):
        rng = self.rng
        for info in self.presentation_info:
            if info.scheduled is None or rng.random() >= 0.05:
                continue
            previous = info.scheduled - timedelta(days=rng.randint(2, 14))
            yield {
                "id": self._id(model),
                "agency_id": self.plans[info.plan].agency.pk,
                "created_at": previous - timedelta(days=3),
                "updated_at": previous - timedelta(days=3),
                "presentation_id": info.pk,
                "previous_at": previous,
                "previous_room": "",
                "new_at": info.scheduled,
                "reason": "An assembly was moved to that day.",
                "changed_by_id": info.sro,
            }

    # --- drills -----------------------------------------------------------------------------------

    def _drill_rows(self, model):
        rng = self.rng
        kinds = ["evacuation", "lockdown", "hold_and_secure", "shelter_in_place"]
        kind_weights = [50, 25, 15, 10]
        # Whole school years, the current one to its end (drills ahead are scheduled).
        days = [d for y in self.years for d in self._school_days(y.start, y.end)]
        for plan_index, plan in enumerate(self.plans):
            total = self._n(plan.counts, "drills")
            picked = sorted(rng.choices(days, k=total))
            schools = rng.choices(plan.school_ids, weights=[1] * len(plan.school_ids), k=total)
            for day, school_id in zip(picked, schools, strict=True):
                kind = rng.choices(kinds, kind_weights)[0]
                announced = rng.random() < (0.5 if kind == "lockdown" else 0.85)
                planned = self._local(plan, day, rng.randint(9, 14), rng.choice([0, 15, 30, 45]))
                if day > self.today:
                    status = "scheduled"
                else:
                    status = rng.choices(["completed", "cancelled", "scheduled"], [92, 4, 4])[0]
                y = self.year_of.get(day, SCHOOL_YEARS - 1)
                sro = plan.primary[y][school_id]
                leader = sro if rng.random() < 0.4 else plan.school_admins[school_id][0]
                started = ended = None
                seconds = participants = None
                if status == "completed":
                    started = planned + timedelta(minutes=rng.randint(0, 15))
                    seconds = rng.randint(120, 900)
                    ended = started + timedelta(seconds=seconds + rng.randint(60, 600))
                    participants = rng.randint(200, 1500)
                pk = self._id(model)
                if status == "completed":
                    self.drill_info.append((pk, plan_index, day, school_id))
                created = planned - timedelta(days=rng.randint(7, 30))
                yield {
                    "id": pk,
                    "agency_id": plan.agency.pk,
                    "created_at": created,
                    "updated_at": ended or created,
                    "school_id": school_id,
                    "kind": kind,
                    "status": status,
                    "planned_at": planned,
                    "announced": announced,
                    "leader_id": leader,
                    "started_at": started,
                    "ended_at": ended,
                    "seconds_to_complete": seconds,
                    "participants": participants,
                    "sro_present": status == "completed" and rng.random() < 0.6,
                    "observations": "Two classrooms were slow to lock their doors."
                    if status == "completed" and rng.random() < 0.3
                    else "",
                    "recorded_by_id": leader if status == "completed" else None,
                    "cancelled_reason": "Weather." if status == "cancelled" else "",
                }

    def _corrective_action_rows(self, model):
        rng = self.rng
        for pk, plan_index, day, school_id in self.drill_info:
            if rng.random() >= 0.08:
                continue
            plan = self.plans[plan_index]
            due = day + timedelta(days=rng.randint(14, 30))
            created = self._local(plan, day, 15, 0)
            yield {
                "id": self._id(model),
                "agency_id": plan.agency.pk,
                "created_at": created,
                "updated_at": created,
                "drill_id": pk,
                "description": "Fix the lock of room 114.",
                "owner_id": plan.school_admins[school_id][0],
                "due_on": due,
                "done_on": due - timedelta(days=rng.randint(0, 10))
                if due < self.today and rng.random() < 0.85
                else None,
            }

    # --- referrals --------------------------------------------------------------------------------

    def _referral_rows(self, model):
        rng = self.rng
        weights = self._day_weights(school_day=1.0, off_day=0.05, weekend=0.0)
        for plan in self.plans:
            total = self._n(plan.counts, "referrals")
            schools_with_students = [s for s in plan.school_ids if plan.students.get(s)]
            if not schools_with_students:
                continue
            for day, count in _spread(total, weights):
                for _ in range(count):
                    school_id = rng.choice(schools_with_students)
                    age = (self.today - day).days
                    if age > 120:
                        status = rng.choices(
                            ["closed", "declined", "engaged", "accepted"], [60, 15, 15, 10]
                        )[0]
                    else:
                        status = rng.choices(
                            ["made", "accepted", "engaged", "closed"], [40, 25, 20, 15]
                        )[0]
                    closed = (
                        min(self.today, day + timedelta(days=rng.randint(20, 120)))
                        if status in ("closed", "declined")
                        else None
                    )
                    created = self._local(plan, day, 13, 0)
                    y = self.year_of[day]
                    yield {
                        "id": self._id(model),
                        "agency_id": plan.agency.pk,
                        "created_at": created,
                        "updated_at": created,
                        "student_id": rng.choice(plan.students[school_id]),
                        "partner_id": rng.choice(plan.partners),
                        "made_by_id": plan.primary[y][school_id],
                        "made_on": day,
                        "reason": "Struggling after a family change; asked for help.",
                        "consent_by": rng.choice(["student", "parent"]),
                        "consent_on": day,
                        "status": status,
                        "outcome": "Attended the program." if status == "closed" else "",
                        "closed_on": closed,
                    }


# --- After the seed ----------------------------------------------------------------------------


def _vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _checks(seeder: Seeder) -> dict:
    """No audit event was written, and samples of every seeded table pass full_clean()."""
    import pghistory.models
    from django.apps import apps
    from django.core.exceptions import ValidationError

    events = 0
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy:
            events += model.objects.count()
    invalid = []
    checked = 0
    for model in seeder.copied_models:
        for obj in model.objects.order_by("?")[:SAMPLE_CHECKED]:
            checked += 1
            try:
                obj.full_clean()
            except ValidationError as error:
                invalid.append(f"{model._meta.label} #{obj.pk}: {error.message_dict}")
    for line in invalid[:20]:
        print(f"  invalid: {line}")
    start = time.perf_counter()
    dangling = _dangling_foreign_keys(seeder.copied_models)
    for line in dangling:
        print(f"  dangling: {line}")
    return {
        "audit_events": events,
        "rows_validated": checked,
        "invalid_rows": invalid[:50],
        "dangling_foreign_keys": dangling,
        "foreign_key_check_s": round(time.perf_counter() - start, 2),
    }


def _dangling_foreign_keys(models) -> list[str]:
    """COPY ran without foreign-key checks: every foreign key of the copied tables is checked
    here, with one anti-join each."""
    from django.db import connection

    quote = connection.ops.quote_name
    problems = []
    with connection.cursor() as cursor:
        for model in models:
            for fk in model._meta.concrete_fields:
                if not fk.many_to_one and not fk.one_to_one:
                    continue
                child, parent = model._meta.db_table, fk.related_model._meta.db_table
                target = fk.target_field.column
                cursor.execute(
                    f"SELECT count(*) FROM {quote(child)} c WHERE c.{quote(fk.column)} IS NOT "  # noqa: S608
                    f"NULL AND NOT EXISTS (SELECT 1 FROM {quote(parent)} p "
                    f"WHERE p.{quote(target)} = c.{quote(fk.column)})"
                )
                if count := cursor.fetchone()[0]:
                    problems.append(f"{child}.{fk.column}: {count} rows")
    return problems


def _database_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def _print_table(result: dict) -> None:
    print(f"\nScale seed, {result['date']}, --scale {result['scale']}, today {result['today']}")
    print("-" * 86)
    print(f"{'step':<52} {'rows':>11} {'seconds':>9} {'rows/s':>10}")
    print(f"{'migrate':<52} {'':>11} {result['migrate_s']:>9.2f}")
    for row in result["tables"]:
        rate = f"{row['rows_per_s']:,}" if row["rows_per_s"] else ""
        print(f"{row['table'][:52]:<52} {row['rows']:>11,} {row['seconds']:>9.2f} {rate:>10}")
    print(f"{'VACUUM (ANALYZE)':<52} {'':>11} {result['vacuum_analyze_s']:>9.2f}")
    print("-" * 86)
    print(f"{'seeding (tables above)':<52} {result['rows']:>11,} {result['seeding_s']:>9.2f}")
    print(f"{'total (drop, migrate, seed, vacuum, checks)':<52} {'':>11} {result['total_s']:>9.2f}")
    checks = result["checks"]
    print(
        f"audit events written: {checks['audit_events']}; rows validated: "
        f"{checks['rows_validated']}, invalid: {len(checks['invalid_rows'])}; dangling foreign "
        f"keys: {len(checks['dangling_foreign_keys'])} (checked in "
        f"{checks['foreign_key_check_s']:.1f} s); database size: {result['database_size']}"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
