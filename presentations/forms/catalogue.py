"""Forms of the topic catalogue: a topic, and a material uploaded for it.

The partner choice is scoped to the actor's agency (officers.selectors.partner_qs_for). The
services check everything again; these forms only put the errors a user can fix next to the
field that holds them (a title the agency uses already, grades in the wrong order), where the
database's constraints would otherwise answer with a page error.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from officers.selectors import partner_qs_for
from presentations.models import Topic
from presentations.selectors import topic_qs_for

# What the upload field accepts, as the browser's file picker filters it (the service judges the
# file by its content, whatever its name says).
MATERIAL_ACCEPT = ",".join(
    [
        ".pdf",
        ".pptx",
        ".docx",
        ".jpg",
        ".jpeg",
        ".png",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/jpeg",
        "image/png",
    ]
)


def _helper(label, *, action: str | None = None, css_id: str = "submit") -> FormHelper:
    helper = FormHelper()
    if action is not None:
        helper.form_action = action
    helper.add_input(Submit("submit", label, css_id=css_id))
    return helper


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = [
            "title",
            "description",
            "grade_from",
            "grade_to",
            "minutes",
            "partner",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "partner": _("The community partner who gives the talk with the officer, if any."),
            "minutes": _("From 10 to 240 minutes."),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.instance.agency_id = actor.agency_id
        partners = partner_qs_for(actor).filter(
            Q(is_active=True) | Q(pk=self.instance.partner_id or 0)
        )
        self.fields["partner"].queryset = partners.order_by("name")
        self.fields["partner"].empty_label = _("No partner")
        self.helper = _helper(_("Save topic"))
        self.helper.layout = Layout(
            "title",
            "description",
            Div(
                Div(Field("grade_from"), css_class="col-sm-6"),
                Div(Field("grade_to"), css_class="col-sm-6"),
                css_class="row",
            ),
            "minutes",
            "partner",
            "is_active",
        )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        taken = topic_qs_for(self.actor).filter(title__iexact=title)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("The catalogue has a topic with this title already."), code="unique"
            )
        return title

    def clean(self):
        cleaned = super().clean()
        grade_from, grade_to = cleaned.get("grade_from"), cleaned.get("grade_to")
        if grade_from is not None and grade_to is not None and grade_to < grade_from:
            self.add_error("grade_to", _("The last grade comes after the first."))
        return cleaned


class MaterialForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=150,
        help_text=_("What the file is, for example: Slides, Handout for students."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": MATERIAL_ACCEPT}),
        help_text=_("PDF, PowerPoint (.pptx), Word (.docx), JPEG or PNG, up to %(size)s MB."),
    )

    def __init__(self, *args, topic: Topic, max_bytes: int, **kwargs):
        super().__init__(*args, auto_id="material_%s", **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "size": max_bytes // (1024 * 1024)
        }
        self.helper = _helper(
            _("Upload"),
            action=reverse("presentations:material_add", args=[topic.pk]),
            css_id="material-submit",
        )
