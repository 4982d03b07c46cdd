"""Third stage of the planner: score every intent from the evidence; the best wins.

The table says how much each kind of evidence weighs. A verb about an existing
playbook ("pause", "delete") weighs less than a trigger ("every Monday", "when stock
runs low"), so "delete old drafts every night" is a new playbook; naming an existing
playbook ("the price alert") outweighs both. When nothing scores above `clarify`'s
floor, or the two best intents tie, the planner asks instead of guessing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agents.planner.extract import Reading

INTENTS = ("create_playbook", "update_playbook", "pause_playbook", "resume_playbook", "delete_playbook",
           "run_playbook", "list_playbooks", "clarify")
WEIGHTS = {
    "asks_list": 10,  # "show me my playbooks"
    "recurs": -10,  # ... "every morning": a schedule, so not a listing
    "verb": 3,  # pause, resume, delete, run
    "negation": 3,  # "I no longer want ...", "we don't need ... anymore" (only with a playbook named)
    "edit_verb": 1,  # change, set, make, have: as often about a new playbook as an old one
    "refers": 8,  # the verb's object names an existing playbook ("the price alert", "it")
    "instead": 8,  # "... to Slack instead": a change to something that exists
    "now": 4,  # "run it now"
    "trigger": 4,  # a schedule or an event
    "tasks": 2,  # work the catalog knows ("check inventory")
    "persona_object": 20,  # "have Craig draft ...": work for a persona, so a new playbook
    "negated_when": 20,  # "don't run the sales report on weekends": ask what should change, do not guess
}
FLOOR = 1  # clarify's score: the least a request must say to be acted on


@dataclass(frozen=True)
class Decision:
    """The winning intent, every intent's score, and whether it was a tie."""

    intent: str
    scores: dict[str, float]
    tied: tuple[str, ...] = ()


def score(reading: Reading) -> dict[str, float]:
    """Each intent's score: the sum of the weights of its evidence."""
    totals: dict[str, float] = defaultdict(float)
    for e in reading.evidence:
        totals[e.intent] += WEIGHTS[e.kind]
    totals["clarify"] = max(totals["clarify"], FLOOR)
    return {i: totals.get(i, 0.0) for i in INTENTS}


def decide(reading: Reading) -> Decision:
    """The best intent; clarify when the best is clarify's floor or two intents tie for best."""
    scores = score(reading)
    ranked = sorted(INTENTS, key=lambda i: -scores[i])
    best, second = ranked[0], ranked[1]
    if scores[best] == scores[second] and "clarify" not in (best, second):
        return Decision("clarify", scores, (best, second))
    return Decision("clarify" if scores[best] <= FLOOR else best, scores)
