"""The teacher's feedback on a delivered talk, and the results for supervisors.

The feedback page needs no account: the signed token in its address is the only credential
(presentations/tokens.py), so the page names no person, is never cached, asks search engines not
to index it and sends no Referer onwards. A forged or damaged token gets a plain "not valid" page
(404); a link answered already or expired gets a plain "closed" page (410), and changes nothing.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from presentations import selectors, services
from presentations.forms.feedback import FeedbackForm, ResultsPeriodForm
from presentations.models import Feedback
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.core.ratelimit import rate_limit

# --- The one-time link --------------------------------------------------------------------------


def _private(response):
    """Headers of a page whose address carries a credential."""
    # Same-origin, not no-referrer: the token never leaves in a Referer to another site, and
    # the browser still sends the Origin that Django's CSRF check of the form needs (under
    # no-referrer, Chromium posts "Origin: null" and the answer is refused).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request, template: str, context: dict | None = None, *, status: int = 200):
    return _private(render(request, f"presentations/{template}", context or {}, status=status))


def _talk(feedback: Feedback) -> dict:
    """What the page says about the talk: its topic, school and day; no person's name."""
    presentation = feedback.presentation
    day = timezone.localtime(presentation.scheduled_at, feedback.agency.tzinfo).date()
    return {
        "topic_title": presentation.topic.title,
        "school_name": presentation.school.name,
        "day": day,
        "agency_name": feedback.agency.name,
    }


@login_not_required  # teachers answer without an account: the signed token is the credential
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("token")
def feedback_form(request, token):
    feedback = selectors.feedback_for_token(token)
    if feedback is None:
        return _page(request, "feedback_invalid.html", status=404)
    if not selectors.feedback_is_open(feedback):
        return _page(request, "feedback_closed.html", status=410)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_answer(
                feedback=feedback,
                usefulness=form.cleaned_data["usefulness"],
                fit=form.cleaned_data["fit"],
                comment=form.cleaned_data["comment"],
            )
        except services.FeedbackClosed:
            return _page(request, "feedback_closed.html", status=410)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return _page(request, "feedback_thanks.html", _talk(feedback))
    status = 400 if form.is_bound else 200
    return _page(request, "feedback_form.html", {"form": form, **_talk(feedback)}, status=status)


# --- The results --------------------------------------------------------------------------------


@role_required(Role.SUPERVISOR, Role.ADMIN)
def feedback_results(request):
    """Average scores per topic and per presenter over a period (the current school year unless
    the query string names another)."""
    agency = request.user.agency
    year = agency.school_year_for(agency.today())
    since, until = year.start, year.end
    form = ResultsPeriodForm(request.GET or None, initial={"since": since, "until": until})
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    results = selectors.feedback_results_for(request.user, since=since, until=until)
    return render(
        request,
        "presentations/feedback_results.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "by_topic": results["topics"],
            "by_presenter": results["presenters"],
        },
    )
