"""The dashboard's filters (GET): which school, and which days.

One form serves the page and the CSV exports, so both rebuild the same Scope from the same query
string. Days: a school year (the current one by default) or a custom range From..Until (at most
five years); an SRO also has quick periods (this week, this month). The school is chosen among the
active schools the user sees (schools.selectors.school_qs_for); SROs have no school filter (their
view is their own work, wherever it was).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.selectors import school_qs_for
from sro_portal.core.forms import RowChoiceField, Select
from sro_portal.dashboards.scope import Audience, audience_of, school_years

WEEK, MONTH = "week", "month"
MAX_YEARS = 5
FIRST_YEAR, LAST_YEAR = 2000, 2100


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> reads


@dataclass(frozen=True)
class Filters:
    """What the form resolved: the days, the school (None: all the user's), and the query string
    values that rebuild it (for the CSV links; never a name)."""

    start: date
    end: date
    school: object | None
    params: dict


class DashboardFilterForm(forms.Form):
    # Options from the rows' names (no model built per school: 300 schools cost milliseconds).
    school = RowChoiceField(label=_("School"), queryset=None, required=False)
    period = forms.ChoiceField(label=_("School year"), required=False, widget=Select)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def __init__(self, data=None, *, user, url: str = "", **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.audience = audience_of(user)
        agency = user.agency
        self.today = agency.today()
        self.years = school_years(agency)
        choices = [(str(year.start.year), year.label) for year in self.years]
        if self.audience == Audience.OFFICER:
            del self.fields["school"]
            self.fields["period"].label = _("Period")
            choices = [
                (WEEK, _("This week")),
                (MONTH, _("This month")),
                (choices[0][0], _("This school year (%(label)s)") % {"label": choices[0][1]}),
                *[
                    (value, _("School year %(label)s") % {"label": label})
                    for value, label in choices[1:]
                ],
            ]
        else:
            schools = school_qs_for(user).filter(is_active=True).order_by("name")
            self.fields["school"].queryset = schools
            self.fields["school"].empty_label = (
                _("All my schools") if self.audience == Audience.SCHOOL else _("All schools")
            )
        self.fields["period"].choices = choices
        default = choices[2 if self.audience == Audience.OFFICER else 0][0]
        self.fields["period"].initial = default
        if self.is_bound and not self.data.get("period"):
            # The list shows what the figures cover: the current school year unless asked.
            self.data = self.data.copy()
            self.data["period"] = default
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
        if url:
            # htmx: a choice in a list reloads the figures at once; dates wait for "Show".
            # Choosing a period drops the custom dates (they would win over it); choosing a
            # school keeps them.
            for name in ("school", "period"):
                if name in self.fields:
                    self.fields[name].widget.attrs.update({"hx-get": url})
            self.fields["period"].widget.attrs["hx-include"] = "#id_school"

    def clean_start(self):
        return self._in_range(self.cleaned_data.get("start"))

    def clean_end(self):
        return self._in_range(self.cleaned_data.get("end"))

    @staticmethod
    def _in_range(day):
        if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        missing = _("Give both dates (or neither, to use the period).")
        if start and not end and "end" not in self.errors:
            self.add_error("end", missing)
        elif end and not start and "start" not in self.errors:
            self.add_error("start", missing)
        elif start and end:
            if end < start:
                self.add_error("end", _("The end of the period is before its start."))
            elif end > years_after(start, MAX_YEARS):
                self.add_error(
                    "end", _("A period covers at most %(years)s years.") % {"years": MAX_YEARS}
                )
        return cleaned

    def filters(self) -> Filters | None:
        """The period and school chosen (the defaults when nothing was asked); None when the form
        has errors (shown next to the fields)."""
        if not self.is_bound:
            start, end = self._period(self.fields["period"].initial)
            return Filters(start=start, end=end, school=None, params={})
        if not self.is_valid():
            for name in self.errors:
                if name in self.fields:
                    self.fields[name].widget.attrs["class"] += " is-invalid"
            return None
        data = self.cleaned_data
        params = {}
        if data.get("school"):
            params["school"] = str(data["school"].pk)
        if data.get("start") and data.get("end"):
            start, end = data["start"], data["end"]
            params |= {"start": start.isoformat(), "end": end.isoformat()}
        else:
            period = data.get("period") or self.fields["period"].initial
            start, end = self._period(period)
            if period != self.fields["period"].initial:
                params["period"] = period
        return Filters(start=start, end=end, school=data.get("school"), params=params)

    def _period(self, value: str) -> tuple[date, date]:
        if value == WEEK:
            monday = self.today - timedelta(days=self.today.weekday())
            return monday, monday + timedelta(days=6)
        if value == MONTH:
            first = self.today.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return first, following - timedelta(days=1)
        year = next(year for year in self.years if str(year.start.year) == value)
        return year.start, year.end


def years_after(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
