"""Ops files: waffle's management commands run by shell scripts, Makefiles, Dockerfiles, Procfiles, CI YAML,
docker-compose files and tox.ini (``python manage.py waffle_switch NAME on --create``).

A command counts where the word before it runs Django's management commands (``manage.py``, ``django-admin``,
``python -m django``, a ``$(MANAGE)``-style variable). Its arguments are split into words the way a POSIX shell
splits them (quotes, backslashes, line continuations, ``;``/``&&``/``|`` ending the command), also inside quoted
strings run by another shell (``sh -c "..."``, a YAML ``- "..."`` item) and in exec-form lists (``CMD ["python",
"manage.py", ...]``). A word holding a variable (``$FLAG``, ``$(FLAG)``, ``${{ inputs.flag }}``) is a dynamic
reference whose pattern keeps its literal parts. Comments are skipped. Pure: text in, references out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

from flaglint.catalogue import COMMANDS, DELETE_COMMAND, command_targets, runs_management
from flaglint.collect.text import LineIndex, collapse_wildcards
from flaglint.model import WILDCARD, CommandAction, Kind, Reference

_COMMAND_WORD = re.compile(r"waffle_(?:flag|switch|sample|delete)\b")
_MANAGE_VARIABLE = re.compile(r"MANAGE|DJANGO", re.IGNORECASE)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_PARAMETERS = "@*#?$!-0123456789"
_OPERATORS = ";&|()<>"


@dataclass(frozen=True)
class _Var:
    """An expansion only runtime knows (``$X``, ``${X}``, ``$(X)``, ``${{ x }}``, a backtick command)."""

    text: str
    start: int
    end: int
    why: str


_Atom = Union[Tuple[str, int], _Var]
"""A character of the text being split (with its offset in the file), or an expansion already made opaque."""


@dataclass
class _Word:
    """One shell word: its value (quotes removed) as atoms, and its span in the file."""

    atoms: List[_Atom]
    start: int
    end: int

    def literal(self) -> Optional[str]:
        """The word's text when every part of it is known."""
        if any(isinstance(atom, _Var) for atom in self.atoms):
            return None
        return "".join(atom[0] for atom in self.atoms if not isinstance(atom, _Var))

    def has_space(self) -> bool:
        return any(not isinstance(atom, _Var) and atom[0] in " \t\n" for atom in self.atoms)

    def covers(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True)
class CommandName:
    """One argument of a waffle command in shell text that names an object: where it stands, what it names.

    `parts` are the word's literal pieces (``str``) and the pieces only runtime knows (``(text, why)``).
    """

    start: int
    end: int
    kind: Kind
    action: CommandAction
    parts: Tuple[Union[str, Tuple[str, str]], ...]


def command_names(text: str) -> List[CommandName]:
    """Every argument of a waffle management command in shell text (an ops file, a command string) naming an
    object, in the order they stand."""
    if "waffle_" not in text:
        return []
    return _command_names(text, [(char, index) for index, char in enumerate(text)])


def command_names_of_parts(parts: Sequence[Union[str, Tuple[str, str]]]) -> List[CommandName]:
    """`command_names` of a text built at runtime (an f-string): literal pieces, and ``(text, why)`` for the pieces
    only runtime knows, which come back as such in the names' `parts`. Offsets count each unknown piece as one
    character."""
    atoms: List[_Atom] = []
    for part in parts:
        if isinstance(part, str):
            base = len(atoms)
            atoms.extend((char, base + index) for index, char in enumerate(part))
        else:
            atoms.append(_Var(part[0], len(atoms), len(atoms) + 1, part[1]))
    text = "".join(atom[0] if not isinstance(atom, _Var) else "\0" for atom in atoms)
    return _command_names(text, atoms) if "waffle_" in text else []


def _command_names(text: str, atoms: Sequence[_Atom]) -> List[CommandName]:
    """The names of the waffle commands in `atoms` (`text` is their characters, an unknown piece as one)."""
    found: List[CommandName] = []
    for match in _COMMAND_WORD.finditer(text):  # each match is the name of at most one command
        start, end = _logical_line(text, match.start())
        for command, arguments in _commands_at(atoms[start:end], match.start()):
            found.extend(_names(command, arguments))
    return sorted(found, key=lambda name: name.start)


def collect_ops(path: str, text: str, *, test: bool) -> List[Reference]:
    """Every object a waffle management command in this ops file creates, changes or deletes."""
    lines = LineIndex(text)
    references: List[Reference] = []
    for found in command_names(text):
        name, pattern, reason = _name(found.parts)
        line, column = lines.position(found.start)
        end_line, end_column = lines.position(found.end)
        references.append(
            Reference(
                path=path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                kind=found.kind,
                name=name,
                expression=text[found.start : found.end],
                source="script",
                api="waffle-command",
                test=test,
                pattern=pattern,
                reason=reason,
                command=found.action,
            )
        )
    return references


def _logical_line(text: str, offset: int) -> Tuple[int, int]:
    """The line holding `offset`, with the lines a trailing backslash joins to it."""
    start = text.rfind("\n", 0, offset) + 1
    while start > 0 and _continued(text, start - 1):
        start = text.rfind("\n", 0, start - 1) + 1
    end = text.find("\n", offset)
    while end != -1 and _continued(text, end):
        end = text.find("\n", end + 1)
    return start, len(text) if end == -1 else end


def _continued(text: str, newline: int) -> bool:
    """Whether the line ending at `newline` ends with a backslash (a continuation)."""
    before = newline - 1
    if before >= 0 and text[before] == "\r":
        before -= 1
    return before >= 0 and text[before] == "\\"


def _commands_at(atoms: Sequence[_Atom], offset: int) -> List[Tuple[str, List[_Word]]]:
    """The command whose name is the word at file `offset`, with its arguments; [] when it runs no management."""
    listed = _list_at(atoms, offset)
    if listed is not None:
        items, index = listed
        item = items[index]
        if item.has_space():
            return _commands_at(item.atoms, offset)
        return _command(items, index)
    for words in _split(atoms):
        for index, word in enumerate(words):
            if not word.covers(offset):
                continue
            if word.literal() in COMMANDS or word.literal() == DELETE_COMMAND:
                return _command(words, index)
            if word.has_space():  # a quoted string another shell runs (sh -c "...", a YAML "- '...'" item)
                return _commands_at(word.atoms, offset)
            return []
    return []


def _command(words: Sequence[_Word], index: int) -> List[Tuple[str, List[_Word]]]:
    name = words[index].literal()
    if name is None or not _runs_management(words[:index]):
        return []
    return [(name, list(words[index + 1 :]))]


def _runs_management(before: Sequence[_Word]) -> bool:
    """Whether the words before a command name run Django's management (``manage.py``, ``python -m django``,
    ``$(MANAGE)``)."""
    return runs_management([_option_text(word) for word in before], lambda index: _manage_variable(before[index]))


def _manage_variable(word: _Word) -> bool:
    """A word that is one variable named like a program that runs management commands (``$(MANAGE)``,
    ``@${DJANGO_ADMIN}``)."""
    variables = [atom for atom in word.atoms if isinstance(atom, _Var)]
    rest = "".join(atom[0] for atom in word.atoms if not isinstance(atom, _Var))
    return len(variables) == 1 and rest.strip("@-+") == "" and bool(_MANAGE_VARIABLE.search(variables[0].text))


# --- splitting into words ---


def _split(atoms: Sequence[_Atom]) -> List[List[_Word]]:
    """The simple commands of a piece of shell text, each a list of words (operators and comments dropped)."""
    commands: List[List[_Word]] = []
    words: List[_Word] = []
    current: List[_Atom] = []
    span: List[int] = []  # start and end of the current word
    quoted = False
    index = 0
    count = len(atoms)

    def end_word() -> None:
        nonlocal current, span, quoted
        if current or quoted:
            words.append(_Word(current, span[0], span[1]))
        current, span, quoted = [], [], False

    def end_command() -> None:
        nonlocal words
        end_word()
        if words:
            commands.append(words)
        words = []

    def extend(atom: _Atom, start: Optional[int] = None) -> None:
        """Add a character (or an expansion) to the current word; `start`: where it began (a backslash)."""
        current.append(atom)
        first, end = _span(atom)
        mark(first if start is None else start, end)

    def mark(start: int, end: int) -> None:
        if not span:
            span.extend((start, end))
        span[1] = max(span[1], end)

    while index < count:
        atom = atoms[index]
        if isinstance(atom, _Var):
            extend(atom)
            index += 1
            continue
        char, offset = atom
        following = _char(atoms, index + 1)
        if char == "\\" and following in ("\n", "\r"):
            index += 2 if following == "\n" or _char(atoms, index + 2) != "\n" else 3
            continue
        if char in " \t\r":
            end_word()
        elif char == "\n":
            end_command()
        elif char == "#" and not current and not quoted:
            while index < count and _char(atoms, index) != "\n":
                index += 1
            continue
        elif char in _OPERATORS:
            if char in "<>" and current and not quoted and _digits(current):
                current, span = [], []  # ``2>&1``: a file descriptor, no argument
            end_command()
        elif char == "'":
            mark(offset, offset + 1)
            quoted = True
            index += 1
            while index < count and _char(atoms, index) != "'":
                extend(atoms[index])
                index += 1
            if index < count:
                mark(offset, _span(atoms[index])[1])
        elif char == '"':
            mark(offset, offset + 1)
            quoted = True
            index += 1
            while index < count and _char(atoms, index) != '"':
                inner = atoms[index]
                inner_char = _char(atoms, index)
                if inner_char == "\\" and _char(atoms, index + 1) in ('"', "\\", "$", "`"):
                    extend(atoms[index + 1], _span(inner)[0])
                    index += 2
                elif inner_char in ("$", "`"):
                    expansion, index = _expansion(atoms, index)
                    extend(expansion)
                else:
                    extend(inner)
                    index += 1
            if index < count:
                mark(offset, _span(atoms[index])[1])
        elif char == "\\" and index + 1 < count:
            index += 1
            extend(atoms[index], offset)
        elif char in ("$", "`"):
            expansion, index = _expansion(atoms, index)
            extend(expansion)
            continue
        else:
            extend(atom)
        index += 1
    end_command()
    return commands


def _digits(atoms: Sequence[_Atom]) -> bool:
    return all(not isinstance(atom, _Var) and atom[0].isdigit() for atom in atoms)


def _char(atoms: Sequence[_Atom], index: int) -> Optional[str]:
    """The character at `index` (None past the end or for an expansion)."""
    if index >= len(atoms):
        return None
    atom = atoms[index]
    return None if isinstance(atom, _Var) else atom[0]


def _span(atom: _Atom) -> Tuple[int, int]:
    if isinstance(atom, _Var):
        return atom.start, atom.end
    return atom[1], atom[1] + 1


def _expansion(atoms: Sequence[_Atom], index: int) -> Tuple[_Atom, int]:
    """The expansion starting at `index` (``$``/backtick) as one opaque atom, and the index after it."""
    if _char(atoms, index) == "`":
        close = _find(atoms, index + 1, "`")
        if close is None:
            return atoms[index], index + 1
        return _var(atoms, index, close + 1, "the output of a command, known only when the script runs"), close + 1
    following = _char(atoms, index + 1)
    offset = index + 1
    if following == "$" and _IDENTIFIER.match(_char(atoms, index + 2) or ""):
        offset = index + 2  # ``$$NAME`` in a Makefile is the shell's ``$NAME``
        following = _char(atoms, offset)
    if following == "{" and _char(atoms, offset + 1) == "{":  # ``${{ inputs.flag }}`` (GitHub Actions, Gitea)
        close = _closing(atoms, offset, "{", "}")
        if close is not None:
            return _var(atoms, index, close + 1, "a CI expression, evaluated when the pipeline runs"), close + 1
    if following in ("{", "("):
        close = _closing(atoms, offset, following, "}" if following == "{" else ")")
        if close is not None:
            inner = "".join(_char(atoms, i) or "" for i in range(offset + 1, close))
            why = (
                "an environment or shell variable, set when the script runs"
                if following == "{"
                else "a make variable or a command's output, known only when it runs"
            )
            if following == "(" and _IDENTIFIER.fullmatch(inner):
                why = "a make (or shell) variable, set when it runs"
            return _var(atoms, index, close + 1, why), close + 1
    if following is not None and (_IDENTIFIER.match(following) or following in _SPECIAL_PARAMETERS):
        end = offset + 1
        if _IDENTIFIER.match(following):
            while end < len(atoms) and re.match(r"\w", _char(atoms, end) or ""):
                end += 1
        why = "an environment or shell variable, set when the script runs"
        if following.isdigit() or following in "@*":
            why = "an argument of the script, known only when it is run"
        return _var(atoms, index, end, why), end
    return atoms[index], index + 1


def _var(atoms: Sequence[_Atom], start: int, end: int, why: str) -> _Var:
    text = "".join(_char(atoms, i) or "" for i in range(start, end))
    return _Var(text, _span(atoms[start])[0], _span(atoms[end - 1])[1], why)


def _find(atoms: Sequence[_Atom], start: int, char: str) -> Optional[int]:
    for index in range(start, len(atoms)):
        if _char(atoms, index) == char:
            return index
    return None


def _closing(atoms: Sequence[_Atom], start: int, opening: str, closing: str) -> Optional[int]:
    """The index of the bracket closing the one at `start` (nesting counted)."""
    depth = 0
    for index in range(start, len(atoms)):
        char = _char(atoms, index)
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
    return None


# --- exec-form lists: CMD ["python", "manage.py", ...], command: [python, manage.py, ...] ---


def _list_at(atoms: Sequence[_Atom], offset: int) -> Optional[Tuple[List[_Word], int]]:
    """The items of a bracketed list one of whose items holds file `offset`, and that item's index."""
    opening = [i for i, atom in enumerate(atoms) if _char(atoms, i) == "[" and _span(atom)[0] < offset]
    for start in reversed(opening[-3:]):
        items = _list_items(atoms, start)
        if items is None:
            continue
        for index, item in enumerate(items):
            if item.covers(offset):
                return items, index
    return None


def _list_items(atoms: Sequence[_Atom], start: int) -> Optional[List[_Word]]:
    """A JSON or YAML flow list starting at `start` (``[``), its items as words; None when it is no list."""
    items: List[_Word] = []
    index = start + 1
    count = len(atoms)
    while True:
        while _char(atoms, index) in (" ", "\t", "\n", "\r"):
            index += 1
        if _char(atoms, index) == "]" and not items:
            return items
        char = _char(atoms, index)
        if char is None and index >= count:
            return None
        value: List[_Atom] = []
        first = _span(atoms[index])[0]
        if char in ('"', "'"):
            index += 1
            while index < count:
                inner = _char(atoms, index)
                if inner == char and not (char == "'" and _char(atoms, index + 1) == "'"):
                    break
                if (char == '"' and inner == "\\") or (char == "'" and inner == "'"):
                    index += 1
                if index < count:
                    value.append(atoms[index])
                index += 1
            if index >= count:
                return None
            last = _span(atoms[index])[1]
            index += 1
        else:
            while index < count and _char(atoms, index) not in (",", "]", "\n"):
                value.append(atoms[index])
                index += 1
            while value and _char(value, len(value) - 1) in (" ", "\t", "\r"):
                value.pop()
            if not value:
                return None
            last = _span(value[-1])[1]
        items.append(_Word(_expand(value), first, last))
        while _char(atoms, index) in (" ", "\t"):
            index += 1
        separator = _char(atoms, index)
        if separator == "]":
            return items
        if separator != ",":
            return None
        index += 1


def _expand(atoms: Sequence[_Atom]) -> List[_Atom]:
    """A list item's atoms with its ``$`` expansions (docker-compose interpolates them) made opaque."""
    found: List[_Atom] = []
    index = 0
    while index < len(atoms):
        if _char(atoms, index) == "$":
            atom, index = _expansion(atoms, index)
            found.append(atom)
        else:
            found.append(atoms[index])
            index += 1
    return found


# --- references ---


def _names(command: str, arguments: Sequence[_Word]) -> List[CommandName]:
    words = [_option_text(word) for word in arguments]
    found = []
    for target in command_targets(command, words):
        word = arguments[target.index]
        atoms = word.atoms[target.prefix :]
        start = _span(atoms[0])[0] if target.prefix and atoms else word.start
        parts = tuple((atom.text, atom.why) if isinstance(atom, _Var) else atom[0] for atom in atoms)
        found.append(CommandName(start, word.end, target.kind, target.action, _merged(parts)))
    return found


def _merged(parts: Tuple[Union[str, Tuple[str, str]], ...]) -> Tuple[Union[str, Tuple[str, str]], ...]:
    """Adjacent literal characters joined into one string."""
    merged: List[Union[str, Tuple[str, str]]] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


def _option_text(word: _Word) -> Optional[str]:
    """What `command_targets` needs of a word: its text, with ``*`` for unknown parts when it is an option."""
    text = "".join(WILDCARD if isinstance(atom, _Var) else atom[0] for atom in word.atoms)
    literal = word.literal()
    if literal is not None:
        return literal
    return text if text.startswith("-") and not isinstance(word.atoms[0], _Var) else None


def _name(parts: Sequence[Union[str, Tuple[str, str]]]) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(name, None, None) for a known word, else (None, pattern, why) with wildcards for the unknown parts."""
    variables = [part for part in parts if not isinstance(part, str)]
    text = "".join(part if isinstance(part, str) else WILDCARD for part in parts)
    if not variables:
        return text, None, None
    reasons = "; ".join(f"`{var}` is {why}" for var, why in variables[:3])
    return None, collapse_wildcards(text) or WILDCARD, reasons
