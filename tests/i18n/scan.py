"""Finders of user-facing text that is not marked for translation, used by test_catalogue.py.

Templates: Django's Lexer splits each template into tokens; text outside {% translate %} and
{% blocktranslate %} is put back together with every tag replaced by a mark, then read as HTML:
its text, and the attributes people read or hear (title, alt, placeholder, aria-label, the value
of a button), must have no letters.

Python: an AST walk over the project's apps that finds a literal string (or an f-string with
words in it) handed to a call whose text reaches a user: messages, ValidationError, add_error,
form and model field labels and help texts, choices labels, dashboard titles and column headers.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
APPS = ["sro_portal", "schools", "officers", "incidents", "payoff", "presentations"]
# Words that are the same in both languages: the product's and the program's names.
ALLOWED = ["SRO Portal", "PAYOFF", "CSV"]

TEMPLATE_SUFFIXES = {".html", ".txt"}
TRANSLATED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
# allauth's {% setvar %} builds a value (an id, a class) for later use: not shown as it stands.
SKIPPED_BLOCKS = {
    "comment": "endcomment",
    "verbatim": "endverbatim",
    "setvar": "endsetvar",
    **TRANSLATED_BLOCKS,
}
MARK = " "  # stands for a template tag or variable: no letters, so never flagged
# Code (a CSV file's column names, a sample) is not translated; scripts and styles are not read.
UNREAD_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
READ_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "label",
    "data-confirm",  # portal.js asks it in a confirmation dialog
    "hx-confirm",
}


def has_words(text: str) -> bool:
    for allowed in ALLOWED:
        text = text.replace(allowed, "")
    return any(char.isalpha() for char in text)


def template_files() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / app for app in APPS)]
    files = []
    for folder in folders:
        pattern = "**/*" if folder.name == "templates" else "**/templates/**/*"
        files += [p for p in folder.glob(pattern) if p.suffix in TEMPLATE_SUFFIXES]
    return sorted(set(files))


def untranslated_template_text(source: str) -> list[str]:
    """The pieces of `source` (a template) that show words outside translation tags."""
    parser = _TextCollector()
    parser.feed(_without_translated_parts(source))
    parser.close()
    return [" ".join(text.split()) for text in parser.found if has_words(text)]


def _without_translated_parts(source: str) -> str:
    kept, closing = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if closing is None and name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
            elif name == closing:
                closing = None
            kept.append(MARK)
        elif token.token_type == TokenType.TEXT and closing is None:
            kept.append(token.contents)
        else:
            kept.append(MARK)
    return "".join(kept)


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD_ELEMENTS:
            self._skip_depth += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self.found.append(value)
        is_button = tag == "input" and values.get("type") in ("submit", "button", "reset")
        if is_button and values.get("value"):
            self.found.append(values["value"])

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data):
        if not self._skip_depth:
            self.found.append(data)


# --- Python ------------------------------------------------------------------------------------

MESSAGE_FUNCTIONS = {"success", "info", "warning", "error", "debug", "add_message"}
ERROR_CALLS = {"ValidationError"}
TEXT_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "title",
    "description",
    "detail",
    "note",
    "total_label",
    "subject",
    "message",
}
# Keywords whose value is a collection of texts: choices (their labels), headers, messages.
COLLECTION_KEYWORDS = {"choices", "columns", "error_messages"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
RESPONSES = re.compile(r"^HttpResponse(|BadRequest|Forbidden|NotFound|Gone|ServerError)$")
SKIPPED_PARTS = {"migrations", "management", "demo", "tests"}


def python_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts):
                files.append(path)
    return sorted(files)


def _literal_words(node) -> bool:
    """A literal with words in it: "text", f"text {x}", "text %s" % x, "text {}".format(x)."""
    match node:
        case ast.Constant(value=str() as text):
            return has_words(text)
        case ast.JoinedStr(values=values):
            return any(_literal_words(v) for v in values if isinstance(v, ast.Constant))
        case ast.BinOp(left=left, op=ast.Mod()):
            return _literal_words(left)
        case ast.Call(func=ast.Attribute(value=inner, attr="format")):
            return _literal_words(inner)
    return False


def _collection_words(node) -> bool:
    """A list, tuple or dict holding a literal with words (in a pair of a choice, the label)."""
    match node:
        case ast.List(elts=items) | ast.Tuple(elts=items):
            return any(_label_words(item) for item in items)
        case ast.Dict(values=values):
            return any(_literal_words(v) or _collection_words(v) for v in values)
    return _literal_words(node)


def _label_words(item) -> bool:
    if isinstance(item, ast.Tuple) and len(item.elts) == 2:
        return _literal_words(item.elts[1])
    return _literal_words(item) or _collection_words(item)


def _name(func) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


class _UnmarkedFinder(ast.NodeVisitor):
    def __init__(self):
        self.found: list[tuple[int, str]] = []

    def _flag(self, node, what: str):
        self.found.append((node.lineno, what))

    def visit_Call(self, node):
        name = _name(node.func)
        args = node.args
        is_message = name in MESSAGE_FUNCTIONS and _is_messages(node.func) and len(args) >= 2
        if is_message and _literal_words(args[1]):
            self._flag(node, f"messages.{name}")
        if name in ERROR_CALLS and args and _collection_words(args[0]):
            self._flag(node, name)
        if name == "add_error" and len(args) >= 2 and _literal_words(args[1]):
            self._flag(node, "add_error")
        if RESPONSES.match(name) and args and _literal_words(args[0]):
            self._flag(node, name)
        if name in ("Submit", "Button") and len(args) >= 2 and _literal_words(args[1]):
            self._flag(node, name)
        if _is_model_field(node.func) and args and _literal_words(args[0]):
            self._flag(node, f"{name} verbose name")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS and _literal_words(keyword.value):
                self._flag(node, f"{name}({keyword.arg}=)")
            if keyword.arg in COLLECTION_KEYWORDS and _collection_words(keyword.value):
                self._flag(node, f"{name}({keyword.arg}=)")
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        if node.name == "Meta":
            for statement in node.body:
                if isinstance(statement, ast.Assign) and _literal_words(statement.value):
                    targets = {_name(t) for t in statement.targets}
                    if targets & {"verbose_name", "verbose_name_plural"}:
                        self._flag(statement, "Meta.verbose_name")
        if any(_name(base).endswith("Choices") for base in node.bases):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and _label_words(statement.value):
                    self._flag(statement, f"{node.name} choice label")
        self.generic_visit(node)


def _is_model_field(func) -> bool:
    """models.CharField("verbose name", ...); a relation's first argument is its model."""
    return (
        isinstance(func, ast.Attribute)
        and _name(func.value) == "models"
        and func.attr.endswith("Field")
        and func.attr not in RELATION_FIELDS
    )


def _is_messages(func) -> bool:
    return isinstance(func, ast.Attribute) and _name(func.value) == "messages"


def unmarked_python_strings(source: str) -> list[tuple[int, str]]:
    finder = _UnmarkedFinder()
    finder.visit(ast.parse(source))
    return finder.found


EAGER_GETTEXT = {"gettext", "ngettext", "pgettext", "npgettext"}


def translated_at_import(source: str) -> list[int]:
    """Lines where gettext (not gettext_lazy) runs when the module is imported (at module or
    class level): that text is translated once, into the language active then, for everyone."""
    tree = ast.parse(source)
    eager = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER_GETTEXT
    }
    found = []

    def visit(node):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs when called, in the language of the moment
        if isinstance(node, ast.Call) and _name(node.func) in eager:
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


# --- The French catalogue ----------------------------------------------------------------------

CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# What `makemessages` reads besides the apps: never the tests, the benchmarks or built files.
MAKEMESSAGES_IGNORE = ["locale", "tests", "bench", "docs", "staticfiles", "node_modules", "media"]


def po_entries(text: str) -> list[dict]:
    """The entries of a .po file, each {"msgctxt", "msgid", "msgid_plural", "msgstr": [...],
    "fuzzy", "obsolete"}; the header (empty msgid) included."""
    entries, entry, key = [], None, None
    for line in [*text.splitlines(), ""]:
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].lstrip()
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid_plural": None, "msgstr": [], "fuzzy": False}
            entry["obsolete"] = obsolete
        if line.startswith("#,"):
            entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, key, ast.literal_eval(line))
        else:
            key, _, rest = line.partition(" ")
            if key.startswith("msgstr"):
                entry["msgstr"].append("")
            else:
                entry[key] = ""
            _append(entry, key, ast.literal_eval(rest))
    return entries


def _append(entry: dict, key: str, text: str) -> None:
    if key.startswith("msgstr"):
        entry["msgstr"][-1] += text
    else:
        entry[key] += text


def po_keys(entries: list[dict]) -> set[tuple]:
    return {(e["msgctxt"], e["msgid"]) for e in entries if e["msgid"] and not e["obsolete"]}
