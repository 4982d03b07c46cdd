"""One LangGraph graph, built once per process: route to a persona, let it call tools or hand over, answer.

What a turn acts for (organisation, user, zone, time, engine) is not in the
state: it is the graph's run context (`ChatContext`), given to `astream(...,
context=...)` and read by the nodes and the tools. With a checkpointer the state
(messages, the persona answering) persists per thread.
"""
from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AIMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.runtime import Runtime

from agents.handoffs import MAX_HANDOFFS, handoff_tools
from agents.models.failures import model_failure_text
from agents.models.tiers import ModelFactory, pick
from agents.personas import PERSONAS, persona_prompt
from agents.router import choose_persona, latest_user_text, owner_of
from scheduler.catalog import DEFAULT_PERSONA
from tools.context import ChatContext
from tools.heartbeat_tools import heartbeat_tools
from tools.playbook_tools import playbook_tools

__all__ = ["MODEL_ERROR", "ChatState", "ModelFactory", "build_graph", "system_prompt"]

# Marks an answer the graph wrote because the model failed (response_metadata), so the stream always shows it.
MODEL_ERROR = "model_error"


def _latest(_old: Any, new: Any) -> Any:
    # Two transfers called in one message both write; the later one wins rather than failing the step.
    return new


class ChatState(MessagesState):
    # The persona the client asked for in this turn (None: route by the words, else keep the thread's).
    requested: str | None
    # The persona answering now; it persists with the thread.
    persona: Annotated[str | None, _latest]
    # Hand-offs so far in this turn (the input resets it).
    handoffs: Annotated[int, _latest]


SCHEDULE_RULE = (
    "\nSchedules: pass the user's own words for when a playbook runs (\"every weekday at 8:30am Pacific\") as the"
    " tools' `schedule` argument and leave schedule triggers out; the service reads the words. Never write cron."
)


def system_prompt(persona: str, ctx: ChatContext) -> SystemMessage:
    """The persona's prompt, with the organisation's zone and the time for a model that reads them."""
    now = ctx.now.isoformat(timespec="minutes") if ctx.now else "unknown"
    return SystemMessage(persona_prompt(persona) + SCHEDULE_RULE + f"\nOrganisation time zone: {ctx.org_zone}\nNow: {now}")


def build_graph(make_model: ModelFactory, checkpointer: BaseCheckpointSaver | None = None) -> Any:
    """The compiled chat graph; run it with `context=ChatContext(...)` (and a thread id with a checkpointer)."""
    tools = playbook_tools() + heartbeat_tools()
    transfers = handoff_tools()
    handoff_names = frozenset(t.name for t in transfers.values())

    def route(state: ChatState) -> dict[str, Any]:
        requested = state.get("requested")
        if requested in PERSONAS:
            persona = requested
        else:
            persona = choose_persona(state["messages"])
            if persona == DEFAULT_PERSONA and not owner_of(latest_user_text(state["messages"])):
                # No words of anyone's ("make it 8am"): the thread stays with whoever answered it so far.
                persona = state.get("persona") if state.get("persona") in PERSONAS else DEFAULT_PERSONA
        return {"persona": persona, "handoffs": 0}

    async def agent(state: ChatState, config: RunnableConfig, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        persona = state["persona"] or DEFAULT_PERSONA
        colleagues = [t for p, t in transfers.items() if p != persona] if (state.get("handoffs") or 0) < MAX_HANDOFFS else []
        messages = [system_prompt(persona, runtime.context), *state["messages"]]
        model = pick(make_model(persona, runtime.context), state["messages"], handoff_names).bind_tools(tools + colleagues)
        try:
            reply = await model.ainvoke(messages, config)
        except Exception as exc:
            words = model_failure_text(exc)
            if words is None:
                raise
            # The user reads why in the stream, and the thread keeps a well-formed history.
            reply = AIMessage(words, response_metadata={MODEL_ERROR: type(exc).__name__})
        reply.name = persona
        return {"messages": [reply]}

    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("route", route)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools + list(transfers.values())))
    graph.add_edge(START, "route")
    graph.add_edge("route", "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile(checkpointer=checkpointer)
