"""The process the kill -9 test kills: a runtime on the SQLite file of PLAYBOOKS_HOME, running given runs until killed.

`python -m tests.fakes.crash_child RUN_IDS_FILE`: settings come from the environment; it dispatches every
run id in the file (finished or foreign ones are refused by the claim), prints `ready`, and waits.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from scheduler.runtime import Runtime
from scheduler.settings import Settings


async def main(ids_file: Path) -> None:
    """Start the engine, hand it the runs, and run until killed."""
    runtime = Runtime.build(Settings())
    await runtime.start()
    for execution_id in ids_file.read_text().split():
        runtime.dispatcher.dispatch(execution_id)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
