"""Pages of the topic catalogue: the list, a topic with its materials, the topic form, and the
materials' upload, download and removal.

Every user of the agency reads the catalogue and downloads its materials (selectors give 404 to
anyone else, signed-in users of another agency included); agency admins and supervisors keep it
(services.CATALOGUE_KEEPERS; 403 for the other roles). Materials are private files: they are
served only by `material_download`, as attachments, never from MEDIA_ROOT directly.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from presentations import selectors, services
from presentations.forms.catalogue import MaterialForm, TopicForm
from presentations.models import Topic
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role

KEEPERS = tuple(services.CATALOGUE_KEEPERS)


def _is_keeper(user) -> bool:
    return user.role in services.CATALOGUE_KEEPERS


def _require_keeper(user) -> None:
    """For a page about a topic the user can see: catalogue keepers only (403 for the others;
    outsiders got their 404 from the selector already)."""
    if not _is_keeper(user):
        raise PermissionDenied


def _form_error(form, error: ValidationError) -> None:
    """A service's refusal next to the field it names, or above the form. The title's
    uniqueness (a constraint on agency and title) belongs to the title field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field == NON_FIELD_ERRORS and "title" in form.fields:
            unique = [e for e in errors if e.code == "unique_together"]
            if unique:
                form.add_error("title", _("The catalogue has a topic with this title already."))
            errors = [e for e in errors if e.code != "unique_together"]
            if not errors:
                continue
        form.add_error(field if field in form.fields else None, errors)


def _topic_url(topic: Topic, anchor: str = "") -> str:
    url = reverse("presentations:topic", args=[topic.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The catalogue ------------------------------------------------------------------------------


@role_required(*Role.values)
def topic_list(request):
    """The agency's topics (offered ones first) with their materials. Constant queries."""
    user = request.user
    topics = list(selectors.catalogue_for(user))
    return render(
        request,
        "presentations/topic_list.html",
        {
            "topics": topics,
            "can_keep": _is_keeper(user),
            "can_request": user.role in services.REQUESTERS,
        },
    )


@require_POST
@role_required(*KEEPERS)
def topics_add_standard(request):
    added = services.topics_add_standard(actor=request.user)
    if added:
        messages.success(
            request,
            ngettext(
                "%(count)s standard topic added. Edit it to suit your program.",
                "%(count)s standard topics added. Edit them to suit your program.",
                len(added),
            )
            % {"count": len(added)},
        )
    else:
        messages.info(request, _("The catalogue has every standard topic already."))
    return redirect("presentations:topics")


def topic_detail(request, pk):
    topic = selectors.topic_get(user=request.user, pk=pk)
    return _detail_page(request, topic)


def _detail_page(request, topic: Topic, *, material_form=None, status: int = 200):
    user = request.user
    can_keep = _is_keeper(user)
    if can_keep and material_form is None:
        material_form = MaterialForm(topic=topic, max_bytes=services.MATERIAL_MAX_BYTES)
    return render(
        request,
        "presentations/topic_detail.html",
        {
            "topic": topic,
            "materials": list(topic.materials.all()),
            "material_form": material_form,
            "can_keep": can_keep,
            "can_request": user.role in services.REQUESTERS and topic.is_active,
        },
        status=status,
    )


# --- Keeping the catalogue ----------------------------------------------------------------------


@role_required(*KEEPERS)
def topic_create(request):
    form = TopicForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        topic = _topic_save(request, form)
        if topic is not None:
            messages.success(request, _("Topic “%(title)s” added.") % {"title": topic.title})
            return redirect(_topic_url(topic))
    return render(request, "presentations/topic_form.html", {"form": form, "topic": None})


def topic_edit(request, pk):
    topic = selectors.topic_get(user=request.user, pk=pk)
    _require_keeper(request.user)
    stored_title = topic.title  # a bound form writes the typed values on `topic`
    form = TopicForm(request.POST or None, actor=request.user, instance=topic)
    if request.method == "POST" and form.is_valid():
        saved = _topic_save(request, form)
        if saved is not None:
            messages.success(request, _("Topic “%(title)s” saved.") % {"title": saved.title})
            return redirect(_topic_url(saved))
    return render(
        request,
        "presentations/topic_form.html",
        {"form": form, "topic": topic, "stored_title": stored_title},
    )


def _topic_save(request, form: TopicForm) -> Topic | None:
    """The form's topic saved by the service, or None with the refusal on the form."""
    try:
        return services.topic_save(actor=request.user, topic=form.instance)
    except ValidationError as error:
        _form_error(form, error)
    except IntegrityError:
        # Another keeper saved the same title between the check and the insert.
        form.add_error("title", _("The catalogue has a topic with this title already."))
    return None


# --- Materials ----------------------------------------------------------------------------------


@require_POST
def material_add(request, pk):
    topic = selectors.topic_get(user=request.user, pk=pk)
    _require_keeper(request.user)
    form = MaterialForm(
        request.POST, request.FILES, topic=topic, max_bytes=services.MATERIAL_MAX_BYTES
    )
    if form.is_valid():
        try:
            material = services.material_add(
                actor=request.user,
                topic=topic,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("“%(title)s” added.") % {"title": material.title})
            return redirect(_topic_url(topic, "materials"))
    return _detail_page(request, topic, material_form=form, status=400)


def material_download(request, pk):
    """The file, to any user of the agency, as an attachment named after the material's title
    (the stored name is a random one, and the uploader's file name was never kept)."""
    material = selectors.material_get(user=request.user, pk=pk)
    try:
        handle = default_storage.open(material.file.name)
    except FileNotFoundError:
        raise Http404 from None
    extension = material.file.name.rsplit(".", 1)[-1].lower()
    filename = f"{slugify(material.title)[:80].strip('-') or 'material'}.{extension}"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=material.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def material_delete(request, pk):
    material = selectors.material_get(user=request.user, pk=pk)
    _require_keeper(request.user)
    topic = material.topic
    services.material_delete(actor=request.user, material=material)
    messages.success(request, _("“%(title)s” removed.") % {"title": material.title})
    return redirect(_topic_url(topic, "materials"))
