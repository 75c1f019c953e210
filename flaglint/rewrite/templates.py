"""Rewrite a Django or Jinja2 template as if one waffle flag, switch or sample were always on or always off.

Django: ``{% flag NAME %}ON{% else %}OFF{% endflag %}`` (and ``switch`` / ``sample``) is replaced by the branch that
is kept; the ``{% else %}`` and ``{% endflag %}`` that belong to the tag are found the way Django's parser finds
them, by pairing every block tag (``X`` ... ``endX``) in the file. ``{% load waffle_tags %}`` goes when no waffle tag
is left. Jinja2: ``waffle.flag(NAME)`` in an ``{% if %}`` / ``{% elif %}`` condition becomes a constant, the
condition is simplified (``and`` / ``or`` / ``not`` / parentheses) and the ``if`` chain is pruned.

Nothing in ``{# #}`` comments, ``{% comment %}``, ``{% verbatim %}`` or ``{% raw %}`` blocks is touched. A line left
holding only whitespace by a removed tag is removed (and a blank line that this doubles). A removed tag's own
whitespace control (``{%-`` / ``-%}``) is carried out on the text around it; whitespace that only a removed tag kept
from a kept neighbour's ``-%}`` / ``{%-`` is trimmed by the neighbour afterwards (kept tags are never edited for
that). What cannot be rewritten with confidence is left as it is and reported as a note (``"line N: why"``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

from flaglint.collect.template_syntax import BARE_WORD, CALL, LEXEME, QUOTED, TAG, TOKEN, evaluate, unescape
from flaglint.collect.text import DQ, SQ
from flaglint.collect.text import LineIndex
from flaglint.model import WILDCARD, Kind, pattern_matches

__all__ = ["TemplateRewrite", "rewrite_template"]


@dataclass(frozen=True)
class TemplateRewrite:
    """The rewritten template text and what was left for the user to check."""

    text: str
    changed: bool
    notes: Tuple[Tuple[int, str], ...] = ()
    """(line, why) for what was left for the user."""


#: The word a ``{% %}`` tag starts with.
_WORD = re.compile(r"\{%[-+]?\s*(\w*)")

#: A whole waffle tag with nothing after its name (waffle ignores more arguments; such a tag is left alone).
_WAFFLE_TAG = re.compile(rf"\{{%[-+]?\s*(?:flag|switch|sample)\s+{TOKEN}\s*[-+]?%\}}")

#: Any waffle tag of ``waffle_tags``, the ones that need the library loaded.
_ANY_WAFFLE_TAG = re.compile(r"\{%[-+]?\s*(?:flag|switch|sample|wafflejs)(?!\w)")

#: An ``{% if %}`` / ``{% elif %}`` / ``{% else %}`` tag split into opener, word, gap, condition and closer.
_BRANCH = re.compile(r"(\{%[-+]?\s*)(\w+)(\s*)(.*?)(\s*[-+]?%\})", re.DOTALL)

_LOAD = re.compile(r"\{%[-+]?\s*load\s+(?P<args>.*?)\s*[-+]?%\}", re.DOTALL)
_NON_SPACE = re.compile(r"\S+")
_CLOSE_PAREN = re.compile(r"\s*\)")
_SPACES = re.compile(r"\s+")
_NEWLINE = re.compile(r"\n")

#: Tags that are blocks whether or not their end tag is in the file; any ``X`` whose ``endX`` is there is one too.
_BLOCKS = frozenset(
    {"if", "for", "with", "block", "ifchanged", "filter", "spaceless", "autoescape", "flag", "switch", "sample"}
)

#: Tags that divide a block into branches.
_MIDDLES = frozenset({"else", "elif", "empty", "plural", "pluralize"})

#: The tokens of a Jinja2 condition.
_JINJA_TOKEN = re.compile(
    rf"(?P<ws>\s+)|(?P<str>{SQ}|{DQ})|(?P<word>\w+)|(?P<open>[(\[{{])|(?P<close>[)\]}}])"
    r"|(?P<quote>['\"])|(?P<other>.)",
    re.DOTALL,
)

#: What a condition simplifies to: a constant, or the new text and its operator ("or", "and", "not", "atom").
_Value = Union[bool, Tuple[str, str]]

#: What a branch of an ``{% if %}`` chain becomes: constant, new condition text, or None (left as it is).
_Branch = Union[bool, str, None]


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    word: str


@dataclass
class _Block:
    open: _Tag
    middles: List[_Tag] = field(default_factory=list)
    close: Optional[_Tag] = None


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str = ""


@dataclass(frozen=True)
class _Node:
    kind: str  # "call", "atom", "paren", "not", "and", "or"
    start: int
    end: int
    items: Tuple["_Node", ...] = ()
    calls: bool = False


class _Unparsable(Exception):
    """A condition this module does not understand well enough to change."""


def rewrite_template(text: str, name: str, kind: Kind, keep_on: bool) -> TemplateRewrite:
    """Rewrite `text` as if the `kind` called `name` were always on (`keep_on`) or always off."""
    if kind not in text:
        return TemplateRewrite(text, False, ())
    return _Rewriter(text, name, kind, keep_on).run()


class _Rewriter:
    """The state of one rewrite: the edits to make and the notes to give."""

    def __init__(self, text: str, name: str, kind: Kind, keep_on: bool) -> None:
        self.text = text
        self.name = name
        self.kind = kind
        self.keep_on = keep_on
        self.lines = LineIndex(text)
        self.edits: List[_Edit] = []
        self.notes: List[Tuple[int, str]] = []
        self.tag_ends: Set[int] = set()
        self.removed_tag = False
        self.sites: List[int] = []
        """Where the rewritten tags and conditions are."""

    def run(self) -> TemplateRewrite:
        """Find what to change, change it, then drop the ``waffle_tags`` load if nothing needs it any more."""
        tags, expressions = _lex(self.text)
        self.tag_ends = {tag.end for tag in tags}
        blocks = _pair(self.text, tags)
        opened: Dict[int, _Block] = {}
        owner: Dict[int, _Block] = {}
        for block in blocks or ():
            opened[block.open.start] = block
            owner.update((middle.start, block) for middle in block.middles)
        conditions: Dict[int, List[Tuple[int, int]]] = {}
        for tag in tags:
            self._django_tag(tag, opened if blocks is not None else None)
            calls = self._calls(tag.start, tag.end)
            if calls and tag.word in ("if", "elif"):
                conditions[tag.start] = calls
            else:
                self._value_notes(calls)
        for start, end in expressions:
            self._value_notes(self._calls(start, end))
        for chain in self._chains(tags, conditions, opened, owner):
            self._chain(chain, conditions)
        return self._finish()

    def _chains(
        self,
        tags: Sequence[_Tag],
        conditions: Dict[int, List[Tuple[int, int]]],
        opened: Dict[int, _Block],
        owner: Dict[int, _Block],
    ) -> List[_Block]:
        """The ``{% if %}`` blocks with a call of ours in a condition; notes for the calls in blocks that don't pair."""
        chains: Dict[int, _Block] = {}
        for tag in tags:
            if tag.start not in conditions:
                continue
            block = opened.get(tag.start) if tag.word == "if" else owner.get(tag.start)
            if block is not None and self._chain_is_valid(block):
                chains[block.open.start] = block
                continue
            for call in conditions[tag.start]:
                self._note(
                    call[0],
                    f"could not pair the {{% {tag.word} %}} around {self._show(call)} with its {{% endif %}}; "
                    "not changed",
                )
        return list(chains.values())

    # --- Django tags --------------------------------------------------------------------------------------------

    def _django_tag(self, tag: _Tag, opened: Optional[Dict[int, _Block]]) -> None:
        """Remove one ``{% flag NAME %}`` block, keeping the branch that stays, or note why not."""
        match = TAG.match(self.text, tag.start, tag.end)
        if match is None or match.group("kind") != self.kind:
            return
        token = match.group("token")
        label = self._show((tag.start, tag.end))
        if QUOTED.fullmatch(token):
            name: Optional[str] = unescape(token[1:-1])
        elif BARE_WORD.fullmatch(token):
            name = token
        else:
            self._note(tag.start, f'{label} names its {self.kind} at runtime and may name "{self.name}"; not changed')
            return
        if name != self.name:
            return
        if _WAFFLE_TAG.fullmatch(self.text, tag.start, tag.end) is None:
            self._note(tag.start, f"{label} has more arguments than the name; not changed")
            return
        block = None if opened is None else opened.get(tag.start)
        middles = [] if block is None else block.middles
        if block is None or block.close is None or len(middles) > 1 or any(m.word != "else" for m in middles):
            self._note(tag.start, f"could not pair {label} with its {{% end{self.kind} %}}; not changed")
            return
        close = block.close
        otherwise = middles[0] if middles else None
        if self.keep_on:
            self._delete(tag.start, tag.end)
            self._delete(close.start if otherwise is None else otherwise.start, close.end)
        else:
            self._delete(tag.start, close.end if otherwise is None else otherwise.end)
            if otherwise is not None:
                self._delete(close.start, close.end)
        self.removed_tag = True
        self.sites.append(tag.start)

    # --- Jinja2 calls -------------------------------------------------------------------------------------------

    def _calls(self, start: int, end: int) -> List[Tuple[int, int]]:
        """The spans of the ``waffle.KIND(NAME)`` calls in ``text[start:end]``; notes for the doubtful ones."""
        if self.text.find("waffle", start, end) < 0:
            return []
        found: List[Tuple[int, int]] = []
        for call in CALL.finditer(self.text, start, end):
            if call.group("kind") != self.kind:
                continue
            arg = call.group("arg").rstrip()
            if not arg:
                continue
            name, pattern = evaluate(arg)
            close = _CLOSE_PAREN.match(self.text, call.end("arg"), end)
            span = (call.start(), call.end() if close is None else close.end())
            if name == self.name:
                if close is None:
                    self._note(span[0], f"could not read the call {self._show(span)}; not changed")
                else:
                    found.append(span)
            elif name is None and pattern_matches(pattern or WILDCARD, self.name):
                self._note(
                    span[0],
                    f'{self._show(span)} names its {self.kind} at runtime and may name "{self.name}"; not changed',
                )
        return found

    def _value_notes(self, calls: Sequence[Tuple[int, int]]) -> None:
        for call in calls:
            self._note(call[0], f"{self._show(call)} is used as a value, not as an {{% if %}} condition; not changed")

    def _chain_is_valid(self, block: _Block) -> bool:
        """Whether `block` is a closed ``{% if %}`` with ``elif`` branches and at most one, final, ``else``."""
        words = [middle.word for middle in block.middles]
        if block.open.word != "if" or block.close is None or any(word not in ("elif", "else") for word in words):
            return False
        return "else" not in words[:-1]

    def _chain(self, block: _Block, conditions: Dict[int, List[Tuple[int, int]]]) -> None:
        """Simplify the conditions of one ``{% if %}`` chain and drop the branches that can no longer be taken."""
        assert block.close is not None
        close = block.close
        chain = [block.open] + block.middles
        results: List[_Branch] = []
        for tag in chain:
            if tag.word == "else":
                results.append(True)
            elif tag.start in conditions:
                results.append(self._condition(tag, conditions[tag.start]))
            else:
                results.append(None)
        ends = [tag.start for tag in chain[1:]] + [close.start]
        self.sites.append(block.open.start)
        kept: List[int] = []
        for index, result in enumerate(results):
            if result is not False:
                kept.append(index)
                if result is True:
                    break
        if not kept:
            self._delete(block.open.start, close.end)
            return
        first = kept[0]
        if results[first] is True:
            self._delete(block.open.start, chain[first].end)
            self._delete(ends[first], close.end)
            return
        for index, (tag, result) in enumerate(zip(chain, results)):
            if index not in kept:
                self._delete(tag.start, ends[index])
                continue
            word = "if" if index == first else "else" if result is True else "elif"
            if word != tag.word or isinstance(result, str):
                self._retag(tag, word, result if isinstance(result, str) else None)

    def _condition(self, tag: _Tag, calls: List[Tuple[int, int]]) -> _Branch:
        """The branch's condition with the calls made constant: True, False, the new text, or None (a note)."""
        match = _BRANCH.fullmatch(self.text, tag.start, tag.end)
        try:
            if match is None:
                raise _Unparsable
            start, end = match.span(4)
            tokens = _tokens(self.text, start, end, calls)
            value = _simplify(_Parser(self.text, tokens).parse(), self.text, self.keep_on)
        except _Unparsable:
            for call in calls:
                self._note(call[0], f"could not simplify the condition around {self._show(call)}; not changed")
            return None
        return value if isinstance(value, bool) else value[0]

    def _retag(self, tag: _Tag, word: str, condition: Optional[str]) -> None:
        """Replace a branch tag by ``{% WORD condition %}``, keeping its delimiters and whitespace control."""
        match = _BRANCH.fullmatch(self.text, tag.start, tag.end)
        assert match is not None
        opener, _, gap, old, closer = match.groups()
        if word == "else":
            new = f"{opener}else{closer}"
        else:
            new = f"{opener}{word}{gap or ' '}{old if condition is None else condition}{closer}"
        self.edits.append(_Edit(tag.start, tag.end, new))

    # --- edits --------------------------------------------------------------------------------------------------

    def _delete(self, start: int, end: int) -> None:
        """Delete ``text[start:end]``, which starts at a tag and ends at a tag's end or at a tag."""
        self.edits.append(_deletion(self.text, start, end, end in self.tag_ends))

    def _note(self, offset: int, message: str) -> None:
        self.notes.append((offset, message))

    def _show(self, span: Tuple[int, int]) -> str:
        return _SPACES.sub(" ", self.text[span[0] : span[1]])

    def _finish(self) -> TemplateRewrite:
        """Apply the edits, then the ``{% load %}`` clean-up; notes in removed text are dropped."""
        edits = _merge(self.edits)
        if edits is None:  # overlapping edits: a structure this module misread; change nothing
            edits = []
            self.notes.extend((offset, "could not rewrite this template safely; not changed") for offset in self.sites)
            self.removed_tag = False
        deleted = [(e.start, e.end) for e in edits if not e.text]
        new = _apply(self.text, edits)
        if self.removed_tag:
            new = _apply(new, _unload(new))
        notes: List[Tuple[int, str]] = []
        for offset, message in sorted(self.notes):
            if any(start <= offset < end for start, end in deleted):
                continue
            note = (self.lines.position(offset)[0], message)
            if note not in notes:
                notes.append(note)
        return TemplateRewrite(new, new != self.text, tuple(notes))


# --- template structure -----------------------------------------------------------------------------------------


def _lex(text: str) -> Tuple[List[_Tag], List[Tuple[int, int]]]:
    """The ``{% %}`` tags and the spans of the ``{{ }}`` expressions that a template engine evaluates."""
    tags: List[_Tag] = []
    expressions: List[Tuple[int, int]] = []
    for match in LEXEME.finditer(text):
        if match.lastgroup == "tag":
            word = _WORD.match(text, match.start(), match.end())
            tags.append(_Tag(match.start(), match.end(), word.group(1) if word else ""))
        elif match.lastgroup == "expr":
            expressions.append(match.span())
    return tags, expressions


def _pair(text: str, tags: Sequence[_Tag]) -> Optional[List[_Block]]:
    """Every block with its branch tags and end tag, as Django's parser pairs them; None when they don't pair up."""
    words = {tag.word for tag in tags}
    openers = _BLOCKS | {word[3:] for word in words if word.startswith("end") and len(word) > 3}
    stack: List[_Block] = []
    blocks: List[_Block] = []
    for tag in tags:
        word = tag.word
        if word.startswith("end") and word[3:] in openers:
            if not stack or stack[-1].open.word != word[3:]:
                return None
            stack.pop().close = tag
        elif word in openers and not (word == "set" and "=" in text[tag.start : tag.end]):
            blocks.append(_Block(tag))
            stack.append(blocks[-1])
        elif word in _MIDDLES:
            if not stack:
                return None
            stack[-1].middles.append(tag)
    return None if stack else blocks


def _unload(text: str) -> List[_Edit]:
    """The edits that take ``waffle_tags`` out of the ``{% load %}`` tags, when no waffle tag is left to need it."""
    tags, _ = _lex(text)
    if any(_ANY_WAFFLE_TAG.match(text, tag.start, tag.end) for tag in tags):
        return []
    edits: List[_Edit] = []
    for tag in tags:
        load = _LOAD.fullmatch(text, tag.start, tag.end) if tag.word == "load" else None
        if load is None:
            continue
        names = _NON_SPACE.findall(text, load.start("args"), load.end("args"))
        if len(names) >= 3 and names[-2] == "from":
            if names[-1] == "waffle_tags":
                edits.append(_deletion(text, tag.start, tag.end, True))
        elif all(name == "waffle_tags" for name in names):
            edits.append(_deletion(text, tag.start, tag.end, True))
        elif "waffle_tags" in names:
            kept = " ".join(name for name in names if name != "waffle_tags")
            edits.append(_Edit(load.start("args"), load.end("args"), kept))
    return edits


def _deletion(text: str, start: int, end: int, tag_end: bool) -> _Edit:
    """Delete from the tag at `start` to `end` (a tag's end if `tag_end`), with the whitespace ``{%-``/``-%}`` trim.

    Jinja2 strips the whitespace before ``{%-`` and after ``-%}`` when it reads the template, so the rendered output
    only stays the same if the tag goes together with that whitespace.
    """
    if text.startswith("{%-", start):
        while start > 0 and text[start - 1].isspace():
            start -= 1
    if tag_end and text.startswith("-%}", end - 3):
        while end < len(text) and text[end].isspace():
            end += 1
    return _Edit(start, end)


# --- applying edits ---------------------------------------------------------------------------------------------


def _merge(edits: Sequence[_Edit]) -> Optional[List[_Edit]]:
    """Edits in order, touching deletions joined and edits inside deletions dropped; None if two overlap."""
    merged: List[_Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if merged and edit.start <= merged[-1].end:
            last = merged[-1]
            if not last.text and not edit.text:
                merged[-1] = _Edit(last.start, max(last.end, edit.end))
                continue
            if not last.text and edit.end <= last.end:
                continue
            if edit.start < last.end:
                return None
        merged.append(edit)
    return merged


def _apply(text: str, edits: Sequence[_Edit]) -> str:
    """Make the edits, then remove the lines that deletions left blank (and a blank line doubled by that)."""
    if not edits:
        return text
    pieces: List[str] = []
    cuts: List[int] = []
    position = length = 0
    for edit in edits:
        pieces.append(text[position : edit.start])
        length += edit.start - position
        pieces.append(edit.text)
        length += len(edit.text)
        if not edit.text:
            cuts.append(length)
        position = edit.end
    pieces.append(text[position:])
    return _drop_blank_lines("".join(pieces), cuts)


def _drop_blank_lines(text: str, cuts: Sequence[int]) -> str:
    """Remove the lines holding a cut that hold only whitespace; join the blank lines that then meet."""
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    lines = list(zip(starts, starts[1:] + [len(text)]))
    if lines[-1][0] == len(text):
        lines.pop()  # the empty "line" after a final newline
    blank = [text[start:end].strip() == "" for start, end in lines]
    dropped: Set[int] = set()
    for cut in cuts:
        index = bisect_right(starts, cut) - 1
        if index < len(lines) and blank[index]:
            dropped.add(index)
    if not dropped:
        return text
    kept: List[int] = []
    for index in range(len(lines)):
        if index in dropped:
            continue
        if kept and index > kept[-1] + 1 and blank[index] and blank[kept[-1]]:
            dropped.add(index)
            continue
        kept.append(index)
    return "".join(text[lines[i][0] : lines[i][1]] for i in kept)


# --- Jinja2 conditions ------------------------------------------------------------------------------------------


def _tokens(text: str, start: int, end: int, calls: Sequence[Tuple[int, int]]) -> List[Tuple[str, int, int]]:
    """The tokens of ``text[start:end]`` without whitespace; each call of ours is one ``call`` token."""
    call_ends = dict(calls)
    tokens: List[Tuple[str, int, int]] = []
    position = start
    while position < end:
        if position in call_ends:
            tokens.append(("call", position, call_ends[position]))
            position = call_ends[position]
            continue
        match = _JINJA_TOKEN.match(text, position, end)
        assert match is not None and match.lastgroup is not None
        if match.lastgroup == "quote":
            raise _Unparsable
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, position, match.end()))
        position = match.end()
    if sum(kind == "call" for kind, _, _ in tokens) != len(calls) or position != end:
        raise _Unparsable
    return tokens


class _Parser:
    """Jinja2's boolean grammar (``or`` < ``and`` < ``not`` < the rest) over a token list; operands stay opaque."""

    def __init__(self, text: str, tokens: Sequence[Tuple[str, int, int]]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0

    def parse(self) -> _Node:
        node = self._or()
        if self.index != len(self.tokens):
            raise _Unparsable
        return node

    def _is(self, index: int, *texts: str) -> bool:
        if index >= len(self.tokens):
            return False
        kind, start, end = self.tokens[index]
        return kind in ("word", "open") and self.text[start:end] in texts

    def _or(self) -> _Node:
        items = [self._and()]
        while self._is(self.index, "or"):
            self.index += 1
            items.append(self._and())
        return _operator("or", items)

    def _and(self) -> _Node:
        items = [self._not()]
        while self._is(self.index, "and"):
            self.index += 1
            items.append(self._not())
        return _operator("and", items)

    def _not(self) -> _Node:
        if self._is(self.index, "not"):
            start = self.tokens[self.index][1]
            self.index += 1
            item = self._not()
            return _Node("not", start, item.end, (item,), item.calls)
        return self._operand()

    def _operand(self) -> _Node:
        """Everything up to the next ``and`` / ``or`` outside brackets: a call of ours, a parenthesis, or opaque."""
        first, depth = self.index, 0
        while self.index < len(self.tokens):
            kind = self.tokens[self.index][0]
            if depth == 0 and self._is(self.index, "and", "or"):
                break
            if depth == 0 and self._is(self.index, "if", "else"):
                raise _Unparsable  # an inline ``x if y else z``
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth -= 1
                if depth < 0:
                    raise _Unparsable
            self.index += 1
        tokens = self.tokens[first : self.index]
        if depth != 0 or not tokens:
            raise _Unparsable
        start, end = tokens[0][1], tokens[-1][2]
        calls = any(token[0] == "call" for token in tokens)
        if len(tokens) == 1 and calls:
            return _Node("call", start, end, (), True)
        if self._is(first, "(") and _closes_last(tokens):
            try:
                inner = _Parser(self.text, tokens[1:-1]).parse()
            except _Unparsable:
                if calls:
                    raise
            else:
                return _Node("paren", start, end, (inner,), inner.calls)
        if calls:
            raise _Unparsable  # a call of ours inside a comparison, a filter, an argument ...
        return _Node("atom", start, end)


def _operator(operator: str, items: List[_Node]) -> _Node:
    if len(items) == 1:
        return items[0]
    return _Node(operator, items[0].start, items[-1].end, tuple(items), any(item.calls for item in items))


def _closes_last(tokens: Sequence[Tuple[str, int, int]]) -> bool:
    """Whether the bracket that opens `tokens` is closed by its last token (``(a) and (b)`` is not one group)."""
    depth = 0
    for index, (kind, _, _) in enumerate(tokens):
        depth += 1 if kind == "open" else -1 if kind == "close" else 0
        if depth == 0:
            return index == len(tokens) - 1
    return False


def _simplify(node: _Node, text: str, value: bool) -> _Value:
    """The node with every call of ours replaced by `value`: a constant, or (new text, its operator)."""
    if not node.calls:
        return text[node.start : node.end], node.kind if node.kind in ("not", "and", "or") else "atom"
    if node.kind == "call":
        return value
    if node.kind == "not":
        item = _simplify(node.items[0], text, value)
        return (not item) if isinstance(item, bool) else (f"not {item[0]}", "not")
    if node.kind == "paren":
        item = _simplify(node.items[0], text, value)
        if isinstance(item, bool) or item[1] not in ("and", "or"):
            return item
        return f"({item[0]})", "atom"
    absorbing = node.kind == "or"  # True decides an ``or``, False an ``and``
    rest: List[Tuple[str, str]] = []
    for child in node.items:
        item = _simplify(child, text, value)
        if isinstance(item, bool):
            if item is absorbing:
                return absorbing
        else:
            rest.append(item)
    if not rest:
        return not absorbing
    if len(rest) == 1:
        return rest[0]
    return f" {node.kind} ".join(item[0] for item in rest), node.kind
