"""Misspelt words corrected to the planner's own vocabulary (rapidfuzz), before any pattern runs.

The vocabulary is every word the planner's patterns know: the lexicon, the catalog
(action words, phrases, titles, event labels, persona names) and the schedule words.
It is read from those modules' string literals, so a word added to a pattern is known
here at once; there is no list of misspellings. A word is corrected only when it is
unknown, at least four letters long, keeps its first letter, reads as one known word
mistyped (see `_typo`), and no other known word is as close.
"""
from __future__ import annotations

import ast
import inspect
import re
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from agents.planner import lexicon
from scheduler.catalog import actions, events, personas
from scheduler.timing import schedule_extractors, schedule_text, schedule_words

_SOURCES = (lexicon, actions, events, personas, schedule_words, schedule_extractors, schedule_text)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
# A word in a pattern: letters, then what follows it ("s?" optional letter, "\w" or "(" a stem).
_IN_PATTERN = re.compile(r"(?<![a-z])([a-z]+(?:'\??[a-z]+)*)(\?|\\w|\(|\[)?")
_ESCAPE = re.compile(r"\\[a-zA-Z]")  # \b, \s, \w...: not letters of a word
_MIN = 4  # shorter words are too often other real words ("sat", "ur", "id")


def _literals(module) -> list[str]:
    """Every string literal of a module's source."""
    tree = ast.parse(inspect.getsource(module))
    return [n.value.lower() for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@cache
def vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """(known words, stems): stems are pattern words that go on ("pric" of "pric(?:e|es)", "analy" of "analy[sz]e")."""
    words: set[str] = set()
    stems: set[str] = set()
    for module in _SOURCES:
        for literal in _literals(module):
            for m in _IN_PATTERN.finditer(_ESCAPE.sub(lambda e: " " + e.group(0)[1:].upper(), literal)):
                word, after = m.group(1), m.group(2)
                if "'?" in word:  # "don'?t": both spellings are known
                    words.add(word.replace("'?", ""))
                    word = word.replace("'?", "'")
                words.add(word)
                if after == "?":
                    words.add(word[:-1])  # "competitors?" also knows "competitor"
                elif after == "\\w" and len(word) >= _MIN or after and len(word) > _MIN:
                    stems.add(word)  # "chang\w+"; "summar(?:y|ies)" (a short one, "pric(?:e|es)", is too loose)
    return frozenset(w for w in words if len(w) > 1), tuple(sorted(s for s in stems if len(s) >= _MIN))


def _known(word: str) -> bool:
    words, stems = vocabulary()
    return word in words or any(word.startswith(s) for s in stems)


def _typo(word: str, known: str, edits: int) -> bool:
    """Whether `word` reads as `known` mistyped: letters dropped ("chek", "wensday"), two swapped ("emial"),
    one doubled ("pausse"), or in a long word one wrong ("margens"). A short word one letter off, or a word
    with letters to spare, is more often another word ("older" is not "order", "details" not "deals")."""
    if edits == 2:
        return len(known) - len(word) == 2 and len(word) >= 6
    if len(known) == len(word) + 1:
        return True
    if len(word) == len(known) + 1:
        return any(word[i] == word[i + 1] and word[:i] + word[i + 1:] == known for i in range(len(word) - 1))
    return sorted(word) == sorted(known) or len(word) >= 7


@cache
def correct(word: str) -> str:
    """The known word a misspelt `word` stands for; `word` itself when it is known or no one word is close."""
    if len(word) < _MIN or "'" in word or _known(word):
        return word
    words, _ = vocabulary()
    near = [w for w in words if len(w) >= _MIN and w[0] == word[0] and abs(len(w) - len(word)) <= 2]
    found = [(w, d) for w, d, _ in process.extract(word, near, scorer=OSA.distance, score_cutoff=2, limit=None)
             if _typo(word, w, d)]
    if not found:
        return word
    best = min(d for _, d in found)
    closest = [w for w, d in found if d == best]
    ranked = sorted(closest, key=lambda w: -fuzz.ratio(word, w))
    if len(ranked) > 1 and fuzz.ratio(word, ranked[0]) == fuzz.ratio(word, ranked[1]):
        return word  # two known words are as close: leave it
    return ranked[0]


def _patterns() -> list[re.Pattern]:
    """Every compiled pattern of the lexicon (module level, or in its lists and dicts), and the action words."""
    found = list(lexicon.action_words().values())
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
