"""save_to_drive: a file in the organisation's folder of the configured storage (local folder, or an fsspec URL)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator

from scheduler.integrations.storage import StorageError, check_segment, save_file
from scheduler.steps.base import Accepted, RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams


class SaveToDriveParams(StepParams):
    folder: str = "Playbooks"
    filename: str | None = None  # default: <date>-<run id>.txt
    content: str | None = None  # default: what the earlier steps found

    @field_validator("folder", "filename")
    @classmethod
    def _segment(cls, value: str | None) -> str | None:
        # Templated names are checked after rendering, when the executor validates again.
        if value is None or "{{" in value:
            return value
        return check_segment(value, "a folder or file name")


class SaveToDriveOutput(StepOutput):
    location: str
    bytes: int


class SaveToDrive(Step):
    """Save a file (by default the run's findings) to the organisation's drive folder."""

    name = "save_to_drive"
    Params = SaveToDriveParams
    Output = SaveToDriveOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"folder": "Reports", "filename": "contract.txt", "content": "Hello"}

    async def run(self, params: SaveToDriveParams, ctx: StepContext) -> SaveToDriveOutput:
        try:
            # Again here: a rendered template is only known now, and text from a page may look like one.
            folder = check_segment(params.folder, "the folder")
            name = check_segment(params.filename, "the file name") if params.filename else \
                f"{ctx.clock.now():%Y-%m-%d}-{ctx.execution_id}-{ctx.step_index}.txt"
        except ValueError as exc:
            raise StepError(str(exc)) from None
        data = (params.content if params.content is not None else ctx.digest()).encode()

        async def save(_accepted: Accepted) -> dict[str, Any]:
            try:
                location = await save_file(ctx.settings, ctx.org_id, folder, name, data)
            except StorageError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"location": location, "bytes": len(data)}

        result = await ctx.once("drive", save)
        return SaveToDriveOutput(summary=f"Saved {folder}/{name} ({len(data):,} bytes)", **result)
