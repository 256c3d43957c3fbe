// The dashboard's event-stream parser (api/web/src/sse.js), without a browser: node --test.
// Frames arrive cut anywhere, with any of the three line endings, with comments and
// multi-line data, as the HTML standard's event-stream interpretation allows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "../../api/web/src/sse.js";

function parse(chunks) {
  const messages = [];
  const parser = new SseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  return messages;
}

const stream = 'event: status\ndata: {"a":1}\n\n: keep-alive\n\nevent: answer\ndata: {"b":\ndata: 2}\n\n';
const expected = [
  { event: "status", data: '{"a":1}' },
  { event: "answer", data: '{"b":\n2}' },
];

test("whole frames", () => assert.deepEqual(parse([stream]), expected));

test("cut at every byte", () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.deepEqual(parse([stream.slice(0, cut), stream.slice(cut)]), expected, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...stream]), expected);
});

test("CRLF and CR line endings", () => {
  assert.deepEqual(parse([stream.replaceAll("\n", "\r\n")]), expected);
  assert.deepEqual(parse([stream.replaceAll("\n", "\r")]), expected);
  // A CRLF cut between its CR and LF is one line ending, not two.
  const crlf = stream.replaceAll("\n", "\r\n");
  const at = crlf.indexOf("\r\n") + 1;
  assert.deepEqual(parse([crlf.slice(0, at), crlf.slice(at)]), expected);
});

test("an unfinished frame is not delivered", () => {
  assert.deepEqual(parse(['event: status\ndata: {"a":1}\n']), []);
});

test("no event name means message; a frame without data is dropped", () => {
  assert.deepEqual(parse(["data: x\n\nevent: lonely\n\n"]), [{ event: "message", data: "x" }]);
});

test("only the first space after the colon is dropped, unknown fields are ignored", () => {
  assert.deepEqual(parse(["id: 7\nretry: 10\ndata:  two spaces\ndata:none\n\n"]), [{ event: "message", data: " two spaces\nnone" }]);
});
