"""Misspelt words corrected to the planner's own vocabulary (rapidfuzz), before any pattern runs.

The vocabulary is every word the planner's patterns know: the lexicon, the catalog's action
words and the schedule words, read from those modules' patterns, so a word added to a pattern
is known here at once; there is no list of misspellings. With no dictionary of English, a
correction must look like a slip of the keyboard, not like another word: an unknown word of
four letters or more, same first letter, one edit from a known word: a letter dropped ("chek",
"stok"), two swapped ("emial"), one doubled ("pausse"), or in a longer word a vowel wrong
("margens"); never a word that is only another form of a known one ("answer", "manage").
"""
from __future__ import annotations

import ast
import inspect
import re
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from agents.planner import lexicon
from scheduler.catalog import actions, events
from scheduler.timing import schedule_extractors, schedule_words

_SOURCES = (lexicon, actions, events, schedule_words, schedule_extractors)
# A word in a pattern and what follows it: "?" (an optional last letter), "~" (\w: a stem), "(" or "[".
_IN_PATTERN = re.compile(r"(?<![a-z])([a-z]+(?:'\??[a-z]+)*)(\?|~|\(|\[)?")
_ESCAPE = re.compile(r"\\[a-zA-Z]")  # \b, \s, \w...: not letters of a word
_PATTERN_LIKE = re.compile(r"\\[bswd]|\(\?|\||^[a-z']+$")  # a pattern or one word, not a sentence or docstring
_MIN = 4  # shorter words are too often other real words ("sat", "ur", "id")
_VOWELS = set("aeiouy")
_ENDINGS = ("ing", "ies", "es", "ed", "er", "en", "ly", "s", "d", "r", "n", "y")


def _strings(value) -> list[str]:
    """The strings in a module-level value: itself, a compiled pattern's text, or inside dicts, lists and objects."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, re.Pattern):
        return [value.pattern]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for v in value for s in _strings(v)]
    return [s for v in getattr(value, "__dict__", {}).values() for s in _strings(v)] if hasattr(value, "words") else []


def _literals(module) -> list[str]:
    """The string literals of a module's source that are patterns or single words (its values, with no source)."""
    try:
        found = [n.value for n in ast.walk(ast.parse(inspect.getsource(module)))
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    except (OSError, TypeError):  # installed without sources: the patterns it holds at module level
        found = [s for name, value in vars(module).items() if not name.startswith("__") for s in _strings(value)]
    return [s.lower() for s in found if _PATTERN_LIKE.search(s.lower())]


@cache
def vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """(known words, stems): stems are pattern words that go on ("chang" of "chang\\w+", "summar" of "summar(?:y|ies)")."""
    words: set[str] = set()
    stems: set[str] = set()
    for module in _SOURCES:
        for literal in _literals(module):
            literal = _ESCAPE.sub(lambda e: "~" if e.group(0) == "\\w" else " ", literal)
            for m in _IN_PATTERN.finditer(literal):
                word, after = m.group(1), m.group(2)
                if "'?" in word:  # "don'?t": both spellings are known
                    words.add(word.replace("'?", ""))
                    word = word.replace("'?", "'")
                if after not in ("(", "["):  # "shel" of "shel(?:f|ves)" is no word
                    words.add(word)
                if after == "?":
                    words.add(word[:-1])  # "competitors?" also knows "competitor"
                elif (after == "~" and len(word) >= _MIN) or (after and len(word) > _MIN):
                    stems.add(word)  # a short one before a group ("pric(?:e|es)") is too loose to vouch for words
    words |= {w for name in lexicon.PERSONA_WORDS for w in name.split()}
    return frozenset(w for w in words if len(w) > 1), tuple(sorted(stems))


def _forms(a: str, b: str) -> bool:
    """Whether `a` and `b` are forms of one word: "answer", "answers", "answered"; "manage", "manager"."""
    shorter, longer = sorted((a, b), key=len)
    bases = {longer[:-len(e)] for e in _ENDINGS if longer.endswith(e)}
    shared = bases & {shorter[:-len(e)] for e in _ENDINGS if shorter.endswith(e)}
    return shorter in bases or any(len(base) > _MIN for base in shared)  # "pric" of "prics", "prices" is too short


def _known(word: str) -> bool:
    words, stems = vocabulary()
    return word in words or any(word.startswith(s) for s in stems)


def _typo(word: str, known: str, edits: int) -> bool:
    """Whether `word` reads as `known` mistyped rather than as another word (see the module docstring)."""
    if edits != 1 or _forms(word, known):
        return False  # another form of the same word, or too far: not a slip
    if len(known) == len(word) + 1:
        return True
    if len(word) == len(known) + 1:
        return any(word[i] == word[i + 1] and word[:i] + word[i + 1:] == known for i in range(len(word) - 1))
    if sorted(word) == sorted(known):
        return len(word) > _MIN  # two letters swapped ("emial"; but "form" is not "from")
    wrong = [(a, b) for a, b in zip(word, known, strict=False) if a != b]
    return len(word) >= 7 and len(wrong) == 1 and set(wrong[0]) <= _VOWELS


@cache
def correct(word: str) -> str:
    """The known word a misspelt `word` stands for; `word` itself when it is known or no one word is close."""
    if len(word) < _MIN or "'" in word or _known(word):
        return word
    words, _ = vocabulary()
    near = [w for w in words if len(w) >= _MIN and w[0] == word[0] and abs(len(w) - len(word)) <= 1]
    found = [(w, d) for w, d, _ in process.extract(word, near, scorer=OSA.distance, score_cutoff=1, limit=None)
             if _typo(word, w, d)]
    if not found:
        return word
    best = min(d for _, d in found)
    ranked = sorted((w for w, d in found if d == best), key=lambda w: -fuzz.ratio(word, w))
    if len(ranked) > 1 and fuzz.ratio(word, ranked[0]) == fuzz.ratio(word, ranked[1]):
        return word  # two known words are as close: leave it
    return ranked[0]


def _patterns() -> list[re.Pattern]:
    """Every compiled pattern of the lexicon (module level, or in its lists and dicts), and the action words."""
    found = list(lexicon.action_words().values()) + [p for _, p in lexicon.event_words()]
    for value in vars(lexicon).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        for item in items:
            item = item[-1] if isinstance(item, tuple) else item
            if isinstance(item, re.Pattern):
                found.append(item)
    return found


def _read_spans(low: str) -> list[tuple[int, int]]:
    """Short spans some lexicon pattern already reads as they are: their words are not misspelt ("whats running").

    Long matches are left out: a pattern with a gap (".{0,40}") would vouch for every word in the gap.
    """
    return [m.span() for p in _patterns() for m in p.finditer(low) if 0 < len(m.group(0).split()) <= 3]


def fix_spelling(text: str) -> str:
    """`text` with each misspelt word replaced by its known word; other words, links and #channels untouched."""
    spans = _read_spans(text.lower())

    def fix(m: re.Match) -> str:
        if m.start() and text[m.start() - 1] in "#@/.:_-":
            return m.group(0)
        if any(lo <= m.start() and m.end() <= hi for lo, hi in spans):
            return m.group(0)
        word = m.group(0)
        fixed = correct(word.lower())
        return word if fixed == word.lower() else fixed
    return re.sub(r"[A-Za-z]+(?:'[A-Za-z]+)*", fix, text)
