"""Every user-facing string goes through the translation machinery, and the French catalogue
translates all of them (issue 13). Each check names what to fix."""

import shutil
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from tests.i18n import scan


def test_templates_have_no_text_outside_translation_tags():
    found = [
        f"{path.relative_to(scan.ROOT)}: {text!r}"
        for path in scan.template_files()
        for text in scan.untranslated_template_text(path.read_text())
    ]
    assert not found, "Wrap in {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)


def test_the_template_check_sees_text_and_the_attributes_people_read():
    source = (
        "{% load i18n %}<h1>Hello {{ name }}</h1><p>{% translate 'Fine' %}</p>"
        "{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}{# a comment #}"
        '<img alt="A cat" src="cat.png"><input type="submit" value="Go">'
        '<button aria-label="Close" class="btn-close"></button>'
        '<a title="{% translate "Edit" %}" href="/x/">{{ x }}</a> · SRO Portal <code>name</code>'
    )
    assert scan.untranslated_template_text(source) == ["Hello", "A cat", "Go", "Close"]


def test_python_modules_mark_the_strings_they_show():
    found = [
        f"{path.relative_to(scan.ROOT)}:{line}: {what}"
        for path in scan.python_files()
        for line, what in scan.unmarked_python_strings(path.read_text())
    ]
    assert not found, "Mark with gettext / gettext_lazy:\n" + "\n".join(found)


def test_no_module_translates_at_import_time():
    found = [
        f"{path.relative_to(scan.ROOT)}:{line}"
        for path in scan.python_files()
        for line in scan.translated_at_import(path.read_text())
    ]
    assert not found, "Use gettext_lazy outside functions:\n" + "\n".join(found)


def test_the_python_check_sees_bare_strings_in_user_facing_calls():
    source = """
class Kind(models.TextChoices):
    A = "a", "Alpha"
    B = "b", _("Beta")
class Thing(models.Model):
    name = models.CharField("name", max_length=3)
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE)
    class Meta:
        verbose_name = "thing"
def view(request, form):
    messages.success(request, f"Saved {form}.")
    messages.error(request, _("Fine."))
    form.add_error("field", "Wrong.")
    forms.CharField(label="Name", help_text=_("Fine"), choices=[(1, "One")])
    return HttpResponse("Nope")
"""
    assert [what for _line, what in scan.unmarked_python_strings(source)] == [
        "Kind choice label",
        "CharField verbose name",
        "Meta.verbose_name",
        "messages.success",
        "add_error",
        "CharField(label=)",
        "CharField(choices=)",
        "HttpResponse",
    ]


def test_the_french_catalogue_is_complete_and_without_fuzzy_entries():
    entries = [e for e in scan.po_entries(scan.CATALOGUE.read_text()) if e["msgid"]]
    untranslated = [e["msgid"] for e in entries if not e["obsolete"] and not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if not e["obsolete"] and e["fuzzy"]]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_the_french_catalogue_has_every_string_of_the_source(monkeypatch):
    """makemessages into a copy of the catalogue: whatever it adds is missing from ours.

    makemessages writes each source file's strings into the first locale path whose parent
    folder holds the file: the copy lives in a hidden folder of the checkout (makemessages skips
    hidden folders when it looks for sources), so every file maps to the copy, never to the
    real catalogue (which the test checks it left alone)."""
    real = scan.CATALOGUE.read_bytes()
    check_dir = Path(tempfile.mkdtemp(dir=scan.ROOT, prefix=".catalogue-check-"))
    try:
        copy = check_dir / "fr" / "LC_MESSAGES" / "django.po"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(real)
        monkeypatch.chdir(scan.ROOT)
        with override_settings(LOCALE_PATHS=[check_dir]):
            call_command(
                "makemessages", locale=["fr"], ignore_patterns=scan.MAKEMESSAGES_IGNORE, verbosity=0
            )
        extracted = scan.po_keys(scan.po_entries(copy.read_text()))
    finally:
        shutil.rmtree(check_dir)
    assert scan.CATALOGUE.read_bytes() == real
    ours = scan.po_keys(scan.po_entries(real.decode()))
    missing = sorted(str(key) for key in extracted - ours)
    assert not missing, (
        f"{len(missing)} strings are not in the catalogue (manage.py makemessages -l fr, then "
        f"translate): {missing[:10]}"
    )
