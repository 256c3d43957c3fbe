// The answer panel: GET /v1/trips/weekly-average for the current query (region, box, match,
// from, to), shown as figures and a weekly series, then kept live by the standing query
// GET /v1/trips/weekly-average/events, which pushes the answer again when a committed batch
// changes it.
//
// A query that changes while its answer is on the way cancels that request (AbortController):
// at most one request is in flight, and while a box is dragged a new one starts at most every
// THROTTLE_MS, the last position always included.
import { byId, formatDecimal, formatInteger, setText } from "./dom.js";
import { isAbort } from "./api.js";

const THROTTLE_MS = 80;
const LIVE_AFTER_MS = 400; // the query must rest this long before its stream is opened

export class AnswerPanel {
  constructor(api) {
    this.api = api;
    this.query = null;
    this.inFlight = null; // AbortController of the plain request
    this.live = null; // AbortController of the standing query
    this.liveTimer = null;
    this.lastStart = 0;
    this.pending = null;
    this.chart = null;
    this.shown = null; // the answer on screen
    this.changedAt = 0;
    this.fields = {
      average: byId("answer-average"),
      total: byId("answer-total"),
      weeks: byId("answer-weeks"),
      range: byId("answer-range"),
      query: byId("answer-query"),
      timing: byId("answer-timing"),
      error: byId("answer-error"),
      live: byId("answer-live"),
    };
    new ResizeObserver(() => this.resizeChart()).observe(byId("chart"));
  }

  // query: {region, bbox: [4] | null, match, from, to}; null clears the panel. `immediate`:
  // a discrete change (a released box, a control), asked at once; otherwise (a box being
  // dragged) at most one request starts every THROTTLE_MS.
  set(query, { immediate = false } = {}) {
    this.query = query;
    this.changedAt = performance.now();
    delete this.fields.timing.dataset.ms; // set again once this query's answer is drawn
    this.stopLive();
    if (!query || (!query.region && !query.bbox)) {
      this.inFlight?.abort();
      this.clear();
      return;
    }
    const wait = immediate ? 0 : THROTTLE_MS - (this.changedAt - this.lastStart);
    clearTimeout(this.pending);
    if (wait <= 0) this.fetch();
    else this.pending = setTimeout(() => this.fetch(), wait);
  }

  params(query) {
    const p = new URLSearchParams();
    if (query.region) p.set("region", query.region);
    if (query.bbox) p.set("bbox", query.bbox.join(","));
    if (query.bbox) p.set("match", query.match);
    if (query.from) p.set("from", query.from);
    if (query.to) p.set("to", query.to);
    return p.toString();
  }

  async fetch() {
    const query = this.query;
    const started = this.changedAt;
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    this.lastStart = performance.now();
    try {
      const { body } = await this.api.json(`/v1/trips/weekly-average?${this.params(query)}`, { signal: controller.signal });
      if (this.query !== query) return;
      this.show(body);
      await nextFrame();
      setText(this.fields.timing, `answered and drawn in ${Math.round(performance.now() - started)} ms`);
      this.fields.timing.dataset.ms = String(performance.now() - started);
      clearTimeout(this.liveTimer);
      this.liveTimer = setTimeout(() => this.startLive(query), LIVE_AFTER_MS);
    } catch (error) {
      if (isAbort(error) || this.query !== query) return;
      this.showError(error);
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  startLive(query) {
    if (this.query !== query) return;
    this.stopLive();
    const controller = new AbortController();
    this.live = controller;
    this.api
      .follow(`/v1/trips/weekly-average/events?${this.params(query)}`, (event, answer) => {
        if (event === "answer" && this.query === query) this.show(answer);
      }, {
        signal: controller.signal,
        onState: (state, detail) => {
          if (this.live !== controller) return;
          this.setLive(state === "live" ? "live" : state === "error" ? "off" : "stale", state === "live" ? "live" : state === "error" ? "not live" : "reconnecting", detail);
        },
      })
      .catch(() => {});
  }

  stopLive() {
    clearTimeout(this.liveTimer);
    this.live?.abort();
    this.live = null;
    this.setLive("off", "not live");
  }

  setLive(state, text, detail) {
    this.fields.live.dataset.state = state;
    setText(this.fields.live, text);
    this.fields.live.title = detail || "";
  }

  clear() {
    this.shown = null;
    for (const key of ["average", "total", "weeks", "range"]) setText(this.fields[key], "–");
    setText(this.fields.query, "Draw a box on the map, or choose a region.");
    setText(this.fields.timing, "");
    setText(this.fields.error, "");
    this.drawSeries([]);
  }

  showError(error) {
    setText(this.fields.error, error.problem?.parameter ? `${error.problem.parameter}: ${error.message}` : error.message);
  }

  // answer: the WeeklyAverage schema.
  show(answer) {
    this.shown = answer;
    setText(this.fields.error, "");
    setText(this.fields.average, formatDecimal(answer.weekly_average));
    setText(this.fields.total, formatInteger(answer.total_trips));
    setText(this.fields.weeks, formatInteger(answer.weeks));
    setText(this.fields.range, answer.from ? `${answer.from} – ${answer.to}` : "no data");
    const where = [answer.region ? `region ${answer.region}` : "all regions"];
    if (answer.bbox) where.push(`${answer.match} in [${answer.bbox.join(", ")}]`);
    setText(this.fields.query, where.join(", "));
    this.fields.total.dataset.value = String(answer.total_trips);
    this.drawSeries(answer.series);
  }

  drawSeries(series) {
    const xs = series.map((w) => Date.parse(`${w.week_start}T00:00:00Z`) / 1000);
    const ys = series.map((w) => w.trips);
    const container = byId("chart");
    container.dataset.series = JSON.stringify(series.map((w) => [w.week_start, w.trips]));
    if (!this.chart) {
      this.chart = new uPlot(
        {
          width: Math.max(200, container.clientWidth),
          height: 200,
          scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
          series: [{}, { label: "trips per week", stroke: "#1f4e79", width: 2, fill: "rgba(31,78,121,0.12)", points: { show: true, size: 4 } }],
          axes: [{}, { size: 60 }],
          legend: { show: true },
        },
        [xs, ys],
        container,
      );
    } else {
      this.chart.setData([xs, ys]);
    }
  }

  resizeChart() {
    const width = byId("chart").clientWidth;
    if (this.chart && width > 0) this.chart.setSize({ width, height: 200 });
  }
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}
