// Reads a UI message stream from a URL with the real AI SDK client, the same
// code path useChat takes (DefaultChatTransport -> readUIMessageStream), and
// prints {status, headers, message, chunks, errors} as JSON on stdout.
// Usage: node read_stream.mjs <url> [text]   (PLAYBOOKS_TOKEN, if set, is sent as a bearer token)
import { DefaultChatTransport, readUIMessageStream } from 'ai';

const url = process.argv[2];
if (!url) {
  console.error('usage: node read_stream.mjs <url>');
  process.exit(2);
}

let status = null;
let headers = null;
const text = process.argv[3] ?? 'hello';
const token = process.env.PLAYBOOKS_TOKEN;
const transport = new DefaultChatTransport({
  api: url,
  headers: token ? { Authorization: `Bearer ${token}` } : undefined,
  // Wrap fetch only to record what the server sent; the body goes on untouched.
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    status = response.status;
    headers = Object.fromEntries(response.headers.entries());
    return response;
  },
});

const stream = await transport.sendMessages({
  chatId: 'contract-chat',
  messageId: undefined,
  trigger: 'submit-message',
  abortSignal: undefined,
  messages: [{ id: 'user-1', role: 'user', parts: [{ type: 'text', text }] }],
});

const chunks = [];
const recorded = stream.pipeThrough(
  new TransformStream({
    transform(chunk, controller) {
      chunks.push(chunk);
      controller.enqueue(chunk);
    },
  }),
);

// A chunk that fails the client's schema errors the stream; that lands in
// `errors` too, so the Python side must assert on it.
const errors = [];
let message = null;
for await (const snapshot of readUIMessageStream({
  stream: recorded,
  onError: (error) => errors.push(String(error?.message ?? error)),
})) {
  message = snapshot;
}

process.stdout.write(JSON.stringify({ status, headers, message, chunks, errors }) + '\n');
