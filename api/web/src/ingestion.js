// The ingestion panel, pushed by GET /v1/ingestion/events (no polling): the overall state,
// each job with its progress, rows, rate and ETA, the consumers with heartbeat age,
// partitions and lag. CSV files dropped on the panel (or picked) are uploaded to
// POST /v1/ingestions as new jobs, which then appear here and progress live. A job's rejected
// rows, with their reasons, open in a dialog (GET /v1/ingestions/{id}/rejected).
import { byId, el, formatDecimal, formatDuration, formatInteger, setText } from "./dom.js";
import { isAbort } from "./api.js";

const REJECTED_PAGE = 100;

export class IngestionPanel {
  constructor(api, onCommitted) {
    this.api = api;
    this.onCommitted = onCommitted; // called when the stored rows change (the map may refresh)
    this.status = null;
    this.inserted = null;
    this.rejected = { job: null, next: null };
    this.state = byId("ingestion-state");
    this.reason = byId("ingestion-reason");
    this.jobs = byId("jobs");
    this.consumers = byId("consumers").tBodies[0];
    this.totalLag = byId("total-lag");
    this.uploadMessage = byId("upload-message");
    this.wireUpload();
    this.wireRejectedDialog();
    // Heartbeat ages move with the clock: redrawn locally each second, nothing is asked.
    setInterval(() => this.status && this.renderConsumers(this.status), 1000);
  }

  start(signal) {
    this.api
      .follow("/v1/ingestion/events", (event, data) => {
        if (event === "status") this.render(data);
      }, {
        signal,
        onState: (state, detail) => {
          if (state !== "live") this.setState(state === "error" ? "error" : "unknown", state === "error" ? "error" : "reconnecting", detail);
        },
      })
      .catch(() => {});
  }

  setState(state, text, detail) {
    this.state.dataset.state = state;
    setText(this.state, text);
    setText(this.reason, detail || "");
  }

  render(status) {
    this.status = status;
    this.setState(status.state, status.state, status.reason);
    this.renderJobs(status.jobs);
    this.renderConsumers(status);
    setText(this.totalLag, status.total_lag === null ? "" : `total lag ${formatInteger(status.total_lag)}`);
    const inserted = status.consumers.reduce((sum, c) => sum + c.rows_inserted, 0);
    if (this.inserted !== null && inserted !== this.inserted) this.onCommitted();
    this.inserted = inserted;
  }

  renderJobs(jobs) {
    if (jobs.length === 0) {
      this.jobs.replaceChildren(el("p", { className: "muted" }, "No jobs yet."));
      return;
    }
    this.jobs.replaceChildren(...jobs.map((job) => this.jobCard(job)));
  }

  jobCard(job) {
    const done = job.rows_inserted + job.rows_rejected;
    const progress = el("progress", { max: 1, value: 0 });
    if (job.state === "completed") progress.value = 1;
    else if (job.rows_sent) progress.value = Math.min(1, done / job.rows_sent);
    else progress.removeAttribute("value"); // indeterminate: the total is not known yet
    const numbers = [
      `${formatInteger(job.rows_inserted)} inserted`,
      `${formatInteger(job.rows_rejected)} rejected`,
      job.rows_sent === null ? "sending" : `of ${formatInteger(job.rows_sent)} sent`,
    ];
    if (job.rate) numbers.push(`${formatDecimal(job.rate)} rows/s`);
    if (job.eta_seconds !== null && job.state !== "completed") numbers.push(`ETA ${formatDuration(job.eta_seconds)}`);
    const card = el(
      "div",
      { className: "job", "data-job": job.id, "data-state": job.state },
      el(
        "div",
        { className: "title" },
        el("span", { className: "badge", "data-state": job.state }, job.state),
        el("span", { className: "source", title: job.source || job.id }, job.source || job.id),
      ),
      progress,
      el("div", { className: "numbers" }, numbers.join(" · ")),
    );
    const problem = job.error || job.reason;
    if (problem) card.append(el("div", { className: "error" }, problem));
    if (job.rows_rejected > 0) {
      card.querySelector(".title").append(
        el("button", { type: "button", className: "show-rejected", onclick: () => this.openRejected(job) }, "rejected rows"),
      );
    }
    return card;
  }

  renderConsumers(status) {
    const lagOf = new Map(status.partitions.map((p) => [p.partition, p.lag]));
    const now = Date.now();
    this.consumers.replaceChildren(
      ...status.consumers.map((c) => {
        const lag = c.partitions.reduce((sum, p) => sum + (lagOf.get(p) || 0), 0);
        const age = (now - Date.parse(c.last_heartbeat)) / 1000;
        return el(
          "tr",
          { "data-consumer": c.id },
          el("td", { title: c.group }, c.id),
          el("td", {}, el("span", { className: "badge", "data-state": c.state }, c.state)),
          el("td", { className: "num" }, `${formatDuration(age)} ago`),
          el("td", {}, c.partitions.join(", ") || "none"),
          el("td", { className: "num" }, formatInteger(lag)),
          el("td", { className: "num" }, formatDecimal(c.rows_per_second)),
        );
      }),
    );
  }

  wireUpload() {
    const zone = byId("dropzone");
    const input = byId("file");
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      const file = e.dataTransfer?.files?.[0];
      if (file) this.upload(file);
    });
    zone.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") input.click();
    });
    input.addEventListener("change", () => {
      if (input.files[0]) this.upload(input.files[0]);
      input.value = "";
    });
  }

  async upload(file) {
    setText(this.uploadMessage, `uploading ${file.name} (${formatInteger(file.size)} bytes)…`);
    this.uploadMessage.className = "muted";
    try {
      const accepted = await this.api.upload(file);
      setText(this.uploadMessage, `${file.name}: job ${accepted.job_id} accepted, ${formatInteger(accepted.rows_sent)} rows sent, ${formatInteger(accepted.rows_rejected)} rejected by the parser`);
      this.uploadMessage.dataset.job = accepted.job_id;
      this.uploadMessage.className = "";
    } catch (error) {
      if (isAbort(error)) return;
      setText(this.uploadMessage, `${file.name}: ${error.message}`);
      this.uploadMessage.className = "error";
    }
  }

  wireRejectedDialog() {
    byId("rejected-close").addEventListener("click", () => byId("rejected-dialog").close());
    byId("rejected-more").addEventListener("click", () => this.loadRejected());
  }

  openRejected(job) {
    this.rejected = { job, next: null };
    setText(byId("rejected-job"), job.source || job.id);
    setText(byId("rejected-summary"), `${formatInteger(job.rows_rejected)} rows rejected`);
    byId("rejected-rows").tBodies[0].replaceChildren();
    byId("rejected-dialog").showModal();
    this.loadRejected();
  }

  async loadRejected() {
    const { job, next } = this.rejected;
    const after = next === null ? "" : `&after=${next}`;
    try {
      const { body } = await this.api.json(`/v1/ingestions/${encodeURIComponent(job.id)}/rejected?limit=${REJECTED_PAGE}${after}`);
      if (this.rejected.job !== job) return;
      byId("rejected-rows").tBodies[0].append(
        ...body.items.map((row) =>
          el(
            "tr",
            {},
            el("td", { className: "num" }, row.line ?? "–"),
            el("td", {}, row.stage),
            el("td", {}, row.reason),
            el("td", { className: "raw" }, row.raw === null ? "(not kept)" : row.raw + (row.raw_truncated ? " …" : "")),
          ),
        ),
      );
      this.rejected.next = body.next;
      byId("rejected-more").hidden = body.next === null;
    } catch (error) {
      setText(byId("rejected-summary"), error.message);
    }
  }
}
