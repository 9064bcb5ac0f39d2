"""The portal in French (issue 13): each role's home page, a form with its errors, a reminder
email and the annual report, for a user who chose French or whose agency speaks it; the choice
of language itself; and dates and numbers written the Canadian French way."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation

from schools.forms import DateInput
from sro_portal.accounts import services as account_services
from sro_portal.accounts.models import Role
from sro_portal.dashboards import report
from sro_portal.reminders import services as reminder_services
from sro_portal.reminders.models import Reminder
from tests.helpers import agency_form, signed_in

pytestmark = pytest.mark.django_db

# Words only the French pages have, by role: the navigation and each home page's own heading.
HOME_WORDS = {
    Role.ADMIN: ["Tableau de bord", "Membres actifs", "Invitations en attente"],
    Role.SUPERVISOR: ["Tableau de bord", "Couverture des écoles au"],
    Role.SRO: ["Tableau de bord", "Mes écoles aujourd'hui"],
    Role.SCHOOL: ["Tableau de bord", "Bienvenue"],
}


def _speaks_french(user):
    user.language = "fr"
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("role", list(HOME_WORDS))
def test_each_role_s_home_page_is_in_french_for_a_french_speaker(client, world_a, role):
    user = _speaks_french(world_a.users[role])
    page = signed_in(client, user).get(reverse("dashboards:home")).content.decode()
    assert '<html lang="fr">' in page
    for words in HOME_WORDS[role]:
        assert words in page
    assert "Sign out" not in page and "Se déconnecter" in page


def test_the_agency_default_applies_to_members_who_chose_nothing(client, world_a):
    world_a.agency.default_language = "fr"
    world_a.agency.save(update_fields=["default_language"])
    page = signed_in(client, world_a.sro).get(reverse("dashboards:home")).content.decode()
    assert '<html lang="fr">' in page and "Mes écoles aujourd'hui" in page


def test_a_member_s_choice_beats_the_agency_default_and_the_browser(client, world_a):
    world_a.agency.default_language = "fr"
    world_a.agency.save(update_fields=["default_language"])
    world_a.sro.language = "en"
    world_a.sro.save(update_fields=["language"])
    client = signed_in(client, world_a.sro)
    page = client.get(reverse("dashboards:home"), headers={"accept-language": "fr"})
    assert '<html lang="en">' in page.content.decode()


def test_without_any_choice_the_browser_s_language_applies(client, world_a):
    client = signed_in(client, world_a.sro)
    page = client.get(reverse("dashboards:home"), headers={"accept-language": "fr-CA,fr;q=0.9"})
    assert "Mes écoles aujourd'hui" in page.content.decode()


def test_a_form_with_errors_is_in_french(client, world_a):
    admin = _speaks_french(world_a.admin)
    response = signed_in(client, admin).post(
        reverse("accounts:invite"), {"email": "", "role": Role.SCHOOL}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page  # Django's own catalogue
    assert "Choisissez au moins une école pour un administrateur scolaire." in page
    assert "Envoyer l&#x27;invitation" in page or "Envoyer l'invitation" in page


def test_a_reminder_email_goes_out_in_the_recipient_s_language(
    world_a, django_capture_on_commit_callbacks
):
    admin = _speaks_french(world_a.admin)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = account_services.invitation_create(
            actor=admin, email="recrue@example.test", full_name="", role=Role.SRO, schools=[]
        )
    reminder = Reminder.objects.get(recipient=admin)
    mail.outbox.clear()
    with (
        time_machine.travel(reminder.due_at + dt.timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminder_services.dispatch_due()
    (message,) = mail.outbox
    assert "Une invitation que vous avez envoyée expire bientôt" in message.subject
    expires = invitation.expires_at.astimezone(world_a.agency.tzinfo)
    with translation.override("fr"):
        french_date = formats.date_format(expires, "DATETIME_FORMAT")
    assert french_date in message.body  # e.g. "5 décembre 2026, 10 h 00"
    assert "Ouvrez-le dans" in message.body
    reminder.refresh_from_db()
    assert reminder.subject == "Une invitation que vous avez envoyée expire bientôt"


def test_an_invitation_email_is_in_the_agency_s_language(
    world_a, django_capture_on_commit_callbacks
):
    world_a.agency.default_language = "fr"
    world_a.agency.save(update_fields=["default_language"])
    world_a.admin.language = "en"  # the inviter's language does not matter
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(
            actor=world_a.admin, email="recrue@example.test", full_name="", role=Role.SRO
        )
    (message,) = mail.outbox
    assert "Invitation à vous joindre à" in message.subject


def test_the_annual_report_pdf_is_in_the_requesting_user_s_language(
    client, world_a, monkeypatch, django_capture_on_commit_callbacks
):
    supervisor = _speaks_french(world_a.supervisor)
    laid_out = []  # the document the task writes as PDF, kept to read its text

    def keep_document(annual):
        laid_out.append(original(annual))
        return laid_out[-1]

    original = report.report_document
    monkeypatch.setattr(report, "report_document", keep_document)
    client = signed_in(client, supervisor)
    with django_capture_on_commit_callbacks(execute=True):  # the rendering task, run eagerly
        response = client.post(reverse("dashboards:report_start"))
    status_page = client.get(response.url).content.decode()
    assert '<html lang="fr">' in status_page
    (document,) = laid_out
    text = " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if hasattr(box, "text")
    )
    assert "Programme des agents de ressources scolaires" in text
    assert "Table des matières" in text
    assert "septembre" in text  # the school year's first day, as French writes it


def test_choosing_a_language_saves_it_on_the_account_and_in_a_cookie(client, world_a):
    client = signed_in(client, world_a.sro)
    response = client.post(
        reverse("accounts:language"), {"language": "fr", "next": reverse("schools:school_list")}
    )
    assert response.url == reverse("schools:school_list")
    assert response.cookies["django_language"].value == "fr"
    world_a.sro.refresh_from_db()
    assert world_a.sro.language == "fr"
    assert "Langue enregistrée." in client.get(response.url).content.decode()


def test_the_language_page_refuses_a_language_the_portal_does_not_speak(client, world_a):
    client = signed_in(client, world_a.sro)
    response = client.post(reverse("accounts:language"), {"language": "de"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    world_a.sro.refresh_from_db()
    assert world_a.sro.language == ""


def test_the_next_page_after_choosing_stays_on_the_portal(client, world_a):
    client = signed_in(client, world_a.sro)
    response = client.post(
        reverse("accounts:language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response.url == reverse("accounts:language")


def test_an_agency_admin_sets_the_agency_default(client, world_a):
    client = signed_in(client, world_a.admin)
    page = client.get(reverse("accounts:agency_settings")).content.decode()
    form = agency_form(default_language="fr")  # the settings form reads its calendar fields
    assert 'name="default_language"' in page
    client.post(reverse("accounts:agency_settings"), form)
    world_a.agency.refresh_from_db()
    assert world_a.agency.default_language == "fr"


def test_the_sign_in_page_switches_to_french_without_an_account(client):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": reverse("account_login")}
    )
    page = client.get(response.url).content.decode()
    assert '<html lang="fr">' in page and "Se connecter" in page


def test_dates_times_and_numbers_are_written_the_canadian_french_way():
    moment = dt.datetime(2026, 11, 28, 14, 5)
    with translation.override("fr"):
        assert formats.date_format(moment, "DATE_FORMAT") == "28 novembre 2026"
        assert formats.date_format(moment, "TIME_FORMAT") == "14\xa0h\xa005"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "2026-11-28"
        assert formats.number_format(Decimal("1234.5"), 1, force_grouping=True) == "1\xa0234,5"
        # <input type="date"> reads ISO dates only, in every language.
        assert 'value="2026-11-28"' in DateInput().render("day", moment.date())


def test_the_language_page_names_the_agency_default_it_would_follow(client, world_a):
    world_a.agency.default_language = "fr"
    world_a.agency.save(update_fields=["default_language"])
    world_a.sro.language = "en"
    world_a.sro.save(update_fields=["language"])
    page = signed_in(client, world_a.sro).get(reverse("accounts:language")).content.decode()
    assert "My agency&#x27;s default (French)" in page or "My agency's default (French)" in page


def test_a_new_member_switches_language_before_enrolling_in_mfa(client, world_a):
    client.force_login(world_a.sro)  # no authenticator yet: every other page sends to enrolment
    response = client.post(
        reverse("accounts:language"), {"language": "fr", "next": reverse("mfa_index")}
    )
    assert response.url == reverse("mfa_index")
    world_a.sro.refresh_from_db()
    assert world_a.sro.language == "fr"


def test_a_csv_export_has_its_headers_in_the_requesting_user_s_language(client, world_a):
    supervisor = _speaks_french(world_a.supervisor)
    url = reverse("dashboards:export", args=["coverage", "schools"])
    text = signed_in(client, supervisor).get(url).content.decode()
    assert text.splitlines()[0] == "\ufeffÉcole,ARS principal,Couverte"
