"""Entry point of a child process: `python -m bench.child module:function JSON-KWARGS RESULT-FILE`."""
from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    """Call the named function with the keyword arguments and write what it returns as JSON."""
    func_name, kwargs, out = argv[0], json.loads(argv[1]), Path(argv[2])
    logging.basicConfig(level=logging.WARNING)
    module, _, name = func_name.partition(":")
    func = getattr(importlib.import_module(f"bench.{module}"), name)
    result = asyncio.run(func(**kwargs)) if inspect.iscoroutinefunction(func) else func(**kwargs)
    out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
