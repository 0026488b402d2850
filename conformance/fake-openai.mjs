// A local server speaking the OpenAI chat-completions streaming format, for
// paths the offline model cannot take: here, a stream that breaks off
// mid-answer (the connection dies without [DONE]).
import { createServer } from 'node:http';

export async function startFakeOpenAI() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta) => `data: ${JSON.stringify({
        id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'fake',
        choices: [{ index: 0, delta, finish_reason: null }],
      })}\n\n`;
      res.write(chunk({ role: 'assistant', content: 'Let me think' }));
      res.write(chunk({ content: ' about that' }));
      setTimeout(() => res.socket.destroy(), 50); // cut off: no finish_reason, no [DONE]
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(r)) };
}
