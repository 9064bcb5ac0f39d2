"""A choice of a row among a few hundred, read once a form: the activity list's school and officer
filters (officers/forms/activities.py).

RowChoiceField (sro_portal/core/forms.py) reads its options as rows, but a chosen value is still
checked by fetching its whole row (one query more than the options' own). ListedChoiceField reads
the options once a form and checks a chosen value among them. The HTML is the same
(tests/officers/test_choices.py compares it with RowChoiceField's).
"""

from django.core.exceptions import ValidationError
from django.forms import ChoiceField
from django.forms.models import ModelChoiceField

from sro_portal.core.forms import RowChoiceField, RowChoiceIterator


class ListedChoiceIterator(RowChoiceIterator):
    """RowChoiceIterator's (value, label) pairs, read from the database once a form."""

    _pairs: list | None = None

    def pairs(self) -> list[tuple]:
        if self._pairs is None:
            self._pairs = list(super().__iter__())
        return self._pairs

    def __iter__(self):
        return iter(self.pairs())

    # ModelChoiceIterator's ask the database (a count, an exists()).
    def __len__(self):
        return len(self.pairs())

    def __bool__(self):
        return bool(self.pairs())


class ListedChoiceField(RowChoiceField):
    """A RowChoiceField (of pks: no to_field_name) whose options are read once a form: a chosen
    value is checked among them, and its cleaned value is the chosen row's pk (not a model
    instance: a filter needs no more)."""

    iterator = ListedChoiceIterator
    _listed: ListedChoiceIterator | None = None

    def __init__(self, queryset, **kwargs):
        if kwargs.get("to_field_name"):
            raise TypeError("ListedChoiceField chooses rows by their pk")
        super().__init__(queryset, **kwargs)

    def _set_queryset(self, queryset):
        self._listed = None  # another queryset: other options (a copied field's too)
        super()._set_queryset(queryset)

    queryset = property(ModelChoiceField._get_queryset, _set_queryset)

    def _get_choices(self):
        # One iterator a field, shared with its widget: the options are read once.
        if self._listed is None:
            self._listed = self.iterator(self)
        return self._listed

    choices = property(_get_choices, ChoiceField.choices.fset)

    def to_python(self, value):
        """As ModelChoiceField.to_python, the pk read as the query would read it, checked
        among the options rather than fetched."""
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        try:
            key = self.queryset.model._meta.pk.get_prep_value(value)
        except (ValueError, TypeError, ValidationError):
            key = None
        if key is None or key not in {option for option, _label in self.choices.pairs()}:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return key
