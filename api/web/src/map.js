// The map: an offline base layer (Natural Earth country borders from the npm package
// world-atlas), an optional online tile layer, the trips' density per grid cell
// (GET /v1/trips/cells), the box the user draws or moves, and the clusters as arrows.
import { el, formatInteger } from "./dom.js";

const DENSITY_COLOURS = ["#fde0a1", "#fdb863", "#f98e52", "#e8593a", "#c42a3a", "#8b0a50"];
const MIN_CELL_PIXELS = 6; // a cell narrower than this on screen is merged with its neighbours
const GRID_DEGREES = 0.05; // the aggregate grid (common/include/tripstream/geo/grid_cell.hpp)

export class TripMap {
  // settings: GET /ui/settings.json. onBox(box | null) is called whenever the box changes,
  // while it is dragged too.
  constructor(container, settings, onBox) {
    this.onBox = onBox;
    this.map = L.map(container, {
      worldCopyJump: false,
      preferCanvas: true,
      minZoom: 2,
      maxZoom: 17,
      boxZoom: false, // shift-drag is not a zoom here: boxes are drawn with "Draw box"
    }).setView([48, 10], 4);
    this.renderer = L.canvas({ padding: 0.2 });
    if (settings.tile_url) {
      L.tileLayer(settings.tile_url, { attribution: settings.tile_attribution || "", maxZoom: 19 }).addTo(this.map);
    }
    this.densityLayer = L.layerGroup().addTo(this.map);
    this.clusterLayer = L.layerGroup();
    this.boxLayer = null;
    this.box = null;
    this.drawing = false;
    this.gesture = null; // {kind: "draw" | "move", start: LatLng, box}
    this.map.on("mousedown", (e) => this.pointerDown(e));
    this.map.on("mousemove", (e) => this.pointerMove(e));
    this.map.on("mouseup", (e) => this.pointerUp(e));
    this.map.getContainer().addEventListener("mouseleave", () => this.pointerUp(null));
  }

  async loadBaseLayer(fetchJson) {
    const topology = await fetchJson("/ui/countries-50m.json");
    const countries = topojson.feature(topology, topology.objects.countries);
    L.geoJSON(countries, {
      renderer: this.renderer,
      interactive: false,
      style: { color: "#7b8a99", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1 },
    }).addTo(this.map).bringToBack();
  }

  // The step (cells merged per side) that keeps a cell at least MIN_CELL_PIXELS wide.
  densityStep() {
    const pixelsPerDegree = (256 * 2 ** this.map.getZoom()) / 360;
    return Math.min(400, Math.max(1, Math.ceil(MIN_CELL_PIXELS / (pixelsPerDegree * GRID_DEGREES))));
  }

  // The visible area as a bbox parameter, clamped to the world.
  viewBox() {
    const b = this.map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
  }

  // answer: GET /v1/trips/cells's body.
  showDensity(answer, endLabel) {
    this.densityLayer.clearLayers();
    const size = answer.cell_degrees;
    const max = Math.max(1, answer.max_count);
    const scale = Math.log1p(max);
    for (const [lon, lat, count] of answer.cells) {
      const level = Math.min(DENSITY_COLOURS.length - 1, Math.floor((Math.log1p(count) / scale) * DENSITY_COLOURS.length));
      const rect = L.rectangle([[lat, lon], [lat + size, lon + size]], {
        renderer: this.renderer,
        stroke: false,
        fillColor: DENSITY_COLOURS[level],
        fillOpacity: 0.6,
        bubblingMouseEvents: true,
      });
      rect.bindTooltip(el("span", { className: "cell-tip" }, `${formatInteger(count)} ${endLabel}`), { sticky: true });
      this.densityLayer.addLayer(rect);
    }
  }

  fitTo(bbox) {
    if (!bbox) return;
    const [minLon, minLat, maxLon, maxLat] = bbox;
    // Not animated: Leaflet drops a new view asked for while a zoom animation runs, so a
    // region picked right after the first fit would be ignored.
    this.map.fitBounds([[minLat, minLon], [maxLat, maxLon]], { padding: [20, 20], maxZoom: 13, animate: false });
  }

  // clusters: the RegionClusters of GET /v1/clusters to draw.
  showClusters(regions) {
    this.clusterLayer.clearLayers();
    const max = Math.max(1, ...regions.flatMap((r) => r.clusters.map((c) => c.trips)));
    for (const region of regions) {
      for (const c of region.clusters) {
        if (!c.trips) continue;
        const weight = 1 + 9 * Math.sqrt(c.trips / max);
        const from = L.latLng(c.origin.lat, c.origin.lon);
        const to = L.latLng(c.destination.lat, c.destination.lon);
        const tip = el("span", {}, `${region.region} #${c.id}: ${c.description} — ${formatInteger(c.trips)} trips, typically at ${c.typical_time}`);
        const style = { renderer: this.renderer, color: "#1f4e79", weight, opacity: 0.8 };
        L.polyline([from, to], style).bindTooltip(tip, { sticky: true }).addTo(this.clusterLayer);
        L.polygon(this.arrowHead(from, to, weight), { ...style, weight: 1, fillOpacity: 0.9 }).addTo(this.clusterLayer);
      }
    }
  }

  // A triangle at `to`, pointing away from `from`, sized in pixels at the current zoom.
  arrowHead(from, to, weight) {
    const a = this.map.latLngToLayerPoint(from);
    const b = this.map.latLngToLayerPoint(to);
    const length = Math.max(1, a.distanceTo(b));
    const ux = (b.x - a.x) / length;
    const uy = (b.y - a.y) / length;
    const size = 6 + weight;
    const base = L.point(b.x - ux * size * 1.6, b.y - uy * size * 1.6);
    const left = L.point(base.x - uy * size, base.y + ux * size);
    const right = L.point(base.x + uy * size, base.y - ux * size);
    return [b, left, right].map((p) => this.map.layerPointToLatLng(p));
  }

  setClustersVisible(visible) {
    if (visible) this.clusterLayer.addTo(this.map);
    else this.clusterLayer.remove();
  }

  setDrawing(on) {
    this.drawing = on;
    this.map.getContainer().classList.toggle("drawing", on);
  }

  // Sets the box (minLon, minLat, maxLon, maxLat) or clears it (null), without calling onBox.
  setBox(box) {
    this.box = box;
    if (!box) {
      if (this.boxLayer) this.boxLayer.remove();
      this.boxLayer = null;
      return;
    }
    const bounds = [[box[1], box[0]], [box[3], box[2]]];
    if (this.boxLayer) this.boxLayer.setBounds(bounds);
    else {
      this.boxLayer = L.rectangle(bounds, {
        renderer: this.renderer,
        color: "#0b63b6",
        weight: 2,
        fillOpacity: 0.08,
        interactive: false,
      }).addTo(this.map);
    }
  }

  insideBox(latlng) {
    const b = this.box;
    return b && latlng.lng >= b[0] && latlng.lng <= b[2] && latlng.lat >= b[1] && latlng.lat <= b[3];
  }

  // Drawing starts anywhere in draw mode; a drag that starts inside the box moves it.
  pointerDown(e) {
    if (e.originalEvent.button !== 0) return;
    if (this.drawing) this.gesture = { kind: "draw", start: e.latlng };
    else if (this.insideBox(e.latlng)) this.gesture = { kind: "move", start: e.latlng, box: this.box.slice() };
    else return;
    this.map.dragging.disable();
    e.originalEvent.preventDefault();
  }

  pointerMove(e) {
    const g = this.gesture;
    if (!g) return;
    let box;
    if (g.kind === "draw") {
      box = normalise(g.start, e.latlng);
    } else {
      const dLon = e.latlng.lng - g.start.lng;
      const dLat = e.latlng.lat - g.start.lat;
      box = clampBox([g.box[0] + dLon, g.box[1] + dLat, g.box[2] + dLon, g.box[3] + dLat]);
    }
    this.setBox(box);
    this.onBox(box);
  }

  pointerUp(e) {
    const g = this.gesture;
    if (!g) return;
    if (e) this.pointerMove(e);
    this.gesture = null;
    this.map.dragging.enable();
    if (g.kind === "draw") this.setDrawing(false);
    this.onBox(this.box, { final: true });
  }
}

function round6(v) {
  return Math.round(v * 1e6) / 1e6;
}

function normalise(a, b) {
  return clampBox([Math.min(a.lng, b.lng), Math.min(a.lat, b.lat), Math.max(a.lng, b.lng), Math.max(a.lat, b.lat)]);
}

// Within the world, and rounded to 6 decimals (about 0.1 m): what the page shows is exactly
// what it asks.
export function clampBox([minLon, minLat, maxLon, maxLat]) {
  const c = (v, lo, hi) => round6(Math.min(hi, Math.max(lo, v)));
  return [c(minLon, -180, 180), c(minLat, -90, 90), c(maxLon, -180, 180), c(maxLat, -90, 90)];
}
