// The API as the page uses it: JSON reads, event streams and uploads, all with the API key as
// a bearer token when the server needs one. The key lives in this tab's sessionStorage only.
import { SseParser } from "./sse.js";

const KEY_STORAGE = "tripstream.apiKey";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export class Api {
  constructor() {
    this.onUnauthorized = () => {};
  }

  get key() {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  }

  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  }

  headers(extra = {}) {
    const headers = { ...extra };
    if (this.key) headers.Authorization = `Bearer ${this.key}`;
    return headers;
  }

  async fail(response) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    if (response.status === 401) this.onUnauthorized();
    throw new ApiError(response.status, problem);
  }

  async json(path, { signal } = {}) {
    const response = await fetch(path, { headers: this.headers({ Accept: "application/json" }), signal });
    if (!response.ok) await this.fail(response);
    return { body: await response.json(), headers: response.headers };
  }

  async upload(file, { signal } = {}) {
    const response = await fetch("/v1/ingestions", {
      method: "POST",
      headers: this.headers({ "Content-Type": "text/csv", Accept: "application/json" }),
      body: file,
      signal,
    });
    if (!response.ok) await this.fail(response);
    return response.json();
  }

  // Reads the event stream at `path` until `signal` aborts it, calling onEvent(name, data)
  // for each event with its JSON data parsed. Resolves when the server ends the stream;
  // rejects with ApiError on an error answer.
  async stream(path, onEvent, { signal } = {}) {
    const response = await fetch(path, {
      headers: this.headers({ Accept: "text/event-stream" }),
      signal,
      cache: "no-store",
    });
    if (!response.ok) await this.fail(response);
    const parser = new SseParser(({ event, data }) => {
      let value = null;
      try {
        value = JSON.parse(data);
      } catch {
        return; // not JSON: not an event of ours
      }
      onEvent(event, value);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  }

  // stream(), again and again: after the server ends it or a network error, it reconnects
  // with backoff (1 s doubling to 30 s) until `signal` aborts. onState("live" | "retrying" |
  // "error", detail) reports the connection.
  async follow(path, onEvent, { signal, onState = () => {} } = {}) {
    let backoff = 1000;
    while (!signal?.aborted) {
      try {
        await this.stream(
          path,
          (event, data) => {
            backoff = 1000;
            onState("live");
            onEvent(event, data);
          },
          { signal },
        );
        onState("retrying", "the server ended the stream");
      } catch (error) {
        if (signal?.aborted) return;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          onState("error", error.message);
          return; // the request itself is wrong (or the key): retrying cannot help
        }
        onState("retrying", error.message);
      }
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 30000);
    }
  }
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export function isAbort(error) {
  return error?.name === "AbortError";
}
