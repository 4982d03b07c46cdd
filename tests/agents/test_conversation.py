"""The offline model's conversation logic as a pure function, and the histories it reads (LangChain and UI)."""
from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents.conversation import (
    Call,
    Referent,
    Say,
    ToolAnswered,
    UserSaid,
    WeSaid,
    clock_time,
    last_shown,
    next_move,
    resolve_by_time,
)
from agents.models.offline import SHOWN_KEY, OfflineChatModel, history
from api.stream.history import to_langchain
from tools.artifacts import (
    ChoiceArtifact,
    ConfirmArtifact,
    DeletedArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
    RunLogArtifact,
    artifact_from_output,
)

ZONE = "America/New_York"
TOOLS = {"create_playbook", "list_playbooks", "run_playbook", "set_playbook_status", "update_playbook", "delete_playbook"}


def summary(pid: str, name: str, cron: str = "0 9 * * *", **extra: Any) -> PlaybookSummary:
    """An active playbook on one schedule."""
    return PlaybookSummary(id=pid, name=name, status="active",
                           triggers=[{"type": "schedule", "cron": cron, "timezone": ZONE}], **extra)


def shown(playbook: PlaybookSummary) -> ToolAnswered:
    """The answer of create_playbook that made this playbook."""
    return ToolAnswered("create_playbook", PlaybookArtifact(playbook=playbook, created=True, already_existed=False))


DAILY, WEEKLY = summary("pb1", "Daily Sales Report"), summary("pb2", "Weekly Sales Report", "0 18 * * 1")


def test_an_answer_to_our_question_completes_the_request():
    move = next_move([UserSaid("email me a sales report"), WeSaid("When should this run?"), UserSaid("every day at 7am")], ZONE, TOOLS)
    assert isinstance(move, Call) and move.tool == "create_playbook"
    assert move.args["playbook"]["triggers"][0]["cron"] == "0 7 * * *"


def test_an_answer_after_something_was_done_is_a_request_of_its_own():
    history_ = [UserSaid("email me a sales report"), shown(DAILY), WeSaid("Done?"), UserSaid("every day at 7am")]
    assert isinstance(next_move(history_, ZONE, TOOLS), Say)


@pytest.mark.parametrize("words", ["pause it", "pause that one", "stop it"])
def test_it_is_the_playbook_last_shown(words):
    move = next_move([UserSaid("x"), shown(WEEKLY), UserSaid("y"), shown(DAILY), WeSaid("Done."), UserSaid(words)], ZONE, TOOLS)
    assert move == Call("set_playbook_status", {"name": "Daily Sales Report", "playbook_id": "pb1", "status": "paused"})


def test_it_after_a_run_or_a_single_listing_or_a_data_part():
    run = ToolAnswered("run_playbook", RunArtifact(execution_id="e1", playbook_id="pb2", playbook="Weekly Sales Report", status="queued"))
    assert last_shown([shown(DAILY), run]) == Referent("pb2", "Weekly Sales Report")
    assert last_shown([ToolAnswered("list_playbooks", PlaybookListArtifact(playbooks=[WEEKLY]))]) == Referent("pb2", "Weekly Sales Report")
    assert last_shown([WeSaid("Done.", shown=(PlaybookArtifact(playbook=DAILY),))]) == Referent("pb1", "Daily Sales Report")


def test_it_is_nothing_after_a_listing_of_several_or_with_nothing_shown():
    listing = ToolAnswered("list_playbooks", PlaybookListArtifact(playbooks=[DAILY, WEEKLY]))
    assert last_shown([shown(DAILY), listing]) is None
    assert last_shown([UserSaid("hi"), WeSaid("I set up “Daily Sales Report”.")]) is None
    # With nothing shown, "it" is asked about: a pronoun never goes to the name lookup.
    move = next_move([UserSaid("x"), WeSaid("I set up “Daily Sales Report”."), UserSaid("pause it")], ZONE, TOOLS)
    assert move == Say("Which playbook do you mean? Tell me its name.")
    move = next_move([UserSaid("x"), listing, WeSaid("You have 2."), UserSaid("delete it")], ZONE, TOOLS)
    assert move == Say("Which playbook do you mean? Tell me its name (for example “Daily Sales Report”).")


def test_a_deleted_playbook_is_not_it():
    gone = ToolAnswered("delete_playbook", DeletedArtifact(id="pb1", name="Daily Sales Report"))
    assert last_shown([shown(WEEKLY), shown(DAILY), gone]) == Referent("pb2", "Weekly Sales Report")


def test_the_6pm_one_is_matched_by_schedule():
    listing = ToolAnswered("list_playbooks", PlaybookListArtifact(playbooks=[DAILY, WEEKLY]))
    move = next_move([UserSaid("list"), listing, WeSaid("You have 2."), UserSaid("delete the 6pm one")], ZONE, TOOLS)
    assert move == Call("delete_playbook", {"name": "Weekly Sales Report", "playbook_id": "pb2"})
    move = next_move([UserSaid("list"), listing, UserSaid("change the one at 9am to 8am")], ZONE, TOOLS)
    assert move == Call("update_playbook", {"name": "Daily Sales Report", "playbook_id": "pb1", "changes": {"time": "08:00"}})


def test_a_time_that_matches_none_or_several_is_left_to_the_planner():
    both = [DAILY, summary("pb3", "Morning Stock", "0 9 * * 1-5")]
    assert resolve_by_time("pause the 9am one", both) == ("pause the 9am one", None)
    assert resolve_by_time("pause the 7am one", both) == ("pause the 7am one", None)
    assert resolve_by_time("pause the 7am one", []) == ("pause the 7am one", None)


@pytest.mark.parametrize(("words", "expected"), [
    ("6pm", (18, 0)), ("6 PM", (18, 0)), ("8:30am", (8, 30)), ("12am", (0, 0)), ("12pm", (12, 0)),
    ("noon", (12, 0)), ("midnight", (0, 0)), ("18:15", (18, 15)), ("13pm", None), ("25:00", None),
])
def test_clock_times(words, expected):
    assert clock_time(words) == expected


def test_a_tool_answer_is_worded_from_its_artifact():
    move = next_move([UserSaid("x"), shown(summary("pb1", "Daily", next_runs_text=["Thu 9:00 AM"], schedule=["every day"]))], ZONE, TOOLS)
    assert isinstance(move, Say) and move.text.startswith("Done! I've set up “Daily”. It runs every day")
    assert "Next runs: Thu 9:00 AM." in move.text
    failed = next_move([UserSaid("x"), ToolAnswered("delete_playbook", error="no playbook matches 'x'")], ZONE, TOOLS)
    assert failed == Say("I couldn't do that: no playbook matches 'x'. Tell me what to change and I'll try again.")


def test_a_tool_that_is_not_bound_is_not_called():
    assert isinstance(next_move([UserSaid("what playbooks do I have")], ZONE, {"create_playbook"}), Say)


# ------------------------------------------------------------ histories


def test_the_offline_model_reads_messages_as_structured_history():
    artifact = PlaybookArtifact(playbook=DAILY, created=True, already_existed=False)
    messages = [
        SystemMessage("You are Pops.\nOrganisation time zone: Europe/Paris"),
        HumanMessage("daily report"),
        AIMessage("", tool_calls=[{"name": "create_playbook", "args": {}, "id": "c1", "type": "tool_call"}]),
        ToolMessage(artifact.content(), tool_call_id="c1", name="create_playbook", artifact=artifact),
        AIMessage("Done.", additional_kwargs={SHOWN_KEY: [PlaybookArtifact(playbook=WEEKLY)]}),
        ToolMessage("boom", tool_call_id="c2", name="run_playbook", status="error"),
    ]
    assert history(messages) == [
        UserSaid("daily report"), ToolAnswered("create_playbook", artifact),
        WeSaid("Done.", (PlaybookArtifact(playbook=WEEKLY),)), ToolAnswered("run_playbook", None, "boom"),
    ]


def test_the_zone_comes_with_the_model_not_from_the_prompt():
    model = OfflineChatModel(zone="Europe/Paris").bind_tools([])
    reply = model.invoke([SystemMessage("Organisation time zone: Asia/Tokyo"), HumanMessage("every day at 7am email me a sales report")])
    assert "Europe/Paris" in reply.content and "Asia/Tokyo" not in reply.content


def test_ui_history_keeps_tool_calls_their_artifacts_and_errors():
    artifact = PlaybookArtifact(playbook=DAILY, created=True, already_existed=False)
    messages = [
        {"role": "system", "parts": [{"type": "text", "text": "ignored"}]},
        {"role": "user", "parts": [{"type": "text", "text": "every day"}, {"type": "text", "text": "a report"}]},
        {"role": "assistant", "parts": [
            {"type": "step-start"}, {"type": "text", "text": "On it."},
            {"type": "tool-create_playbook", "toolCallId": "c1", "state": "output-available", "input": {"playbook": {}},
             "output": artifact.output()},
            {"type": "tool-delete_playbook", "toolCallId": "c2", "state": "output-error", "input": {"name": "x"},
             "errorText": "no playbook"},
            {"type": "tool-run_playbook", "toolCallId": "c3", "state": "input-available", "input": {"name": "x"}},
            {"type": "data-playbook", "id": "pb1", "data": DAILY.data()},
            {"type": "step-start"}, {"type": "text", "text": "Done."},
        ]},
        {"role": "user", "content": "pause it"},
    ]
    out = to_langchain(messages)
    assert [type(m).__name__ for m in out] == ["HumanMessage", "AIMessage", "ToolMessage", "ToolMessage", "AIMessage", "HumanMessage"]
    assert out[0].content == "every day a report" and out[-1].content == "pause it"
    assert [c["id"] for c in out[1].tool_calls] == ["c1", "c2"] and out[1].content == "On it."
    assert out[2].artifact == artifact and out[3].status == "error" and out[3].content == "no playbook"
    # The data part repeats what the tool output already says: not shown twice.
    assert SHOWN_KEY not in out[4].additional_kwargs
    assert last_shown(history(out[:-1])) == Referent("pb1", "Daily Sales Report")


def test_ui_history_reads_data_parts_a_client_kept_without_their_tool_parts():
    messages = [
        {"role": "user", "parts": [{"type": "text", "text": "a report"}]},
        {"role": "assistant", "parts": [
            {"type": "text", "text": "Done."}, {"type": "data-playbook", "id": "pb2", "data": WEEKLY.data()},
            {"type": "data-run", "id": "e1",
             "data": {"executionId": "e1", "playbookId": "pb1", "playbook": "Daily Sales Report", "status": "queued"}},
            {"type": "data-playbook", "data": {"not": "ours"}}, {"type": "data-weather", "data": {}},
        ]},
    ]
    out = to_langchain(messages)
    assert [type(m).__name__ for m in out] == ["HumanMessage", "AIMessage"]
    assert [type(a).__name__ for a in out[1].additional_kwargs[SHOWN_KEY]] == ["PlaybookArtifact", "RunArtifact"]
    assert last_shown(history(out)) == Referent("pb1", "Daily Sales Report")


def test_artifacts_read_back_from_their_output_and_nothing_else():
    for artifact in (PlaybookArtifact(playbook=DAILY, updated=True), PlaybookListArtifact(playbooks=[DAILY]),
                     RunArtifact(execution_id="e", playbook_id="p", playbook="P", status="queued"), DeletedArtifact(id="p", name="P")):
        assert type(artifact_from_output(artifact.output())) is type(artifact)
    assert artifact_from_output({"kind": "weather"}) is None and artifact_from_output("text") is None
    listed = artifact_from_output(PlaybookListArtifact(playbooks=[DAILY]).output())
    assert listed.playbooks[0].triggers == DAILY.triggers and listed.playbooks[0].steps == []


@pytest.mark.parametrize("text", ["Anything I should know?", "is there anything I need to know today?", "any alerts?",
                                  "How's the shop doing?", "what needs my attention"])
def test_asking_what_needs_attention_calls_the_heartbeat(text):
    move = next_move([UserSaid(text)], ZONE, TOOLS | {"heartbeat"})
    assert isinstance(move, Call) and move.tool == "heartbeat"


def test_the_heartbeat_is_not_called_when_not_bound_or_for_a_request():
    assert not isinstance(next_move([UserSaid("anything I should know?")], ZONE, TOOLS), Call)
    move = next_move([UserSaid("email me any alerts every morning")], ZONE, TOOLS | {"heartbeat"})
    assert not (isinstance(move, Call) and move.tool == "heartbeat")


# --- answers to our questions, follow-ups, runs, talk ---------------------------------------------


ALL_TOOLS = TOOLS | {"run_history"}


def test_yes_repeats_the_exact_call_held_and_no_leaves_it():
    held = ConfirmArtifact(tool="delete_playbook", args={"name": "Daily Sales Report", "playbook_id": "pb1"},
                           question="Delete?", name="Daily Sales Report")
    asked = [UserSaid("delete the daily sales report"), ToolAnswered("delete_playbook", held), WeSaid("Delete?")]
    assert next_move([*asked, UserSaid("yes please")], ZONE, TOOLS) == Call("delete_playbook", held.args)
    assert next_move([*asked, UserSaid("no")], ZONE, TOOLS) == Say("OK, I left “Daily Sales Report” as it was.")
    # Something else said: the held change is not applied.
    assert next_move([*asked, UserSaid("list my playbooks")], ZONE, TOOLS) == Call("list_playbooks", {})


def test_new_one_takes_the_alternative_of_an_offered_update():
    offer = ConfirmArtifact(tool="update_playbook", args={"name": "Daily Sales Report", "playbook_id": "pb1", "changes": {}},
                            question="Change it?", alternative={"tool": "create_playbook", "args": {"playbook": {}, "separate": True}})
    move = next_move([UserSaid("x"), ToolAnswered("create_playbook", offer), WeSaid("?"), UserSaid("no, a new one")], ZONE, TOOLS)
    assert move == Call("create_playbook", {"playbook": {}, "separate": True})


@pytest.mark.parametrize(("said", "meant"), [("the 6pm one", "pb2"), ("the second", "pb2"), ("the first one", "pb1"),
                                             ("weekly", "pb2")])
def test_a_choice_is_answered_by_time_order_or_name(said, meant):
    choice = ChoiceArtifact(said="sales report", action="set_playbook_status", args={"status": "paused"},
                            candidates=[DAILY, WEEKLY])
    move = next_move([UserSaid("pause the sales report"), ToolAnswered("set_playbook_status", choice), WeSaid("?"),
                      UserSaid(said)], ZONE, TOOLS)
    assert isinstance(move, Call) and move.args["playbook_id"] == meant and move.args["status"] == "paused"


def test_follow_ups_edit_it_keeping_what_was_not_said():
    move = next_move([UserSaid("x"), shown(WEEKLY), UserSaid("make it 8am")], ZONE, TOOLS)
    assert move == Call("update_playbook", {"name": "Weekly Sales Report", "playbook_id": "pb2", "changes": {"time": "08:00"}})
    move = next_move([UserSaid("x"), shown(WEEKLY), UserSaid("move it to Tuesdays at 10am")], ZONE, TOOLS)
    assert move.args["changes"] == {"time": "10:00", "days": "2"}


def test_run_questions_read_the_run_log_of_the_playbook_in_context():
    for said, question in (("show me the last run", "last"), ("what did it find?", "last"),
                           ("why didn't it run this morning?", "why")):
        move = next_move([UserSaid("x"), shown(DAILY), UserSaid(said)], ZONE, ALL_TOOLS)
        assert move == Call("run_history", {"name": "Daily Sales Report", "playbook_id": "pb1", "question": question})


def test_talk_is_answered_and_signed():
    reply = next_move([UserSaid("what can you do?")], ZONE, TOOLS, persona="money_mike")
    assert isinstance(reply, Say) and "I'm Money Mike" in reply.text and reply.text.endswith("— Money Mike")


def test_it_is_the_playbook_a_question_or_a_run_log_was_about():
    held = ConfirmArtifact(tool="delete_playbook", args={"name": "Weekly Sales Report", "playbook_id": "pb2"},
                           question="Delete?", playbook_id="pb2", name="Weekly Sales Report")
    said_no = [UserSaid("delete the weekly one"), ToolAnswered("delete_playbook", held), WeSaid("Delete?"), UserSaid("no"),
               WeSaid("OK")]
    assert next_move([*said_no, UserSaid("make it 8am")], ZONE, TOOLS).args["playbook_id"] == "pb2"
    log = RunLogArtifact(playbook_id="pb1", playbook="Daily Sales Report", status="active")
    move = next_move([UserSaid("show me the last run of the daily sales report"), ToolAnswered("run_history", log),
                      WeSaid("..."), UserSaid("run it now")], ZONE, TOOLS)
    assert move == Call("run_playbook", {"name": "Daily Sales Report", "playbook_id": "pb1"})
