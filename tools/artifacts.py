"""What tools hand back: typed artifacts, each naming the UI data part it becomes.

A tool returns `(content, artifact)`: the content string the model reads is made
once, here, from the artifact; the stream translator turns the artifact into its
UI part (`data-playbook`, `data-run`) and the offline model words its reply from
it. Nothing downstream parses the content again. The `kind` field makes an
artifact readable back from a tool's output in a client's UI message history.
"""
from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class PlaybookSummary(_Camel):
    """A playbook as the chat shows it: the stored playbook plus its schedule in words and next runs."""

    # The stored playbook's other fields (orgId, agent, category, nextRunAt...) ride along unchanged.
    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    status: str
    triggers: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[dict[str, Any]] = Field(default_factory=list)
    schedule: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)
    next_runs: list[str] = Field(default_factory=list)
    next_runs_text: list[str] = Field(default_factory=list)

    def data(self) -> dict[str, Any]:
        """The JSON the UI and the model get (camelCase, as the API's Playbook)."""
        return self.model_dump(mode="json", by_alias=True)


class Artifact(_Camel):
    """A tool's typed result; `ui_part` names the `data-<part>` it becomes in the stream (None: none)."""

    ui_part: ClassVar[str | None] = None

    def output(self) -> dict[str, Any]:
        """What the model reads (and the UI's tool output shows)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def content(self) -> str:
        """The tool message's content: the output as JSON, made once."""
        return json.dumps(self.output())

    def ui_data(self) -> tuple[Any, str | None]:
        """The payload and id of the UI data part."""
        raise NotImplementedError(f"{type(self).__name__} has no UI part")

    @classmethod
    def from_ui_data(cls, data: Any) -> Artifact:
        """The artifact back from its UI data part's payload (a client's history)."""
        raise NotImplementedError(f"{cls.__name__} has no UI part")


class PlaybookArtifact(Artifact):
    """One playbook created, found already existing, or changed."""

    ui_part: ClassVar[str | None] = "playbook"
    kind: Literal["playbook"] = "playbook"
    playbook: PlaybookSummary
    created: bool | None = None
    already_existed: bool | None = None
    updated: bool | None = None
    # A change shown as before -> after, one line each ("runs every Monday at 7:00 AM ...").
    before: list[str] | None = None
    after: list[str] | None = None
    # When a pause ends ("until Monday"), ISO-8601; its words; whether the store keeps it (resumes by itself).
    resume_at: str | None = None
    resume_text: str | None = None
    resume_stored: bool | None = None

    def ui_data(self) -> tuple[Any, str | None]:
        """The playbook, keyed by its id so a later part replaces it in the UI."""
        return self.playbook.data(), self.playbook.id

    @classmethod
    def from_ui_data(cls, data: Any) -> PlaybookArtifact:
        """The playbook a `data-playbook` part showed."""
        return cls(playbook=PlaybookSummary.model_validate(data))


# What a listing tells the model about each playbook: enough to name and tell them apart.
LIST_FIELDS = {"id", "name", "status", "triggers", "schedule", "events", "next_runs_text"}


class PlaybookListArtifact(Artifact):
    """The organisation's playbooks."""

    kind: Literal["playbooks"] = "playbooks"
    playbooks: list[PlaybookSummary]

    def output(self) -> dict[str, Any]:
        """The listing, each playbook cut to LIST_FIELDS to keep the model's context small."""
        fields = {"playbooks": {"__all__": LIST_FIELDS}}
        return {"kind": self.kind, **self.model_dump(mode="json", by_alias=True, include=fields)}


class RunArtifact(Artifact):
    """A run: started, and as far as it got while the chat waited (each step's status, the result or the error)."""

    ui_part: ClassVar[str | None] = "run"
    kind: Literal["run"] = "run"
    started: bool = True
    execution_id: str
    playbook_id: str
    playbook: str
    status: str
    steps: list[dict[str, Any]] | None = None
    error: str | None = None
    result: str | None = None
    scheduled_for: str | None = None
    triggered_by: str | None = None
    at: str | None = None

    def ui_data(self) -> tuple[Any, str | None]:
        """The run, keyed by its execution id (a later part with the same id replaces the earlier)."""
        return self.model_dump(mode="json", by_alias=True, exclude={"kind", "started"}, exclude_none=True), self.execution_id

    @classmethod
    def from_ui_data(cls, data: Any) -> RunArtifact:
        """The run a `data-run` part showed."""
        return cls.model_validate(data)


class RunLogArtifact(Artifact):
    """A playbook's recent runs and slots, read from the run ledger, and what the user asked of them."""

    kind: Literal["runlog"] = "runlog"
    playbook_id: str
    playbook: str
    question: Literal["last", "why"] = "last"
    status: str
    schedule: list[str] = Field(default_factory=list)
    runs: list[RunArtifact] = Field(default_factory=list)
    # Why a step did not run: its condition and the values it saw, as the executor recorded them.
    skipped: list[dict[str, Any]] = Field(default_factory=list)
    next_runs_text: list[str] = Field(default_factory=list)


class ConfirmArtifact(Artifact):
    """A change held back until the user says yes: the exact call that will apply it, and what it changes."""

    ui_part: ClassVar[str | None] = "confirm"
    kind: Literal["confirm"] = "confirm"
    tool: str
    args: dict[str, Any]
    question: str
    playbook_id: str | None = None
    name: str | None = None
    before: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list)
    # The other way the user may answer (e.g. "no, a new one" to an offered update): a call {tool, args}.
    alternative: dict[str, Any] | None = None

    def ui_data(self) -> tuple[Any, str | None]:
        """The pending change, keyed by the call it waits for."""
        return self.model_dump(mode="json", by_alias=True, exclude={"kind"}), f"confirm-{self.tool}-{self.playbook_id}"

    @classmethod
    def from_ui_data(cls, data: Any) -> ConfirmArtifact:
        """The pending change a `data-confirm` part showed."""
        return cls.model_validate(data)


class ChoiceArtifact(Artifact):
    """The words could name several playbooks (or none exactly): the user picks; nothing was done."""

    kind: Literal["choice"] = "choice"
    said: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)
    candidates: list[PlaybookSummary] = Field(default_factory=list)


class DeletedArtifact(Artifact):
    """A playbook deleted (its runs stay in the history)."""

    kind: Literal["deleted"] = "deleted"
    deleted: bool = True
    id: str
    name: str


class HeartbeatArtifact(Artifact):
    """The organisation's latest heartbeat: each check `ok` or an `alert` with a message and a priority."""

    kind: Literal["heartbeat"] = "heartbeat"
    checked_at: str
    checks: list[dict[str, Any]]


AnyArtifact = Annotated[
    PlaybookArtifact | PlaybookListArtifact | RunArtifact | DeletedArtifact | HeartbeatArtifact | RunLogArtifact
    | ConfirmArtifact | ChoiceArtifact,
    Field(discriminator="kind"),
]
_READER: TypeAdapter[Artifact] = TypeAdapter(AnyArtifact)
# The artifacts that become UI data parts, found again from those parts.
_SHOWN: tuple[type[Artifact], ...] = (PlaybookArtifact, RunArtifact, ConfirmArtifact)


def answer(artifact: Artifact) -> tuple[str, Artifact]:
    """A tool's `content_and_artifact` return value."""
    return artifact.content(), artifact


def artifact_from_output(output: Any) -> Artifact | None:
    """The artifact a tool output in a client's history came from; None for anything else."""
    if not isinstance(output, dict) or "kind" not in output:
        return None
    try:
        return _READER.validate_python(output)
    except ValidationError:
        return None


def artifact_from_part(part: str, data: Any) -> Artifact | None:
    """The artifact a `data-<part>` part in a client's history shows; None if it is not one of ours."""
    kind = next((cls for cls in _SHOWN if cls.ui_part == part), None)
    if kind is None:
        return None
    try:
        return kind.from_ui_data(data)
    except ValidationError:
        return None
