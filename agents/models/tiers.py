"""What a model factory gives the graph: one chat model, or a cheaper and a stronger one and the rule between them."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

from tools.context import ChatContext


@dataclass(frozen=True)
class Tiered:
    """Two models of one provider: `fast` for routine turns, `strong` where a better answer pays."""

    fast: BaseChatModel
    strong: BaseChatModel


# persona, context -> the chat model (or the pair of models) that answers for that persona in this turn.
ModelFactory = Callable[[str, ChatContext], BaseChatModel | Tiered]


def needs_strong(messages: Sequence[BaseMessage], handoff_tools: frozenset[str] = frozenset()) -> bool:
    """True when the model must read a request: the user just spoke, or a colleague just handed the request over.

    Reading a request and composing or changing a playbook from it is where a better
    model pays; after a tool has answered, the model mostly words the result.
    """
    last = next((m for m in reversed(messages) if not isinstance(m, SystemMessage)), None)
    if isinstance(last, HumanMessage):
        return True
    return isinstance(last, ToolMessage) and (last.name or "") in handoff_tools


def pick(model: BaseChatModel | Tiered, messages: Sequence[BaseMessage], handoff_tools: frozenset[str] = frozenset()) -> BaseChatModel:
    """The model for this call: a single model as is; of a pair, the strong one when `needs_strong`."""
    if isinstance(model, Tiered):
        return model.strong if needs_strong(messages, handoff_tools) else model.fast
    return model
