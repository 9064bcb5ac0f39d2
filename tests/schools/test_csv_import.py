"""The CSV import of schools: a preview with the errors of each line, then all or nothing."""

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory

from schools import csv_import
from schools.csv_import import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportPreview,
    RowResult,
    import_schools,
    preview_schools_import,
)
from schools.models import Grade, School
from sro_portal.accounts.models import Role
from tests import factories

BOM = b"\xef\xbb\xbf"


def csv_file(*lines: str, bom: bool = False, newline: str = "\n") -> bytes:
    data = newline.join(lines).encode()
    return BOM + data if bom else data


def agency_schools(world) -> set[str]:
    return set(School.objects.filter(agency=world.agency).values_list("name", flat=True))


def only_errors(preview: ImportPreview) -> dict[int, dict[str, list[str]]]:
    return {row.line: row.errors for row in preview.rows if row.errors}


# --- A good file --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "newline"), [(False, "\n"), (True, "\r\n")], ids=["plain", "bom-crlf"]
)
def test_a_good_file_previews_clean_then_imports_every_school(world_a, world_b, bom, newline):
    board = world_a.school.board
    data = csv_file(
        " Name ,BOARD, Grade_From ,grade to,Principal Email,vice-principal_name,Active,address",
        f"Mill Creek Elementary,{board.name.upper()},K,6,mc@school.test,Ann Lee,yes,"
        '"10 Main St, Edmonton"',
        f"  Riverside Junior High  ,{board.name},7,9,,,no,",
        f"Valley High,{board.name},,,,,,",
        bom=bom,
        newline=newline,
    )
    before = agency_schools(world_b)

    preview = preview_schools_import(actor=world_a.admin, data=data)

    assert preview.file_errors == []
    assert only_errors(preview) == {}
    assert preview.is_valid
    assert (preview.error_count, preview.ready_count) == (0, 3)
    assert [row.line for row in preview.rows] == [2, 3, 4]
    assert preview.rows[1].values["name"] == "Riverside Junior High"
    assert set(preview.rows[0].values) == set(COLUMNS)
    assert not School.objects.filter(name="Valley High").exists()  # the preview writes nothing

    created = import_schools(actor=world_a.admin, data=data)

    assert [school.name for school in created] == [
        "Mill Creek Elementary",
        "Riverside Junior High",
        "Valley High",
    ]
    assert all(school.pk for school in created)
    mill, riverside, valley = (School.objects.get(name=school.name) for school in created)
    assert (mill.agency, mill.board) == (world_a.agency, board)
    assert (mill.grade_from, mill.grade_to) == (Grade.KINDERGARTEN, Grade.G6)
    assert mill.principal_email == "mc@school.test"
    assert mill.vice_principal_name == "Ann Lee"
    assert mill.address == "10 Main St, Edmonton"
    assert mill.is_active
    assert (riverside.grade_from, riverside.grade_to, riverside.is_active) == (7, 9, False)
    # Empty cells take the defaults: grades 10 to 12, active.
    assert (valley.grade_from, valley.grade_to, valley.is_active) == (10, 12, True)
    assert agency_schools(world_b) == before


def test_kindergarten_and_yes_no_are_written_in_any_case(world_a):
    board = world_a.school.board.name
    data = csv_file(
        "name,board,grade_from,grade_to,active",
        f"One,{board},k,Kindergarten,TRUE",
        f"Two,{board},KINDERGARTEN,12,0",
        f"Three,{board},0,1,No",
    )
    preview = preview_schools_import(actor=world_a.admin, data=data)
    assert preview.is_valid, only_errors(preview)

    schools = {s.name: s for s in import_schools(actor=world_a.admin, data=data)}
    assert (schools["One"].grade_from, schools["One"].grade_to) == (0, 0)
    assert [schools[n].is_active for n in ("One", "Two", "Three")] == [True, False, False]


def test_a_semicolon_file_as_french_excel_saves_it_is_read(world_a):
    board = world_a.school.board.name
    data = csv_file("name;board;address", f"École Sainte-Anne;{board};1, rue Principale")
    preview = preview_schools_import(actor=world_a.admin, data=data)
    assert preview.is_valid, (preview.file_errors, only_errors(preview))
    assert preview.rows[0].values["address"] == "1, rue Principale"


def test_blank_lines_are_skipped_and_line_numbers_match_the_file(world_a):
    board = world_a.school.board.name
    data = csv_file(
        "name,board,address",
        f'First,{board},"two-line',
        'address"',
        "",
        ",,",
        f"Second,{board},",
        "",
    )
    preview = preview_schools_import(actor=world_a.admin, data=data)
    assert preview.is_valid, only_errors(preview)
    assert [(row.line, row.values["name"]) for row in preview.rows] == [(2, "First"), (6, "Second")]
    assert preview.rows[0].values["address"] == "two-line\naddress"


# --- Lines with errors ----------------------------------------------------------------------------


def test_bad_lines_get_errors_by_column_and_nothing_is_saved(world_a):
    board = world_a.school.board.name
    data = csv_file(
        "name,board,grade_from,grade_to,principal_email,active",
        f"Good School,{board},9,12,,yes",  # line 2: fine
        "Lost School,No Such Board,9,12,,yes",  # 3
        f"Mail School,{board},9,12,not-an-email,yes",  # 4
        f"Upside School,{board},12,9,,yes",  # 5
        f"good school,{board},9,12,,yes",  # 6: same name as line 2
        f"{world_a.school.name},{board},9,12,,yes",  # 7: already in the agency
        f"{'X' * 201},{board},9,12,,yes",  # 8
        f"Odd School,{board},13,²,,maybe",  # 9
        f",{board},,,,",  # 10: no name
        "Boardless School,,,,,",  # 11
    )
    before = School.objects.count()

    preview = preview_schools_import(actor=world_a.admin, data=data)

    assert not preview.is_valid
    assert preview.file_errors == []
    assert (len(preview.rows), preview.error_count, preview.ready_count) == (10, 9, 1)
    errors = only_errors(preview)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert list(errors[3]) == ["board"]
    assert "No board of your agency has this name" in errors[3]["board"][0]
    assert list(errors[4]) == ["principal_email"]
    assert list(errors[5]) == ["grade_to"]
    assert list(errors[6]) == ["name"]
    assert "Line 2 of the file has the same name" in errors[6]["name"][0]
    assert list(errors[7]) == ["name"]
    assert "already has a school with this name" in errors[7]["name"][0]
    assert list(errors[8]) == ["name"]
    assert "at most 200 characters" in errors[8]["name"][0]
    assert set(errors[9]) == {"grade_from", "grade_to", "active"}
    assert "K (kindergarten) to 12" in errors[9]["grade_from"][0]
    assert "yes or no" in errors[9]["active"][0]
    assert errors[10] == {"name": ["Write the school's name."]}
    assert errors[11] == {"board": ["Write the name of the school's board."]}
    # One message per problem: the model's own "cannot be blank/null" is not repeated.
    assert all(len(messages) == 1 for row in errors.values() for messages in row.values())
    assert School.objects.count() == before

    with pytest.raises(ValidationError) as raised:
        import_schools(actor=world_a.admin, data=data)

    assert "9 lines have errors: nothing was saved" in raised.value.messages[0]
    assert School.objects.count() == before
    assert not School.objects.filter(name="Good School").exists()


def test_other_errors_lists_what_the_name_and_board_cells_do_not_show():
    row = RowResult(
        line=4,
        values={},
        errors={
            "active": ["Write yes or no."],
            "name": ["Write the school's name."],
            "row": ["Stray value."],
            "grade_to": ["Too low."],
        },
    )
    assert row.other_errors == [
        ("", "Stray value."),
        ("grade_to", "Too low."),
        ("active", "Write yes or no."),
    ]


def test_a_value_under_no_header_is_an_error_of_the_line(world_a):
    board = world_a.school.board.name
    data = csv_file("name,board,", f"A,{board},", f"B,{board},oops", f"C,{board},,extra")
    errors = only_errors(preview_schools_import(actor=world_a.admin, data=data))
    assert list(errors) == [3, 4]
    assert "column 3, which has no header" in errors[3]["row"][0]
    assert "column 4, which has no header" in errors[4]["row"][0]


def test_a_board_of_another_agency_is_an_unknown_board(world_a, world_b):
    theirs = world_b.school.board.name
    data = csv_file("name,board", f"Borrowed School,{theirs}")

    preview = preview_schools_import(actor=world_a.admin, data=data)

    assert only_errors(preview) == {2: {"board": [preview.rows[0].errors["board"][0]]}}
    assert "No board of your agency has this name" in preview.rows[0].errors["board"][0]
    with pytest.raises(ValidationError):
        import_schools(actor=world_a.admin, data=data)
    assert not School.objects.filter(name="Borrowed School").exists()


def test_a_name_used_by_another_agency_is_free(world_a, world_b):
    data = csv_file("name,board", f"{world_b.school.name},{world_a.school.board.name}")
    [school] = import_schools(actor=world_a.admin, data=data)
    assert (school.agency, school.name) == (world_a.agency, world_b.school.name)


def test_a_name_taken_between_preview_and_insert_saves_nothing(world_a, monkeypatch):
    """The database's unique constraint is the last guard: the whole batch is rolled back."""
    board = world_a.school.board
    data = csv_file("name,board", f"Early School,{board.name}", f"Raced School,{board.name}")
    preview, schools = csv_import._build(actor=world_a.admin, data=data)
    assert preview.is_valid
    factories.SchoolFactory(board=board, name="Raced School")
    monkeypatch.setattr(csv_import, "_build", lambda **kwargs: (preview, schools))

    with pytest.raises(ValidationError, match="added meanwhile"):
        import_schools(actor=world_a.admin, data=data)

    assert not School.objects.filter(name="Early School").exists()


# --- Files that cannot be read ---------------------------------------------------------------


def assert_file_error(preview: ImportPreview, text: str) -> None:
    assert preview.rows == []
    assert not preview.is_valid
    assert any(text in message for message in preview.file_errors), preview.file_errors


def test_a_file_that_is_not_utf8_is_refused_with_how_to_fix_it(world_a):
    data = f"name,board\nÉcole Saint-Jean,{world_a.school.board.name}\n".encode("latin-1")

    preview = preview_schools_import(actor=world_a.admin, data=data)

    assert preview.file_errors == ["The file is not UTF-8 text. In Excel: Save As > CSV UTF-8."]
    assert preview.rows == []
    with pytest.raises(ValidationError, match="not UTF-8"):
        import_schools(actor=world_a.admin, data=data)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "The file is empty"),
        (BOM, "The file is empty"),
        (b"\n\n,,\n", "The file is empty"),
        (b"name,board\n", "has a header but no school"),
        (BOM + b"name,board\r\n\r\n", "has a header but no school"),
    ],
    ids=["empty", "bom-only", "blank-lines", "header-only", "header-and-blank-line"],
)
def test_an_empty_file_or_a_header_alone_is_a_file_error(world_a, data, text):
    assert_file_error(preview_schools_import(actor=world_a.admin, data=data), text)
    with pytest.raises(ValidationError):
        import_schools(actor=world_a.admin, data=data)


def test_unknown_columns_are_named(world_a):
    board = world_a.school.board.name
    data = csv_file("name,board,Website,district", f"A,{board},x,y")
    preview = preview_schools_import(actor=world_a.admin, data=data)
    assert_file_error(preview, "Unknown columns: “Website”, “district”.")


def test_missing_required_and_repeated_columns_are_file_errors(world_a):
    preview = preview_schools_import(actor=world_a.admin, data=csv_file("name,address", "A,B"))
    assert_file_error(preview, "Required columns are missing: board.")

    data = csv_file("name,board,Name", "A,B,C")
    assert_file_error(preview_schools_import(actor=world_a.admin, data=data), "more than once")


def test_a_broken_quote_names_its_line(world_a):
    board = world_a.school.board.name
    data = csv_file("name,board", f"A,{board}", f'"B" High,{board}', f"C,{board}")
    assert_file_error(preview_schools_import(actor=world_a.admin, data=data), "Line 3 cannot")


def test_a_file_over_2_mb_is_refused_before_it_is_read(world_a):
    data = csv_file("name,board,address", f"A,{world_a.school.board.name},")
    data += b" " * (MAX_BYTES + 1 - len(data))
    assert_file_error(preview_schools_import(actor=world_a.admin, data=data), "larger than 2 MB")


def test_more_than_2000_lines_is_a_file_error(world_a):
    board = world_a.school.board.name
    lines = [f"School {n},{board}" for n in range(MAX_ROWS + 1)]
    data = csv_file("name,board", *lines)
    assert len(data) < MAX_BYTES
    assert_file_error(preview_schools_import(actor=world_a.admin, data=data), "more than 2,000")

    ok = preview_schools_import(actor=world_a.admin, data=csv_file("name,board", *lines[:-1]))
    assert ok.is_valid and len(ok.rows) == MAX_ROWS


# --- Who may import, and what it costs ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_agency_admins_may_preview_or_import(world_a, role):
    data = csv_file("name,board", f"New School,{world_a.school.board.name}")
    actor = world_a.users[role]
    with pytest.raises(PermissionDenied):
        preview_schools_import(actor=actor, data=data)
    with pytest.raises(PermissionDenied):
        import_schools(actor=actor, data=data)
    assert not School.objects.filter(name="New School").exists()


def test_a_deactivated_admin_may_not_import(world_a):
    world_a.admin.is_active = False
    data = csv_file("name,board", f"New School,{world_a.school.board.name}")
    with pytest.raises(PermissionDenied):
        import_schools(actor=world_a.admin, data=data)


def test_the_preview_costs_two_queries_whatever_the_number_of_lines(
    world_a, django_assert_max_num_queries
):
    board = world_a.school.board.name
    lines = [f"S{n},{board},p{n}@x.test" for n in range(300)]
    data = csv_file("name,board,principal_email", *lines)
    with django_assert_max_num_queries(2):
        preview = preview_schools_import(actor=world_a.admin, data=data)
    assert preview.is_valid


def test_the_import_knows_every_constraint_of_school():
    # csv_import checks School's constraints itself (one query for the whole file instead of
    # one per line in full_clean): a new constraint must be taught to it, then listed here.
    assert {c.name for c in School._meta.constraints} == {
        "school_unique_name",
        "school_grades_in_order",
    }
    assert not [f.name for f in School._meta.concrete_fields if f.unique and not f.primary_key], (
        "a unique field of School is not checked by csv_import"
    )


# --- The page's template, with the context the view passes --------------------------------------


class UploadForm(forms.Form):
    """A stand-in for the view's upload form."""

    file = forms.FileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Preview"))


def render_page(world, data: bytes | None, payload: str = "") -> str:
    request = RequestFactory().post("/schools/import/")
    request.user = world.admin
    context = {"form": UploadForm()}
    if data is not None:
        context["preview"] = preview_schools_import(actor=world.admin, data=data)
        context["payload"] = payload
    return render_to_string("schools/school_import.html", context, request=request)


def test_the_page_shows_errors_next_to_their_field_and_confirms_only_a_valid_file(world_a):
    board = world_a.school.board.name
    empty = render_page(world_a, None)
    assert 'enctype="multipart/form-data"' in empty and 'name="file"' in empty
    assert "vice_principal_email" in empty and 'name="payload"' not in empty

    bad = render_page(world_a, csv_file("name,board,active", f"A,{board},maybe", "B,Nope,"))
    assert "0 rows ready" in bad and "2 with errors" in bad and "nothing has been saved" in bad
    assert 'class="small text-danger"' in bad and "No board of your agency" in bad
    assert 'name="payload"' not in bad

    good = render_page(world_a, csv_file("name,board", f"A,{board}", f"B,{board}"), "signed:x")
    assert 'name="payload" value="signed:x"' in good and "Import 2 schools" in good
    assert "text-danger" not in good.split("<footer")[0]

    unreadable = render_page(world_a, "é".encode("latin-1"))
    assert "alert-danger" in unreadable and "Save As &gt; CSV UTF-8" in unreadable
