from django import forms
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.selectors import audited_models


class AuditFilterForm(forms.Form):
    """Filters of the audit trail page. Choices are built per request, scoped to the agency."""

    model = forms.ChoiceField(label=_("Record type"), required=False)
    user = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.models_by_label = {model._meta.label_lower: model for model in audited_models()}
        self.fields["model"].choices = [("", _("All records"))] + [
            (label, model._meta.verbose_name.capitalize())
            for label, model in self.models_by_label.items()
        ]
        self.fields["user"].choices = [("", _("Everyone"))] + [
            (member.pk, str(member)) for member in members
        ]

    def tracked_model(self):
        return self.models_by_label.get(self.cleaned_data.get("model") or "")
