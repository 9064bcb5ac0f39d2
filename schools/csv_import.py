"""Import of schools from a CSV file, for agency admins, in two steps.

1. `preview_schools_import(actor=, data=)` parses and validates every line and returns an
   `ImportPreview` with the errors of each line, by column. It writes nothing.
2. `import_schools(actor=, data=)` runs the same preview again and, only when nothing is wrong,
   creates every school in one transaction (all or nothing).

Each line becomes an unsaved `School` of the actor's agency checked with `full_clean()`, so the
model's own rules (lengths, email format, grade order) apply. Two things are checked here
instead of once per line in the database, to keep a 2,000-line preview at two queries: the board
is looked up in the boards the actor may see (`board_qs_for`), and the unique name within the
agency (School's `school_unique_name` constraint, compared case-insensitively here) against
one list of the agency's school names. A test fails if School gains a constraint this module
does not know about.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schools import reminders
from schools.models import Grade, School, SchoolBoard
from schools.selectors import board_qs_for

# The accepted header names, in the order the page lists them. Headers are matched
# case-insensitively, surrounding spaces ignored; spaces or hyphens inside count as "_".
COLUMNS = (
    "name",
    "board",
    "address",
    "grade_from",
    "grade_to",
    "phone",
    "principal_name",
    "principal_email",
    "principal_phone",
    "vice_principal_name",
    "vice_principal_email",
    "vice_principal_phone",
    "active",
)
REQUIRED_COLUMNS = ("name", "board")
TEXT_COLUMNS = (
    "name",
    "address",
    "phone",
    "principal_name",
    "principal_email",
    "principal_phone",
    "vice_principal_name",
    "vice_principal_email",
    "vice_principal_phone",
)
MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024

# The key of errors that belong to the whole line rather than to one column.
ROW = "row"

_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_KINDERGARTEN = {"k", "kindergarten"}
# Model fields whose column has another name; fields without a column report under ROW.
_FIELD_TO_COLUMN = {"is_active": "active"}


@dataclass
class RowResult:
    """One line of the file: its line number (1 is the header), its values by column (stripped;
    "" for a column the file does not have) and its errors by column (or ROW)."""

    line: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def other_errors(self) -> list[tuple[str, str]]:
        """(column, message) of the errors not about the name or the board, in column order
        (errors about the whole line first, with an empty column): what the page lists in
        the last cell of the line."""
        order = (ROW, *COLUMNS)
        return [
            ("" if column == ROW else column, message)
            for column in sorted(self.errors, key=order.index)
            if column not in ("name", "board")
            for message in self.errors[column]
        ]

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


@dataclass
class ImportPreview:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """Ready to import: the file is readable, has lines, and no line has an error."""
        return not self.file_errors and bool(self.rows) and self.error_count == 0

    @property
    def error_count(self) -> int:
        """Lines with at least one error (errors about the whole file are in `file_errors`)."""
        return sum(1 for row in self.rows if row.errors)

    @property
    def ready_count(self) -> int:
        """Lines without error."""
        return len(self.rows) - self.error_count


def _require_agency_admin(actor) -> None:
    if (
        not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or not actor.is_agency_admin
        or actor.agency_id is None
    ):
        raise PermissionDenied


def _normalize_header(header: str) -> str:
    return "_".join(header.replace("-", " ").split()).lower()


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _delimiter(text: str) -> str:
    """Comma, or semicolon when the header line has semicolons and no comma (Excel saves CSV
    with semicolons where the comma is the decimal separator, as in French)."""
    header = text.split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def _parse_grade(raw: str, default: int) -> int | None:
    value = raw.strip().lower()
    if not value:
        return default
    if value in _KINDERGARTEN:
        return Grade.KINDERGARTEN
    if value.isascii() and value.isdigit() and int(value) in Grade.values:
        return int(value)
    return None


def _parse_active(raw: str) -> bool | None:
    value = raw.strip().lower()
    if not value:
        return True
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


class _FileError(Exception):
    pass


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells (stripped) and the non-blank lines (line number, cells) of the file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and lines of empty cells (Excel leaves some at the end)
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            records.append((line, cells))
            if len(records) > MAX_ROWS:
                raise _FileError(
                    _(
                        "The file has more than %(max)s schools. Split it into files of "
                        "%(max)s lines or fewer."
                    )
                    % {"max": number_format(MAX_ROWS, force_grouping=True)}
                )
    except csv.Error as error:
        raise _FileError(
            _(
                "Line %(line)s cannot be read as CSV. Check its quotation marks: a cell that "
                'starts with " must end with " (write "" for a quotation mark inside it).'
            )
            % {"line": start}
        ) from error
    if header is None:
        raise _FileError(_("The file is empty. Add a header line and one line per school."))
    if not records:
        raise _FileError(_("The file has a header but no school. Add one line per school."))
    return header, records


def _check_header(header: list[str]) -> list[str]:
    """The column of each header cell ("" for an empty cell), or _FileError."""
    columns = [_normalize_header(cell) for cell in header]
    errors = []
    named = [column for column in columns if column]
    unknown = list(
        dict.fromkeys(
            cell
            for cell, column in zip(header, columns, strict=True)
            if column and column not in COLUMNS
        )
    )
    if unknown:
        errors.append(
            ngettext(
                "Unknown column: %(columns)s. Rename it to one of the accepted columns or "
                "remove it.",
                "Unknown columns: %(columns)s. Rename them to accepted columns or remove them.",
                len(unknown),
            )
            % {"columns": ", ".join(f"“{cell}”" for cell in unknown)}
        )
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        errors.append(
            _("These columns appear more than once: %(columns)s. Keep one of each.")
            % {"columns": ", ".join(repeated)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in named]
    if missing:
        errors.append(
            _("Required columns are missing: %(columns)s. Add them to the header line.")
            % {"columns": ", ".join(missing)}
        )
    if errors:
        raise _FileError(*errors)
    return columns


class _BoardFinder:
    """The boards the actor sees, matched by exact name first, then case-insensitively."""

    def __init__(self, actor):
        boards = list(board_qs_for(actor))
        self.exact = {board.name.strip(): board for board in boards}
        self.folded: dict[str, list[SchoolBoard]] = {}
        for board in boards:
            self.folded.setdefault(board.name.strip().casefold(), []).append(board)

    def find(self, name: str) -> SchoolBoard | None:
        if name in self.exact:
            return self.exact[name]
        matches = self.folded.get(name.casefold(), [])
        return matches[0] if len(matches) == 1 else None


def _validate_row(
    row: RowResult,
    *,
    actor,
    boards: _BoardFinder,
    existing_names: set[str],
    names_in_file: dict[str, int],
) -> School:
    values = row.values
    name = values["name"]
    if not name:
        row.add_error("name", _("Write the school's name."))
    else:
        key = name.casefold()
        if key in existing_names:
            row.add_error(
                "name",
                _(
                    "Your agency already has a school with this name. Remove this line, or "
                    "rename the school if it is another one."
                ),
            )
        if key in names_in_file:
            row.add_error(
                "name",
                _("Line %(line)s of the file has the same name. Keep each school once.")
                % {"line": names_in_file[key]},
            )
        else:
            names_in_file[key] = row.line

    board = None
    if not values["board"]:
        row.add_error("board", _("Write the name of the school's board."))
    else:
        board = boards.find(values["board"])
        if board is None:
            row.add_error(
                "board",
                _(
                    "No board of your agency has this name. Check the spelling, or add the "
                    "board before importing."
                ),
            )

    grades = {}
    for column, default in (("grade_from", Grade.G10), ("grade_to", Grade.G12)):
        grades[column] = _parse_grade(values[column], default)
        if grades[column] is None:
            row.add_error(column, _("Write a grade from K (kindergarten) to 12, or leave empty."))

    is_active = _parse_active(values["active"])
    if is_active is None:
        row.add_error("active", _("Write yes or no (or leave empty for yes)."))

    school = School(
        agency_id=actor.agency_id,
        board=board,
        is_active=bool(is_active),
        **grades,
        **{column: values[column] for column in TEXT_COLUMNS},
    )
    try:
        # The agency and board keys are checked above (no query per line); the constraints
        # (unique name, grade order) are checked above and in School.clean().
        school.full_clean(exclude=["agency", "board"], validate_constraints=False)
    except ValidationError as error:
        flagged = set(row.errors)
        for field_name, messages in error.message_dict.items():
            column = ROW if field_name == NON_FIELD_ERRORS else field_name
            column = _FIELD_TO_COLUMN.get(column, column)
            if column not in COLUMNS and column != ROW:
                column = ROW
            if column in flagged:
                continue  # one clear message per column is enough
            for message in messages:
                row.add_error(column, message)
    return school


def _build(*, actor, data: bytes) -> tuple[ImportPreview, list[School]]:
    _require_agency_admin(actor)
    preview = ImportPreview()
    if len(data) > MAX_BYTES:
        preview.file_errors.append(_("The file is larger than 2 MB. Split it into smaller files."))
        return preview, []
    text = _decode(data)
    if text is None:
        preview.file_errors.append(_("The file is not UTF-8 text. In Excel: Save As > CSV UTF-8."))
        return preview, []
    try:
        header, records = _read_rows(text)
        columns = _check_header(header)
    except _FileError as error:
        preview.file_errors.extend(error.args)
        return preview, []

    boards = _BoardFinder(actor)
    existing_names = {
        name.strip().casefold()
        for name in School.objects.filter(agency_id=actor.agency_id).values_list("name", flat=True)
    }
    names_in_file: dict[str, int] = {}
    schools = []
    for line, cells in records:
        values = dict.fromkeys(COLUMNS, "")
        stray = []
        for position, cell in enumerate(cells):
            column = columns[position] if position < len(columns) else ""
            if column:
                values[column] = cell.strip()
            elif cell.strip():
                stray.append(position + 1)
        row = RowResult(line=line, values=values, errors={})
        if stray:
            row.add_error(
                ROW,
                ngettext(
                    "This line has a value in column %(columns)s, which has no header. "
                    "Move it under the right column or remove it.",
                    "This line has values in columns %(columns)s, which have no header. "
                    "Move them under the right columns or remove them.",
                    len(stray),
                )
                % {"columns": ", ".join(str(number) for number in stray)},
            )
        schools.append(
            _validate_row(
                row,
                actor=actor,
                boards=boards,
                existing_names=existing_names,
                names_in_file=names_in_file,
            )
        )
        preview.rows.append(row)
    return preview, schools


def preview_schools_import(*, actor, data: bytes) -> ImportPreview:
    """Check a CSV file of schools for the actor's agency and report the errors of each line.
    Writes nothing. Raises PermissionDenied unless the actor is an agency admin."""
    preview, _schools = _build(actor=actor, data=data)
    return preview


@transaction.atomic
def _create(schools: list[School]) -> list[School]:
    created = School.objects.bulk_create(schools, batch_size=500)
    for school in created:  # as school_save does for one school
        if school.is_active:
            reminders.schedule_compliance_check(school)
    return created


def import_schools(*, actor, data: bytes) -> list[School]:
    """Create the schools of a CSV file, all or none, and return them.

    Raises PermissionDenied unless the actor is an agency admin, and ValidationError (nothing
    saved) when the preview of the same file has any error.
    """
    preview, schools = _build(actor=actor, data=data)
    if not preview.is_valid:
        if preview.file_errors:
            raise ValidationError(preview.file_errors)
        raise ValidationError(
            ngettext(
                "%(count)s line has errors: nothing was saved. Correct it and preview the "
                "file again.",
                "%(count)s lines have errors: nothing was saved. Correct them and preview the "
                "file again.",
                preview.error_count,
            )
            % {"count": preview.error_count}
        )
    try:
        return _create(schools)
    except IntegrityError as error:
        # Someone saved a school with one of these names between the check and the insert.
        raise ValidationError(
            _(
                "A school with one of these names was added meanwhile: nothing was saved. "
                "Preview the file again."
            )
        ) from error
