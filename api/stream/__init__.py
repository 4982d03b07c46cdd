"""The chat stream: the AI SDK UI Message Stream encoder and the graph-to-stream translator."""
