// The dashboard's wiring (docs/dashboard.md): settings, the API key, the query controls, the
// map, the answer and the ingestion panels. The panels' logic lives in their own modules.
import { Api, ApiError, isAbort } from "./api.js";
import { AnswerPanel } from "./answer.js";
import { byId, el, setText } from "./dom.js";
import { IngestionPanel } from "./ingestion.js";
import { TripMap, clampBox } from "./map.js";

const DENSITY_DEBOUNCE_MS = 150;

class Dashboard {
  constructor(settings) {
    this.settings = settings;
    this.api = new Api();
    this.api.onUnauthorized = () => {
      if (this.keyAsked) return; // a prompt is open already: its answer reloads everything once
      this.askForKey("The key was refused; enter the right one.").then(() => this.reloadAll());
    };
    this.regions = new Map();
    this.densityRequest = null;
    this.densityTimer = null;
    this.clusters = null;
    this.controls = {
      region: byId("region"),
      match: byId("match"),
      from: byId("from"),
      to: byId("to"),
      end: byId("end"),
      clusters: byId("show-clusters"),
      draw: byId("draw"),
    };
    this.boxInputs = ["box-min-lon", "box-min-lat", "box-max-lon", "box-max-lat"].map(byId);
    this.message = byId("map-message");
    this.answer = new AnswerPanel(this.api);
    this.map = new TripMap(byId("map"), settings, (box, options) => this.boxChanged(box, options));
    this.ingestion = new IngestionPanel(this.api, () => this.scheduleDensity());
  }

  async start() {
    this.wireKeyDialog();
    this.wireControls();
    if (this.settings.api_key_required && !this.api.key) await this.askForKey();
    byId("key-button").hidden = !this.settings.api_key_required;
    this.map.loadBaseLayer((path) => this.api.json(path).then((r) => r.body)).catch((e) => this.note(`base map: ${e.message}`));
    this.startIngestion();
    await this.loadRegions();
    this.map.map.on("moveend", () => this.scheduleDensity());
    this.scheduleDensity();
  }

  note(text) {
    setText(this.message, text);
  }

  // ------------------------------------------------------------------ the API key

  wireKeyDialog() {
    byId("key-button").addEventListener("click", () => this.askForKey());
    byId("key-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.api.key = byId("key-input").value.trim();
      byId("key-dialog").close();
      const resolve = this.keyResolve;
      this.keyAsked = null;
      resolve?.();
    });
  }

  // Resolves once a key is entered; every caller while the dialog is open shares one prompt.
  askForKey(problem = "") {
    setText(byId("key-error"), problem);
    if (this.keyAsked) return this.keyAsked;
    byId("key-dialog").showModal();
    byId("key-input").focus();
    this.keyAsked = new Promise((resolve) => {
      this.keyResolve = resolve;
    });
    return this.keyAsked;
  }

  startIngestion() {
    this.ingestionAbort?.abort();
    this.ingestionAbort = new AbortController();
    this.ingestion.start(this.ingestionAbort.signal);
  }

  // After a new key: everything the old one could not read.
  reloadAll() {
    this.loadRegions();
    this.scheduleDensity();
    this.queryChanged();
    this.startIngestion();
  }

  // ------------------------------------------------------------------ controls

  wireControls() {
    const c = this.controls;
    c.region.addEventListener("change", () => {
      const region = this.regions.get(c.region.value);
      if (region?.bbox) this.map.fitTo(region.bbox);
      this.clusters = null;
      this.refreshClusters();
      this.scheduleDensity();
      this.queryChanged();
    });
    for (const input of [c.match, c.from, c.to]) input.addEventListener("change", () => this.queryChanged());
    for (const input of [c.from, c.to]) input.addEventListener("change", () => this.scheduleDensity());
    c.end.addEventListener("change", () => this.scheduleDensity());
    c.clusters.addEventListener("change", () => this.refreshClusters());
    c.draw.addEventListener("click", () => {
      const on = c.draw.getAttribute("aria-pressed") !== "true";
      this.setDrawing(on);
    });
    byId("query-form").addEventListener("submit", (e) => e.preventDefault());
    byId("box-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const typed = this.boxInputs.map((input) => Number(input.value));
      if (typed.some((x) => !Number.isFinite(x)) || typed[0] > typed[2] || typed[1] > typed[3]) {
        this.note("The box needs min lon ≤ max lon and min lat ≤ max lat, within the world.");
        return;
      }
      this.note("");
      const v = clampBox(typed);
      this.boxInputs.forEach((input, i) => (input.value = String(v[i])));
      this.map.setBox(v);
      this.map.fitTo(v);
      this.queryChanged();
    });
    byId("clear-box").addEventListener("click", () => {
      this.map.setBox(null);
      for (const input of this.boxInputs) input.value = "";
      this.queryChanged();
    });
  }

  setDrawing(on) {
    this.controls.draw.setAttribute("aria-pressed", String(on));
    this.map.setDrawing(on);
    if (on) this.note("Drag on the map to draw the box; drag the box afterwards to move it.");
  }

  boxChanged(box, { final = false } = {}) {
    if (final) {
      this.setDrawing(false);
      this.note("");
    }
    if (box) this.boxInputs.forEach((input, i) => (input.value = String(box[i])));
    this.answer.set(this.query(), { immediate: final });
  }

  query() {
    const c = this.controls;
    return {
      region: c.region.value || null,
      bbox: this.map.box,
      match: c.match.value,
      from: c.from.value || null,
      to: c.to.value || null,
    };
  }

  queryChanged() {
    this.answer.set(this.query(), { immediate: true });
  }

  // ------------------------------------------------------------------ regions, density, clusters

  async loadRegions() {
    try {
      const { body } = await this.api.json("/v1/regions");
      const select = this.controls.region;
      const chosen = select.value;
      this.regions = new Map(body.regions.map((r) => [r.name, r]));
      select.replaceChildren(
        el("option", { value: "" }, "all regions"),
        ...body.regions.map((r) => el("option", { value: r.name }, r.name)),
      );
      if (this.regions.has(chosen)) select.value = chosen;
      if (!chosen && body.regions.length > 0) {
        const all = body.regions.filter((r) => r.bbox).map((r) => r.bbox);
        if (all.length) this.map.fitTo([Math.min(...all.map((b) => b[0])), Math.min(...all.map((b) => b[1])), Math.max(...all.map((b) => b[2])), Math.max(...all.map((b) => b[3]))]);
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) this.note(`regions: ${error.message}`);
    }
  }

  scheduleDensity() {
    clearTimeout(this.densityTimer);
    this.densityTimer = setTimeout(() => this.loadDensity(), DENSITY_DEBOUNCE_MS);
  }

  async loadDensity() {
    const c = this.controls;
    const p = new URLSearchParams({ end: c.end.value, step: String(this.map.densityStep()), bbox: this.map.viewBox().join(",") });
    if (c.region.value) p.set("region", c.region.value);
    if (c.from.value) p.set("from", c.from.value);
    if (c.to.value) p.set("to", c.to.value);
    this.densityRequest?.abort();
    const controller = new AbortController();
    this.densityRequest = controller;
    try {
      const { body } = await this.api.json(`/v1/trips/cells?${p}`, { signal: controller.signal });
      this.map.showDensity(body, c.end.value === "origin" ? "trips start here" : "trips end here");
      byId("map").dataset.cells = String(body.cells.length);
    } catch (error) {
      if (isAbort(error)) return;
      if (!(error instanceof ApiError && error.status === 401)) this.note(`density: ${error.message}`);
    }
  }

  async refreshClusters() {
    const show = this.controls.clusters.checked;
    this.map.setClustersVisible(show);
    if (!show) return;
    try {
      if (!this.clusters) this.clusters = (await this.api.json("/v1/clusters")).body;
      const region = this.controls.region.value;
      this.map.showClusters(this.clusters.regions.filter((r) => !region || r.region === region));
    } catch (error) {
      this.note(error instanceof ApiError && error.status === 503 ? "No clusters: the API has no k-means model (MODEL_PATH)." : `clusters: ${error.message}`);
    }
  }
}

async function main() {
  const response = await fetch("/ui/settings.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /ui/settings.json answered ${response.status}`);
  const dashboard = new Dashboard(await response.json());
  window.tripstreamDashboard = dashboard; // for the browser tests and the console
  await dashboard.start();
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  document.body.prepend(el("p", { className: "error" }, `The dashboard could not start: ${error.message}`));
});
