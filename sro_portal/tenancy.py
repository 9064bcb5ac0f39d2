"""The tenancy base: every row an agency owns carries its agency, and scoping is explicit.

Selectors (`<app>/selectors.py`) take the user and filter by `user.agency`; there is no
"current tenant" in a thread-local or context variable (those leaked between requests and
Celery tasks in the libraries that tried). Another agency's object answers 404, never 403.
"""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    """Abstract base of every tenant-owned model.

    The agency key comes first in every index and unique constraint of the subclasses (a test
    enforces it), and `clean()` refuses links to rows of another agency.
    """

    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        check_same_agency(self)

    def _get_FIELD_display(self, field):
        """get_<field>_display(), as Django's but with the labels looked up once per field and
        language: Django rebuilds the choices dict (translating every label) on each call,
        which cost more than the SQL of a 50-row list."""
        value = getattr(self, field.attname)
        label = _choice_labels(field, get_language()).get(make_hashable(value))
        return label if label is not None else force_str(value, strings_only=True)


@functools.cache
def _choice_labels(field, language: str | None) -> dict:
    return {make_hashable(value): force_str(label) for value, label in field.flatchoices}


def check_same_agency(obj: models.Model) -> None:
    """Raise ValidationError if `obj` points at a row (or user) of another agency."""
    errors = {}
    for field in obj._meta.concrete_fields:
        if not field.many_to_one or field.name == "agency":
            continue
        if getattr(obj, field.attname) is None:
            continue
        related = getattr(obj, field.name)
        related_agency_id = getattr(related, "agency_id", None)
        if related_agency_id is not None and related_agency_id != obj.agency_id:
            errors[field.name] = _("This belongs to another agency.")
    if errors:
        raise ValidationError(errors)


def get_in_scope_or_404(queryset: models.QuerySet, **lookup):
    """The one way selectors fetch a single object: missing and out-of-scope look the same."""
    return get_object_or_404(queryset, **lookup)
