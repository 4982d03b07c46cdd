"""The deterministic planner: one chat request -> the plan of evals/CONTRACT.md.

The pipeline, one module a stage:

1. normalise (`normalise.py`): lower-case, straight quotes, misspelt words corrected to the
   lexicon's, polite openings ("hi, could you please") set aside.
2. extract spans (`extract.py`): extractors run in a fixed order over the request; each claims
   the words it read (a verb about an existing playbook and its object, a negation, a listing,
   a schedule or an event, the tasks) and records evidence for an intent.
3. score intents (`intents.py`): a weight table turns the evidence into a score per intent
   (create / update / pause / resume / delete / run / list / clarify); the best wins, and a low
   or tied best is a question back.
4. compose (`compose.py`, `manage.py`, `tasks.py`, `asks.py`): a new playbook's trigger, steps,
   condition and owner, or the target and changes of an existing one. Which steps a request asks
   for comes from the catalog (`scheduler.catalog.ACTIONS[...].words`) plus a small rule table.
5. phrase (`phrasing.py`): the playbook's name, step parameters and the confirmation message.

Words the planner reads live in `lexicon.py` and the catalog; nothing knows a whole sentence.
"""
from agents.planner.batch import plan_batch
from agents.planner.compose import plan

__all__ = ["plan", "plan_batch"]
