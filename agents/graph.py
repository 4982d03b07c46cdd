"""One LangGraph graph: route to a persona, let it call tools, answer."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from agents.personas import PERSONAS, persona_prompt
from agents.router import choose_persona
from tools.playbook_tools import playbook_tools


class ChatState(MessagesState):
    persona: str | None
    org_timezone: str


def build_graph(make_model: Callable[[str], BaseChatModel]) -> Any:
    """The compiled chat graph; `make_model(persona)` picks the model per persona."""
    tools = playbook_tools()

    def route(state: ChatState) -> dict[str, Any]:
        persona = state.get("persona")
        if persona not in PERSONAS:
            persona = choose_persona(state["messages"])
        return {"persona": persona}

    async def agent(state: ChatState, config: RunnableConfig) -> dict[str, Any]:
        persona = state["persona"]
        system = SystemMessage(
            persona_prompt(persona)
            + f"\nOrganisation time zone: {state.get('org_timezone') or 'UTC'}"
            + f"\nNow: {datetime.now().astimezone().isoformat(timespec='minutes')}"
        )
        model = make_model(persona).bind_tools(tools)
        reply = await model.ainvoke([system, *state["messages"]], config)
        reply.name = persona
        return {"messages": [reply]}

    graph = StateGraph(ChatState)
    graph.add_node("route", route)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "route")
    graph.add_edge("route", "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile()
