"""Forms of the activity log: the entry itself (short enough for one phone screen) and the list's
filters. Every choice of a school, student, partner or officer is scoped to the user in __init__;
the rules about an entry (dates, schools in force that day) live in officers/services.py."""

import datetime
import functools

from crispy_bootstrap5.bootstrap5 import FloatingField
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from officers.forms.choices import ListedChoiceField
from officers.models import CATEGORY_ROLES, Activity, ActivityCategory, SRORole
from officers.selectors import partner_qs_for, student_qs_for
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import colleague_qs_for

NOTE_MAX = 500


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> reads


class NumberInput(forms.NumberInput):
    """A number field that brings up the phone's digit keypad."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "pattern": "[0-9]*", **(attrs or {})})


def category_choices(blank_label) -> list:
    """The categories grouped by the SRO role they serve, in the order of the roles."""
    groups = [
        (role.label, [(c.value, c.label) for c in ActivityCategory if CATEGORY_ROLES[c] == role])
        for role in SRORole
    ]
    return [("", blank_label), *groups]


@functools.cache
def _filter_category_choices(language: str | None) -> list:
    """category_choices(_("All")) as text in `language`: a lazy label is translated again at
    each str(), that is at each option of each page."""
    with translation.override(language):
        return [
            (str(name), [(value, str(label)) for value, label in options])
            if isinstance(options, list)  # a role's group of categories
            else (name, str(options))
            for name, options in category_choices(_("All"))
        ]


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, student):
        return f"{student.last_name}, {student.first_name}"


class ActivityForm(forms.Form):
    """One entry of the log. The school choices are the actor's schools on the entry's date (today
    for a new, empty form): a school outside them is refused as an invalid choice, and the service
    checks again against the officer's assignments that day."""

    date = forms.DateField(label=_("Date"), widget=DateInput)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=720, widget=NumberInput)
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)
    category = forms.ChoiceField(label=_("Activity"))
    students_reached = forms.IntegerField(
        label=_("Students reached"), min_value=0, max_value=5000, initial=0, widget=NumberInput
    )
    student = StudentChoiceField(label=_("Student"), queryset=None, required=False, empty_label="—")
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=None, required=False, empty_label="—"
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)

    FIELDS = (
        "date",
        "school",
        "category",
        "minutes",
        "students_reached",
        "student",
        "partner",
        "note",
    )

    def __init__(
        self,
        *args,
        actor,
        on: datetime.date,
        activity: Activity | None = None,
        refresh_url: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        today = actor.agency.today()
        day = self._posted_date() or on
        schools = school_qs_for(actor, on=day).order_by("name")
        if activity is None:
            # New entries go to open schools; an existing entry keeps a school closed since.
            schools = schools.filter(is_active=True)
        self.fields["school"].queryset = schools
        self.school_count = schools.count()
        if self.school_count != 1:
            self.fields["school"].empty_label = _("Choose a school")
        self.fields["category"].choices = category_choices(_("Choose what you did"))
        students = student_qs_for(actor).order_by("last_name", "first_name")
        partners = partner_qs_for(actor).filter(is_active=True)
        if activity is not None and activity.student_id:
            # Kept among the choices even when the officer's schools changed since the entry.
            students = students | activity.school.students.filter(pk=activity.student_id)
        if activity is not None and activity.partner_id:
            # A partner made inactive since stays visible: the officer sees why the service
            # refuses it instead of losing it silently.
            partners = partner_qs_for(actor).filter(Q(is_active=True) | Q(pk=activity.partner_id))
        self.fields["student"].queryset = students
        self.fields["partner"].queryset = partners.order_by("name")
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["note"].widget.attrs["maxlength"] = NOTE_MAX
        if refresh_url:
            # Another date may mean other schools: htmx fetches the form for that date and
            # swaps in its school choices (the school picked so far goes along).
            self.fields["date"].widget.attrs.update(
                {
                    "hx-get": refresh_url,
                    "hx-trigger": "change",
                    "hx-include": "[name='school']",
                    "hx-select": "#div_id_school",
                    "hx-target": "#div_id_school",
                    "hx-swap": "outerHTML",
                }
            )

        self.helper = FormHelper()
        self.helper.form_tag = False  # the page writes the <form> and its two buttons
        self.helper.layout = Layout(
            Row(
                Column(FloatingField("date"), css_class="col-7"),
                Column(FloatingField("minutes"), css_class="col-5"),
                css_class="g-2",
            ),
            FloatingField("school"),
            FloatingField("category"),
            Row(
                Column(FloatingField("students_reached"), css_class="col-7"),
                Column(FloatingField("student"), css_class="col-5"),
                css_class="g-2",
            ),
            FloatingField("partner"),
            FloatingField("note"),
        )

    def _posted_date(self) -> datetime.date | None:
        """The entry's date as posted, if it reads as a date: it decides the school choices."""
        if not self.is_bound:
            return None
        try:
            return self.fields["date"].clean(self.data.get(self.add_prefix("date")))
        except ValidationError:
            return None

    def activity_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


def initial_from(activity: Activity, **extra) -> dict:
    """A form's initial values copied from an entry (to edit it, or to repeat it)."""
    return {
        "date": activity.date,
        "school": activity.school_id,
        "category": activity.category,
        "minutes": activity.minutes,
        "students_reached": activity.students_reached,
        "student": activity.student_id,
        "partner": activity.partner_id,
        "note": activity.note,
        **extra,
    }


class ActivityFilterForm(forms.Form):
    """The list's filters (GET). Supervisors and admins filter by officer; an SRO sees only their
    own entries, so the officer filter is left out for them. The officer and the school are
    chosen among options read once (officers/forms/choices.py): their cleaned values are pks."""

    officer = ListedChoiceField(
        label=_("Officer"),
        queryset=None,
        required=False,
        empty_label=_("All"),
        label_fields=("full_name", "email"),  # as User.__str__
    )
    school = ListedChoiceField(
        label=_("School"), queryset=None, required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.role == Role.SRO:
            del self.fields["officer"]
        else:
            self.fields["officer"].queryset = colleague_qs_for(actor, roles=[Role.SRO])
        self.fields["school"].queryset = school_qs_for(actor).order_by("name")
        self.fields["category"].choices = _filter_category_choices(translation.get_language())
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filter(self, activities):
        """`activities` narrowed by the filters that read well (a bad value is ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        lookups = {
            "officer_id": data.get("officer"),
            "school_id": data.get("school"),
            "category": data.get("category"),
            "date__gte": data.get("start"),
            "date__lte": data.get("end"),
        }
        # One filter() for all: each call copies the query (a few hundred calls).
        return activities.filter(**{lookup: value for lookup, value in lookups.items() if value})
