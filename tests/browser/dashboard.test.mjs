// The dashboard in headless Chromium (Debian's), driven by puppeteer-core; run by
// run_browser.py, which starts the API and a consumer with data and passes the settings as
// one JSON argument. Checks, in order:
//   1. GET / loads (timed), with the strict Content-Security-Policy; the page asks for the API
//      key once and sends it as a bearer token, never in a URL;
//   2. the density map draws cells; the region picker lists a region named with HTML as text;
//   3. a box drawn with real pointer events gives the API's exact answer (total, weeks,
//      average, every week of the series), and moving the box keeps it exact; the time from
//      each pointer release to the answer on screen is recorded (results.json);
//   4. a CSV uploaded through the file picker becomes a job that reaches `completed` on the
//      panel, and the drawn box's answer rises to the API's new answer by itself (the standing
//      query's push), with no action on the page;
//   5. the job's rejected rows open with their reasons, the hostile raw row shown as text;
//   6. a CSV dropped on the panel becomes a job too;
//   7. the clusters draw as arrows;
//   8. no console error, no page error and no failed request happened at any point (requests
//      the page cancelled itself, as stale, are counted apart).
// Screenshots of each stage go to the artifacts folder. Exit code 0 only when every check held.
import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { boxOf, drawBox, launch, moveBox, shownAnswer, showsExactly, weeklyAverageQuery } from "./dashboard_page.mjs";

const settings = JSON.parse(process.argv[2]);
const problems = [];
const cancelled = [];
const results = { checks: [] };
let step = "start";

function check(condition, message) {
  if (!condition) throw new Error(`${step}: ${message}`);
}

function log(message) {
  console.log(`[browser-test ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function api(pathAndQuery) {
  const response = await fetch(settings.url + pathAndQuery, { headers: { Authorization: `Bearer ${settings.key}` } });
  if (!response.ok) throw new Error(`${pathAndQuery}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitFor(what, probe, timeoutMs = 20000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last && last.ok) return last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${step}: timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(settings.artifacts, `${name}.png`), fullPage: false });
}

// The page shows exactly the API's answer for `box` (eventually: the page may still be
// answering an earlier position).
async function expectExactAnswer(page, box, region) {
  return waitFor(`the API's answer for box ${box}`, async () => {
    const expected = await api(`/v1/trips/weekly-average?${weeklyAverageQuery(box, region)}`);
    const shown = await shownAnswer(page);
    return { ok: showsExactly(shown, expected), expected: { total: expected.total_trips, weeks: expected.weeks, average: shown.average }, shown };
  });
}

async function main() {
  const browser = await launch(puppeteer, settings.chromium);
  try {
    const page = await browser.newPage();
    const urlsWithKey = [];
    let bearerRequests = 0;
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      const reason = r.failure()?.errorText;
      // The page aborts its own stale requests and streams (a moved box, a new query).
      if (reason === "net::ERR_ABORTED" && new URL(r.url()).pathname.startsWith("/v1/")) cancelled.push(r.url());
      else problems.push(`request failed: ${r.method()} ${r.url()} (${reason})`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    });
    page.on("request", (r) => {
      if (r.url().includes(settings.key)) urlsWithKey.push(r.url());
      if (r.headers().authorization === `Bearer ${settings.key}`) bearerRequests += 1;
    });

    step = "1. load";
    const started = Date.now();
    const response = await page.goto(`${settings.url}/`, { waitUntil: "load" });
    const loadMs = Date.now() - started;
    check(response.status() === 200, `GET / answered ${response.status()}`);
    const csp = response.headers()["content-security-policy"] || "";
    check(csp.includes("script-src 'self'") && !csp.includes("unsafe"), `weak or missing CSP: ${csp}`);
    const navigation = await page.evaluate(() => JSON.parse(JSON.stringify(performance.getEntriesByType("navigation")[0])));
    const transferred = await page.evaluate(() =>
      performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation")).reduce((sum, e) => sum + e.transferSize, 0),
    );
    results.first_load = { load_ms: loadMs, load_event_ms: navigation.loadEventEnd, dom_content_loaded_ms: navigation.domContentLoadedEventEnd, transferred_bytes: transferred };
    log(`loaded / in ${loadMs} ms (load event at ${Math.round(navigation.loadEventEnd)} ms, ${transferred} bytes)`);
    await page.waitForSelector("#key-dialog[open]", { timeout: 10000 });
    await screenshot(page, "1-key-dialog");
    await page.type("#key-input", settings.key);
    await page.keyboard.press("Enter");
    await page.waitForSelector("body[data-ready='true']", { timeout: 20000 });
    check(!(await page.$("#key-dialog[open]")), "the key dialog is still open after the key was entered");

    step = "2. density and regions";
    await waitFor("density cells on the map", async () => {
      const cells = await page.evaluate(() => Number(document.getElementById("map").dataset.cells || 0));
      return { ok: cells > 0, cells };
    });
    const regions = await page.evaluate(() => [...document.querySelectorAll("#region option")].map((o) => o.textContent));
    check(regions.includes(settings.hostile_region), `the region picker lacks the HTML-named region: ${JSON.stringify(regions)}`);
    check(regions.includes("Prague"), `the region picker lacks Prague: ${JSON.stringify(regions)}`);
    check((await page.$$("#region img, img[src='x']")).length === 0, "an <img> was created from a region name");
    await screenshot(page, "2-density");

    step = "3. draw a box";
    await page.select("#region", "Prague");
    await new Promise((resolve) => setTimeout(resolve, 800)); // the map flies to Prague
    const [minLon, minLat, maxLon, maxLat] = settings.upload_box;
    await drawBox(page, [minLon - 0.01, minLat - 0.01, maxLon + 0.01, maxLat + 0.01]);
    let shown = await shownAnswer(page);
    let box = boxOf(shown);
    check(box.every(Number.isFinite) && box[0] < box[2] && box[1] < box[3], `no box after the drag: ${shown.box}`);
    check(box[0] <= minLon && box[2] >= maxLon && box[1] <= minLat && box[3] >= maxLat, `the drawn box ${box} does not cover ${settings.upload_box}`);
    const drawn = await expectExactAnswer(page, box, "Prague");
    check(drawn.expected.total > 0, "the drawn box holds no trips: the check would prove nothing");
    results.checks.push({ step, box, expected: drawn.expected });
    log(`drawn box ${box}: ${drawn.expected.total} trips, shown exactly`);
    await screenshot(page, "3-box");

    // Moving the box: each release is timed until its exact answer is on screen.
    results.box_changes_ms = [];
    for (let i = 0; i < 8; i++) {
      await moveBox(page, (i % 2 === 0 ? 1 : -1) * (15 + 5 * i), i % 3 === 0 ? 10 : -8);
      const released = Date.now();
      shown = await shownAnswer(page);
      box = boxOf(shown);
      await expectExactAnswer(page, box, "Prague");
      results.box_changes_ms.push({ release_to_exact_ms: Date.now() - released, page_ms: Number((await shownAnswer(page)).timing) });
    }
    log(`8 box moves, each answered exactly; release to exact answer: ${results.box_changes_ms.map((m) => m.release_to_exact_ms).join(", ")} ms`);

    // Back over the upload's area for the live check.
    await page.evaluate((b) => {
      ["box-min-lon", "box-min-lat", "box-max-lon", "box-max-lat"].forEach((id, i) => (document.getElementById(id).value = String(b[i])));
    }, [minLon - 0.01, minLat - 0.01, maxLon + 0.01, maxLat + 0.01].map((v) => v.toFixed(6)));
    await page.click("#box-form button[type='submit']");
    shown = await shownAnswer(page);
    box = boxOf(shown);
    const before = await expectExactAnswer(page, box, "Prague");

    step = "4. upload and live answer";
    await waitFor("the standing query to be live", async () => {
      const s = await shownAnswer(page);
      return { ok: s.live === "live", live: s.live };
    });
    const input = await page.$("#file");
    await input.uploadFile(settings.upload_csv);
    const jobId = (
      await waitFor("the upload's job id", async () => {
        const job = await page.evaluate(() => document.getElementById("upload-message").dataset.job || null);
        const text = await page.evaluate(() => document.getElementById("upload-message").textContent);
        return { ok: !!job, job, text };
      })
    ).job;
    log(`uploaded through the file picker: job ${jobId}`);
    await waitFor(`job ${jobId} completed on the panel`, async () => {
      const state = await page.evaluate((id) => document.querySelector(`.job[data-job="${id}"]`)?.dataset.state ?? null, jobId);
      return { ok: state === "completed", state };
    }, 180000, 250);
    await screenshot(page, "4-upload-completed");
    // Nothing is done on the page: the new answer must arrive by the stream.
    const after = await expectExactAnswer(page, box, "Prague");
    check(after.expected.total === before.expected.total + settings.upload_rows,
      `the box's total went from ${before.expected.total} to ${after.expected.total}, not up by the ${settings.upload_rows} uploaded trips`);
    results.checks.push({ step, job: jobId, before: before.expected.total, after: after.expected.total });
    log(`the box's answer rose by itself from ${before.expected.total} to ${after.expected.total}`);
    await page.evaluate(() => window.tripstreamDashboard.map.map.setZoom(10, { animate: false }));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the density of the new view
    await screenshot(page, "4-live-answer");

    step = "5. rejected rows";
    await page.click(`.job[data-job="${jobId}"] .show-rejected`);
    await page.waitForSelector("#rejected-dialog[open] #rejected-rows tbody tr", { timeout: 20000 });
    const rejected = await page.evaluate(() => [...document.querySelectorAll("#rejected-rows tbody tr")].map((tr) => [...tr.cells].map((td) => td.textContent)));
    check(rejected.some((cells) => cells[3].includes(settings.hostile_raw)), `the hostile raw row is not shown as text: ${JSON.stringify(rejected)}`);
    check(rejected.every((cells) => cells[2].length > 0), "a rejected row without its reason");
    check((await page.$$("#rejected-dialog script")).length === 0, "a <script> element was created from a rejected row");
    await screenshot(page, "5-rejected-rows");
    await page.click("#rejected-close");

    step = "6. drop a CSV";
    const dropped = fs.readFileSync(settings.upload_csv, "utf8").split("\n").slice(0, 21).join("\n") + "\n";
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], "dropped.csv", { type: "text/csv" }));
      const zone = document.getElementById("dropzone");
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dropped);
    const droppedJob = (
      await waitFor("the dropped file's job id", async () => {
        const job = await page.evaluate(() => document.getElementById("upload-message").dataset.job || null);
        return { ok: !!job && job !== jobId, job };
      })
    ).job;
    await waitFor(`job ${droppedJob} completed on the panel`, async () => {
      const state = await page.evaluate((id) => document.querySelector(`.job[data-job="${id}"]`)?.dataset.state ?? null, droppedJob);
      return { ok: state === "completed", state };
    }, 180000, 250);
    log(`dropped a CSV: job ${droppedJob} completed`);

    step = "7. clusters";
    await page.click("#show-clusters");
    await waitFor("cluster arrows", async () => {
      const arrows = await page.evaluate(() => window.tripstreamDashboard.map.clusterLayer.getLayers().length);
      return { ok: arrows > 0, arrows };
    });
    await screenshot(page, "7-clusters");

    step = "8. no errors";
    const pwned = await page.evaluate(() => window.__pwned ?? null);
    check(pwned === null, `hostile data ran as code (window.__pwned = ${pwned})`);
    check(urlsWithKey.length === 0, `the API key appeared in URLs: ${urlsWithKey.join(", ")}`);
    check(bearerRequests > 0, "no request carried the key as a bearer token");
    check(problems.length === 0, `problems on the page:\n  ${problems.join("\n  ")}`);
    results.cancelled_requests = cancelled.length;
    results.passed = true;
    log(`all checks passed (${cancelled.length} stale requests cancelled by the page)`);
  } finally {
    await browser.close();
    fs.writeFileSync(path.join(settings.artifacts, "results.json"), JSON.stringify(results, null, 2) + "\n");
  }
}

main().catch((error) => {
  console.error(`FAILED ${error.message}`);
  if (problems.length) console.error(`problems seen on the page:\n  ${problems.join("\n  ")}`);
  process.exit(1);
});
