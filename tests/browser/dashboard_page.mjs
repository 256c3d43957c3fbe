// Driving the dashboard's page from puppeteer: what both the browser test
// (dashboard.test.mjs) and the benchmark (benchmarks/dashboard/measure.mjs) do to it.

export const BOX_INPUTS = ["box-min-lon", "box-min-lat", "box-max-lon", "box-max-lat"];

export async function launch(puppeteer, chromium) {
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"],
    defaultViewport: { width: 1400, height: 900 },
  });
}

// What the page shows as the answer: the exact figures it keeps beside the formatted ones.
export function shownAnswer(page) {
  return page.evaluate((inputs) => ({
    total: document.getElementById("answer-total").dataset.value ?? null,
    weeks: document.getElementById("answer-weeks").textContent,
    average: document.getElementById("answer-average").textContent,
    range: document.getElementById("answer-range").textContent,
    series: document.getElementById("chart").dataset.series ?? null,
    box: inputs.map((id) => document.getElementById(id).value),
    timing: document.getElementById("answer-timing").dataset.ms ?? null,
    live: document.getElementById("answer-live").dataset.state,
    error: document.getElementById("answer-error").textContent,
  }), BOX_INPUTS);
}

export function boxOf(shown) {
  return shown.box.map(Number);
}

export function weeklyAverageQuery(box, region, match = "both") {
  const p = new URLSearchParams({ bbox: box.join(","), match });
  if (region) p.set("region", region);
  return p.toString();
}

// Whether the page shows exactly `expected` (the API's WeeklyAverage): total, weeks, the
// average as the page formats it, the range and every week of the series.
export function showsExactly(shown, expected) {
  const series = JSON.stringify(expected.series.map((w) => [w.week_start, w.trips]));
  const average = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(expected.weekly_average);
  return (
    shown.total === String(expected.total_trips) &&
    shown.weeks === String(expected.weeks) &&
    shown.average === average &&
    shown.series === series &&
    shown.range === (expected.from ? `${expected.from} – ${expected.to}` : "no data")
  );
}

// The page pixel of a longitude/latitude on the map.
export async function pagePoint(page, lon, lat) {
  return page.evaluate(
    (lon, lat) => {
      const map = window.tripstreamDashboard.map.map;
      const p = map.latLngToContainerPoint([lat, lon]);
      const rect = map.getContainer().getBoundingClientRect();
      return { x: rect.left + p.x, y: rect.top + p.y };
    },
    lon,
    lat,
  );
}

// A drag with real pointer events: press, move in `steps`, release.
export async function drag(page, from, to, steps = 12) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.up();
}

// Draws a box from corner to corner (longitude/latitude) with "Draw box" and a drag.
export async function drawBox(page, [minLon, minLat, maxLon, maxLat]) {
  const from = await pagePoint(page, minLon, maxLat);
  const to = await pagePoint(page, maxLon, minLat);
  await page.click("#draw");
  await drag(page, from, to);
}

// Moves the current box by (dx, dy) pixels, dragging it from its centre.
export async function moveBox(page, dx, dy) {
  const box = boxOf(await shownAnswer(page));
  const centre = await pagePoint(page, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2);
  await drag(page, centre, { x: centre.x + dx, y: centre.y + dy }, 6);
}

// Resolves once the answer on the page is for the box now in the inputs (the answer panel
// names the box it answered), watching the DOM rather than polling it.
export function answerForCurrentBox(page, timeout = 20000) {
  return page.waitForFunction(
    (inputs) => {
      const box = inputs.map((id) => Number(document.getElementById(id).value));
      const query = document.getElementById("answer-query").textContent;
      return query.includes(`[${box.join(", ")}]`) && document.getElementById("answer-timing").dataset.ms !== undefined;
    },
    { polling: "mutation", timeout },
    BOX_INPUTS,
  );
}
