// The dashboard in headless Chromium, timed (benchmarks/dashboard/run starts the API on a data
// set and passes the settings as one JSON argument; results go to settings.out as JSON):
//  * first load: `loads` times in a fresh browser context (empty cache), the load event, the
//    page ready (settings read, regions listed) and the first density drawn; the same for
//    Swagger UI's page at /docs, the page the API had before, as the baseline;
//  * box changes: in the region with the most trips, a box drawn over the middle of its
//    extent, then `moves` drags of it with real pointer events; for each, from the pointer's
//    release to the answer for the new box on screen (the driver's clock, watching the DOM),
//    the page's own figure (change to drawn chart), and the same request sent alone from the
//    driver (the query without the page) as the baseline; each answer shown is then checked
//    against the API's (exact, or the run fails).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  answerForCurrentBox, boxOf, drawBox, launch, moveBox, shownAnswer, showsExactly, weeklyAverageQuery,
} from "../../tests/browser/dashboard_page.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../tests/browser/package.json"));
const puppeteer = require("puppeteer-core");
const settings = JSON.parse(process.argv[2]);
const results = { loads: [], docs_loads: [], moves: [] };

async function api(query) {
  const started = performance.now();
  const response = await fetch(settings.url + query);
  if (!response.ok) throw new Error(`${query}: HTTP ${response.status}`);
  const body = await response.json();
  return { body, ms: performance.now() - started };
}

async function firstLoad(browser, pathname, ready) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(settings.url + pathname, { waitUntil: "load" });
    const loaded = performance.now() - started;
    await ready(page);
    const readyMs = performance.now() - started;
    const bytes = await page.evaluate(() =>
      performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation")).reduce((sum, e) => sum + e.transferSize, 0));
    return { load_ms: loaded, ready_ms: readyMs, transferred_bytes: bytes };
  } finally {
    await context.close();
  }
}

async function main() {
  const browser = await launch(puppeteer, settings.chromium);
  try {
    for (let i = 0; i < settings.loads; i++) {
      results.loads.push(await firstLoad(browser, "/", (page) =>
        page.waitForFunction(() => document.body.dataset.ready === "true" && Number(document.getElementById("map").dataset.cells || 0) > 0, { timeout: 30000 })));
      results.docs_loads.push(await firstLoad(browser, "/docs", (page) =>
        page.waitForSelector(".swagger-ui .opblock", { timeout: 30000 })));
    }

    const { body: { regions } } = await api("/v1/regions");
    const region = regions.reduce((a, b) => (b.trips > a.trips ? b : a));
    results.region = { name: region.name, trips: region.trips, bbox: region.bbox };
    const [x0, y0, x1, y1] = region.bbox;
    const box = [x0 + (x1 - x0) * 0.375, y0 + (y1 - y0) * 0.375, x1 - (x1 - x0) * 0.375, y1 - (y1 - y0) * 0.375];

    const page = await browser.newPage();
    let sent = 0;
    let cancelled = 0;
    page.on("request", (r) => r.url().includes("/v1/trips/weekly-average?") && sent++);
    page.on("requestfailed", (r) => r.url().includes("/v1/trips/weekly-average?") && cancelled++);
    await page.goto(`${settings.url}/`, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.ready === "true", { timeout: 30000 });
    await page.select("#region", region.name);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the density of the new view
    await drawBox(page, box);
    await answerForCurrentBox(page);
    const drawn = await shownAnswer(page);
    if (!(Number(drawn.total) > 0)) {
      throw new Error(`the drawn box ${drawn.box} holds no trips (asked ${box}): the timing would measure an empty answer`);
    }
    for (let i = 0; i < settings.moves; i++) {
      // Out and back: every other move undoes the one before, so the box stays over the data.
      const k = Math.floor(i / 2);
      const sign = i % 2 === 0 ? 1 : -1;
      const dx = sign * (10 + (k * 7) % 40) * (k % 2 === 0 ? 1 : -1);
      const dy = sign * (5 + (k * 5) % 30) * (k % 3 === 0 ? 1 : -1);
      await moveBox(page, dx, dy);
      const released = performance.now();
      await answerForCurrentBox(page);
      const shownMs = performance.now() - released;
      const shown = await shownAnswer(page);
      const expected = await api(`/v1/trips/weekly-average?${weeklyAverageQuery(boxOf(shown), region.name)}`);
      if (!showsExactly(shown, expected.body)) {
        throw new Error(`move ${i}: the page shows ${JSON.stringify(shown)}, the API answers total ${expected.body.total_trips}`);
      }
      results.moves.push({ release_to_shown_ms: shownMs, page_ms: Number(shown.timing), query_alone_ms: expected.ms, trips: expected.body.total_trips });
    }
    results.requests = { sent, cancelled };
    await page.screenshot({ path: path.join(settings.outDir, "dashboard.png") });
  } finally {
    await browser.close();
  }
  fs.writeFileSync(settings.out, JSON.stringify(results, null, 2) + "\n");
}

main().catch((error) => {
  console.error(`FAILED ${error.stack || error.message}`);
  process.exit(1);
});
