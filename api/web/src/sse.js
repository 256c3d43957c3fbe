// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and the
// API key must never go into a URL. SseParser turns the body's text, as it arrives in chunks,
// into {event, data} messages (https://html.spec.whatwg.org/#event-stream-interpretation).
export class SseParser {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.buffer = "";
    this.event = "";
    this.data = [];
    this.afterCr = false;
  }

  push(text) {
    if (!text) return;
    // A CR that ended the previous chunk may have been the first half of a CRLF.
    if (this.afterCr && text.startsWith("\n")) text = text.slice(1);
    this.afterCr = text.endsWith("\r");
    this.buffer += text;
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      const newline = this.buffer.startsWith("\r\n", end) ? 2 : 1;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + newline);
      this.line(line);
    }
  }

  line(line) {
    if (line === "") {
      if (this.data.length > 0) this.onMessage({ event: this.event || "message", data: this.data.join("\n") });
      this.event = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment: keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
  }
}
