"""One LangGraph graph, built once per process: route to a persona, let it call tools, answer.

What a turn acts for (organisation, user, zone, time, engine) is not in the
state: it is the graph's run context (`ChatContext`), given to `astream(...,
context=...)` and read by the nodes and the tools.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.runtime import Runtime

from agents.personas import PERSONAS, persona_prompt
from agents.router import choose_persona
from tools.context import ChatContext
from tools.heartbeat_tools import heartbeat_tools
from tools.playbook_tools import playbook_tools

# persona, context -> the chat model that answers for that persona in this turn.
ModelFactory = Callable[[str, ChatContext], BaseChatModel]


class ChatState(MessagesState):
    persona: str | None


def system_prompt(persona: str, ctx: ChatContext) -> SystemMessage:
    """The persona's prompt, with the organisation's zone and the time for a model that reads them."""
    now = ctx.now.isoformat(timespec="minutes") if ctx.now else "unknown"
    return SystemMessage(persona_prompt(persona) + f"\nOrganisation time zone: {ctx.org_zone}\nNow: {now}")


def build_graph(make_model: ModelFactory) -> Any:
    """The compiled chat graph; run it with `context=ChatContext(...)`."""
    tools = playbook_tools() + heartbeat_tools()

    def route(state: ChatState) -> dict[str, Any]:
        persona = state.get("persona")
        if persona not in PERSONAS:
            persona = choose_persona(state["messages"])
        return {"persona": persona}

    async def agent(state: ChatState, config: RunnableConfig, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        persona = state["persona"]
        model = make_model(persona, runtime.context).bind_tools(tools)
        reply = await model.ainvoke([system_prompt(persona, runtime.context), *state["messages"]], config)
        reply.name = persona
        return {"messages": [reply]}

    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("route", route)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "route")
    graph.add_edge("route", "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile()
