// The dashboard end to end: www/ in headless Chromium against fake-waapi, through accessible
// locators (roles and labels). Run by `make test-e2e`; E2E_PAGE_URL, E2E_API_BASE,
// E2E_ADMIN_TOKEN and E2E_VIEWER_TOKEN point it at the edge handler instead (see harness.mjs).
// Screenshots go to .tmp/screenshots/. Any console or page error fails the test.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { ADMIN_TOKEN, API_BASE, SCREENSHOTS, VIA_EDGE, VIEWER_TOKEN, api, control, eventually, openPage, startHarness } from "./harness.mjs";

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});
beforeEach(async () => {
  await control("POST", "/__fake/reset");
});

/** Runs `body({ page })` on a fresh page; fails on any console error not in `allow` (see openPage). */
const scenario = (name, options, body) =>
  test(name, async () => {
    const { context, page, problems } = await openPage(harness.browser, options);
    try {
      await page.goto(harness.pageUrl);
      await body({ page, problems });
      assert.deepEqual(problems, [], "no console or page errors");
    } finally {
      await context.close();
    }
  });

const shot = (page, name) => page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });

/** Fills the connect form and presses Connect; waits until the table shows. */
async function connect(page, token = ADMIN_TOKEN, { remember = false } = {}) {
  await page.getByLabel("API base URL").fill(API_BASE);
  await page.getByLabel("Token").fill(token);
  if (remember) await page.getByLabel("Remember on this device").check();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByRole("table").waitFor();
}

const row = (page, name) => page.getByRole("row").filter({ has: page.getByText(name, { exact: true }) });
const rowNames = (page) => page.getByRole("row").locator("td:nth-child(2) .name").allTextContents();
const alertText = (page) => page.getByRole("alert").filter({ hasText: /./ }).textContent({ timeout: 10_000 });

/** Waits until no status cell says "Checking…", so rows and screenshots are settled. */
const settled = (page) =>
  eventually(async () => assert.equal(await page.getByRole("cell", { name: "Checking…" }).count(), 0));

scenario("keyboard: Tab reaches the fields and Connect, Enter connects; the seeded instances render", {}, async ({ page }) => {
  // Connect is disabled until the module has loaded, so it is not skipped by Tab.
  await page.waitForSelector("button:enabled >> text=Connect");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.labels?.[0]?.textContent), "API base URL");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(API_BASE);
  await page.keyboard.press("Tab");
  await page.keyboard.type(ADMIN_TOKEN);
  await page.keyboard.press("Tab"); // Remember on this device
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Connect");
  await page.keyboard.press("Enter");

  await page.getByRole("table").waitFor();
  await settled(page);
  assert.deepEqual(await rowNames(page), ["Support", "Sales", "Marketing"]);
  const support = row(page, "Support");
  for (const cell of ["1", "admin@example.com", "https://hooks.example.com/waapi", "Ready"]) {
    assert.equal(await support.getByRole("cell", { name: cell, exact: true }).count(), 1, cell);
  }
  assert.deepEqual(await support.getByRole("listitem").allTextContents(), ["message", "message_ack", "ready"]);
  const sales = row(page, "Sales");
  assert.equal(await sales.getByText("Trial", { exact: true }).count(), 1, "Sales has a trial badge");
  assert.equal(await sales.getByRole("cell", { name: "Needs scan" }).count(), 1);
  assert.equal(await row(page, "Marketing").getByRole("cell", { name: "Disconnected" }).count(), 1);
  assert.equal(await page.getByText("3 instances").count(), 1);

  // The token stays in memory: not in a URL, not in any storage.
  const stored = await page.evaluate(() => [location.href, JSON.stringify(localStorage), JSON.stringify(sessionStorage)]);
  for (const s of stored) assert.ok(!s.includes(ADMIN_TOKEN), s);

  // Keyboard on: the row buttons are reachable and Enter opens the dialog, Escape closes it.
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "Support" }).waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "hidden" });
  await shot(page, "list.png");
});

scenario("Remember on this device keeps the token in sessionStorage only, and reconnects on reload", {}, async ({ page }) => {
  await connect(page, ADMIN_TOKEN, { remember: true });
  const [local, session] = await page.evaluate(() => [JSON.stringify(localStorage), JSON.stringify(sessionStorage)]);
  assert.equal(local, "{}");
  assert.ok(session.includes(ADMIN_TOKEN));
  await page.reload();
  await page.getByRole("table").waitFor();
  assert.deepEqual(await rowNames(page), ["Support", "Sales", "Marketing"]);
  assert.ok(!page.url().includes(ADMIN_TOKEN));
});

scenario("Filter uses the API's filter, with an empty state", {}, async ({ page }) => {
  await connect(page);
  await control("DELETE", "/__fake/requests");
  await page.getByLabel("Filter").fill("sal");
  await eventually(async () => assert.deepEqual(await rowNames(page), ["Sales"]));
  const log = await control("GET", "/__fake/requests");
  assert.ok(log.some((r) => r.method === "GET" && r.path === "/api/v1/instances" && r.query === "filter=sal"), "the API did the filtering");

  await page.getByLabel("Filter").fill("nothing-like-this");
  await page.getByText("No instance matches “nothing-like-this”").waitFor();
  assert.equal(await page.getByRole("table").isVisible(), false);

  await page.getByLabel("Filter").fill("");
  await eventually(async () => assert.deepEqual(await rowNames(page), ["Support", "Sales", "Marketing"]));
});

scenario("New instance adds a row without a reload", {}, async ({ page }) => {
  await connect(page);
  await page.evaluate(() => (window.notReloaded = true));
  await page.getByRole("button", { name: "New instance" }).click();
  await row(page, "Instance 4").waitFor();
  await page.getByRole("status").filter({ hasText: "Created “Instance 4”" }).waitFor();
  await eventually(async () => assert.equal(await row(page, "Instance 4").getByRole("cell", { name: "Needs scan" }).count(), 1));
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  assert.equal((await api("GET", "/instances/4")).status, 200, "the fake has it");
});

scenario("Manage: rename and edit the webhook and its events", {}, async ({ page }) => {
  await connect(page);
  await page.evaluate(() => (window.notReloaded = true));
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).click();
  const dialog = page.getByRole("dialog", { name: "Support" });
  await dialog.getByText("Ready: this phone is linked.").waitFor();
  assert.equal(await dialog.getByText("Support Desk").count(), 1, "me: display name");
  assert.equal(await dialog.getByText("+49 151 12345678").count(), 1, "me: number");
  const picture = dialog.getByRole("img", { name: "Profile picture of Support Desk" });
  await eventually(async () => assert.ok(await picture.evaluate((img) => img.complete && img.naturalWidth > 0)));
  assert.equal(await dialog.getByRole("checkbox").count(), 20, "a box per known event");
  await shot(page, "detail.png");

  await dialog.getByLabel("Name").fill("Support EU");
  await dialog.getByLabel("Webhook URL").fill("https://hooks.example.com/eu");
  await dialog.getByRole("checkbox", { name: "message_ack", exact: true }).uncheck();
  await dialog.getByRole("checkbox", { name: "call", exact: true }).check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.waitFor({ state: "hidden" });

  const changed = row(page, "Support EU");
  await changed.getByRole("cell", { name: "https://hooks.example.com/eu" }).waitFor();
  assert.deepEqual(await changed.getByRole("listitem").allTextContents(), ["message", "ready", "call"]);
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  const { body } = await api("GET", "/instances/1");
  assert.equal(body.instance.name, "Support EU");
  assert.equal(body.instance.webhook_url, "https://hooks.example.com/eu");
  assert.deepEqual([...body.instance.webhook_events].sort(), ["call", "message", "ready"]);

  // Clearing the URL and every event resets the webhook.
  await changed.getByRole("button", { name: "Manage Support EU" }).click();
  await dialog.getByLabel("Webhook URL").fill("");
  const checked = dialog.getByRole("checkbox", { checked: true });
  while ((await checked.count()) > 0) await checked.first().uncheck();
  await dialog.getByRole("button", { name: "Save" }).click();
  await eventually(async () => assert.equal(await changed.getByRole("cell", { name: "None" }).count(), 2));
  assert.equal((await api("GET", "/instances/1")).body.instance.webhook_url, null);
});

scenario("Delete asks for a confirmation that names the instance", {}, async ({ page }) => {
  await connect(page);
  await row(page, "Marketing").getByRole("button", { name: "Manage Marketing" }).click();
  await page.getByRole("dialog", { name: "Marketing" }).getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete instance 3 “Marketing”?" });
  await confirm.waitFor();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await confirm.waitFor({ state: "hidden" });
  assert.equal((await api("GET", "/instances/3")).status, 200, "Cancel keeps it");

  await page.getByRole("dialog", { name: "Marketing" }).getByRole("button", { name: "Delete" }).click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("status").filter({ hasText: "Deleted “Marketing” (instance 3)." }).waitFor();
  assert.equal(await row(page, "Marketing").count(), 0);
  assert.deepEqual(await rowNames(page), ["Support", "Sales"]);
  assert.equal((await api("GET", "/instances/3")).status, 404);
});

scenario("Slow calls show that they are loading", {}, async ({ page }) => {
  await connect(page);
  await control("POST", "/__fake/faults", { method: "GET", path: "/api/v1/instances", delay_ms: 1500 });
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByRole("button", { name: "Refreshing…" }).waitFor({ timeout: 1000 });
  await page.getByText("Loading instances…").waitFor({ timeout: 1000 });
  await page.getByText("3 instances").waitFor();
  assert.equal(await page.getByRole("button", { name: "Refresh" }).isEnabled(), true);

  await control("POST", "/__fake/faults", { method: "PUT", path: "/api/v1/instances/1", delay_ms: 1500 });
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).click();
  await page.getByRole("dialog", { name: "Support" }).getByRole("button", { name: "Save" }).click();
  await page.getByRole("button", { name: "Saving…" }).waitFor({ timeout: 1000 });
  await page.getByRole("dialog").waitFor({ state: "hidden" });
});

scenario("A viewer token gets the permission message on New instance (directly to WaAPI)", { allow: [403] }, async ({ page }) => {
  if (VIA_EDGE) return; // through the edge the page knows before the click (next test)
  await connect(page, VIEWER_TOKEN);
  await page.getByRole("button", { name: "New instance" }).click();
  assert.equal(await alertText(page), "This token cannot create instances: it lacks the create permission.");
  assert.equal(await page.getByRole("row").count(), 4, "header and the three seeded rows, nothing added");
});

scenario("A read-only key sees, before any click, that it may not create, save or delete", {}, async ({ page }) => {
  await connect(page, VIEWER_TOKEN);
  const buttons = [
    page.getByRole("button", { name: "New instance" }),
    page.getByRole("dialog").getByRole("button", { name: "Save" }),
    page.getByRole("dialog").getByRole("button", { name: "Delete" }),
  ];
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).click();
  await page.getByRole("dialog", { name: "Support" }).waitFor();
  if (!VIA_EDGE) {
    // WaAPI cannot say what a token may do: everything stays on, a refusal is explained after the click.
    for (const b of buttons) assert.equal(await b.isEnabled(), true);
    return;
  }
  for (const b of buttons) assert.equal(await b.isDisabled(), true, await b.textContent());
  const note = "This key may not create, change or delete instances.";
  assert.equal(await page.getByRole("dialog").getByText(note).count(), 1, "the dialog says why");
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  assert.equal(await page.getByRole("main").getByText(note).isVisible(), true, "the list says why");
  await shot(page, "viewer.png");
});

scenario("Connect a phone: the QR shows, and after a simulated scan the view turns ready", {}, async ({ page }) => {
  await connect(page);
  await row(page, "Sales").getByRole("button", { name: "Connect phone to Sales" }).click();
  const dialog = page.getByRole("dialog", { name: "Sales" });
  const qr = dialog.getByRole("img", { name: "QR code to scan with WhatsApp" });
  await qr.waitFor();
  assert.match(await qr.getAttribute("src"), /^data:image\/png;base64,/);
  const box = await qr.boundingBox();
  assert.ok(box.width >= 250, `the QR is large (${box.width} px)`);
  await dialog.getByText("Waiting for the phone to scan").waitFor();
  await shot(page, "qr.png");

  await control("POST", "/__fake/instances/2/scan");
  await dialog.getByText("Ready: this phone is linked.").waitFor({ timeout: 15_000 });
  assert.equal(await qr.isVisible(), false);
  assert.equal(await dialog.getByText("Instance 2", { exact: true }).count(), 1, "me: the account's name");
  assert.equal(await dialog.getByText("491510000002@c.us").count(), 1);

  await dialog.getByRole("button", { name: "Close" }).click();
  assert.equal(await row(page, "Sales").getByRole("cell", { name: "Ready" }).count(), 1, "the row turned ready too");
});

scenario("Closing the phone view stops its polling", {}, async ({ page }) => {
  await connect(page);
  await row(page, "Sales").getByRole("button", { name: "Connect phone to Sales" }).click();
  await page.getByRole("img", { name: "QR code to scan with WhatsApp" }).waitFor();
  await page.getByRole("dialog", { name: "Sales" }).getByRole("button", { name: "Close" }).click();
  await control("DELETE", "/__fake/requests");
  await page.waitForTimeout(3000);
  const polls = (await control("GET", "/__fake/requests")).filter((r) => r.method === "GET" && r.path.endsWith("/client/status"));
  assert.deepEqual(polls, [], "no status polls after the view closed");
});

scenario("A 500 from WaAPI shows an error a person can read, and the page recovers", { allow: [500, 502] }, async ({ page }) => {
  await connect(page);
  // Enough times for every retry on the way (the package's directly, the edge's through it).
  await control("POST", "/__fake/faults", {
    method: "GET", path: "/api/v1/instances", status: 500, body: "<html>x</html>", content_type: "text/html", times: 10,
  });
  await page.getByRole("button", { name: "Refresh" }).click();
  const text = await alertText(page);
  assert.equal(text, "WaAPI had a problem (HTTP 500) and could not list instances. Try again in a moment.");
  assert.doesNotMatch(await page.locator("body").innerText(), /<html>|\{"|at \w+ \(|stack/);
  await control("DELETE", "/__fake/faults");
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByRole("alert").filter({ hasText: /./ }).waitFor({ state: "hidden" });
  assert.deepEqual(await rowNames(page), ["Support", "Sales", "Marketing"]);
});

scenario("An instance deleted elsewhere: “Instance 3 no longer exists”", { allow: [404] }, async ({ page }) => {
  await connect(page);
  await settled(page);
  await row(page, "Marketing").getByRole("button", { name: "Manage Marketing" }).click();
  await page.getByRole("dialog", { name: "Marketing" }).getByText("Disconnected: no phone is linked.").waitFor();
  assert.equal((await api("DELETE", "/instances/3")).status, 204);
  await page.getByRole("dialog", { name: "Marketing" }).getByRole("button", { name: "Save" }).click();
  assert.equal(await alertText(page), "Instance 3 no longer exists.");
  assert.equal(await row(page, "Marketing").count(), 0, "its row is gone");
});

scenario("Rate limiting: the list says when it retries, and does", { allow: [429] }, async ({ page }) => {
  await connect(page);
  // Armed until the page says it will retry (the client's own retries, and an edge's, use some up).
  await control("POST", "/__fake/faults", {
    method: "GET", path: "/api/v1/instances", status: 429, headers: { "Retry-After": "1" },
    body: '{"message":"Too Many Attempts.","status":"error"}', times: 100,
  });
  await page.getByRole("button", { name: "Refresh" }).click();
  assert.equal(await alertText(page), "WaAPI is rate limiting; retrying in 1 s.");
  await control("DELETE", "/__fake/faults");
  await page.getByRole("alert").filter({ hasText: /./ }).waitFor({ state: "hidden", timeout: 10_000 });
  assert.deepEqual(await rowNames(page), ["Support", "Sales", "Marketing"]);
});

scenario("An API that cannot be reached: “Cannot reach the API”", { allow: ["ERR_CONNECTION_REFUSED"] }, async ({ page }) => {
  await connect(page);
  // The browser's network fails (the same whether the API is the fake or an edge in front of it).
  const api = `${API_BASE}/**`;
  await page.route(api, (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: "Refresh" }).click();
  assert.equal(await alertText(page), "Cannot reach the API. Check the API base URL and your connection.");
  await page.unroute(api);
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByRole("alert").filter({ hasText: /./ }).waitFor({ state: "hidden" });
});

scenario("A wrong token is refused with a sentence, not a dump, naming who refused it", { allow: [401] }, async ({ page }) => {
  await page.getByLabel("API base URL").fill(API_BASE);
  await page.getByLabel("Token").fill("not-a-token");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  assert.equal(
    await alertText(page),
    VIA_EDGE
      ? "The edge did not accept this key. Check it and connect again."
      : "WaAPI did not accept this token. Check it and connect again.",
  );
  assert.equal(await page.getByRole("table").isVisible(), false);
});

scenario("Phone width: no sideways scrolling; rows and the QR view fit", { viewport: { width: 390, height: 844 } }, async ({ page }) => {
  await connect(page);
  await settled(page);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.equal(await overflow(), 0, "the list fits");
  await shot(page, "list-phone.png");
  await row(page, "Sales").getByRole("button", { name: "Connect phone to Sales" }).click();
  await page.getByRole("img", { name: "QR code to scan with WhatsApp" }).waitFor();
  assert.equal(await overflow(), 0, "the page behind fits");
  const dialogOverflow = await page.getByRole("dialog", { name: "Sales" }).evaluate((d) => d.scrollWidth - d.clientWidth);
  assert.equal(dialogOverflow, 0, "the dialog's content fits its width");
  await page.screenshot({ path: join(SCREENSHOTS, "qr-phone.png") });
});

scenario("After a failed list the status line stops saying “Loading instances…”", { allow: [500] }, async ({ page }) => {
  await connect(page);
  await control("POST", "/__fake/faults", {
    method: "GET", path: "/api/v1/instances", status: 500, body: '{"status":"error","message":"x"}', times: 10,
  });
  await page.getByRole("button", { name: "Refresh" }).click();
  await alertText(page);
  await page.getByRole("button", { name: "Refresh" }).waitFor(); // the call is over
  const line = await page.locator("#list-status").textContent();
  assert.doesNotMatch(line, /Loading/);
  assert.equal(line, "Not refreshed: showing the 3 instances loaded before.");
  await control("DELETE", "/__fake/faults");
});

scenario("One Refresh against a failing WaAPI: retried once, by whoever is next to WaAPI, and its status shown", { allow: [503] }, async ({ page }) => {
  await connect(page);
  await control("POST", "/__fake/faults", {
    method: "GET", path: "/api/v1/instances", status: 503, body: '{"status":"error","message":"Service Unavailable"}', times: 20,
  });
  await control("DELETE", "/__fake/requests");
  await page.getByRole("button", { name: "Refresh" }).click();
  assert.equal(await alertText(page), "WaAPI had a problem (HTTP 503) and could not list instances. Try again in a moment.");
  await page.getByRole("button", { name: "Refresh" }).waitFor();
  const lists = (await control("GET", "/__fake/requests")).filter((r) => r.method === "GET" && r.path === "/api/v1/instances");
  // Directly, the package tries 3 times (maxRetries 2); through the edge, the edge tries twice
  // (UPSTREAM_RETRIES 1) and the page once: never 3 × 2.
  assert.equal(lists.length, VIA_EDGE ? 2 : 3);
  await control("DELETE", "/__fake/faults");
});

scenario("An invalid webhook URL is marked on its field, with the reason next to it", {}, async ({ page }) => {
  await connect(page);
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).click();
  const dialog = page.getByRole("dialog", { name: "Support" });
  const field = dialog.getByLabel("Webhook URL");
  await field.fill("hooks.example.com/no-scheme");
  await dialog.getByRole("button", { name: "Save" }).click();
  await eventually(async () => assert.equal(await field.getAttribute("aria-invalid"), "true"));
  const described = await field.evaluate((input) =>
    input.getAttribute("aria-describedby").split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" "),
  );
  assert.match(described, /A webhook URL must be an absolute http\(s\) URL/);
  assert.equal(await dialog.getByText(/A webhook URL must be an absolute/).isVisible(), true, "the reason shows next to the field");
  assert.equal(await page.locator("#detail-error").isVisible(), false, "not reported at the top of the dialog");
  assert.equal(await page.evaluate(() => document.activeElement.id), "edit-webhook", "the field has the focus");
  await shot(page, "webhook-invalid.png");

  await field.fill("https://hooks.example.com/fixed");
  assert.equal(await field.getAttribute("aria-invalid"), null, "typing clears the mark");
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await api("GET", "/instances/1")).body.instance.webhook_url, "https://hooks.example.com/fixed");
});

scenario("Phone width: event names stay whole", { viewport: { width: 390, height: 844 } }, async ({ page }) => {
  await connect(page);
  await row(page, "Support").getByRole("button", { name: "Manage Support" }).click();
  const box = page.getByRole("dialog", { name: "Support" }).getByRole("checkbox", { name: "message_revoke_everyone" });
  await box.waitFor();
  const lines = await box.evaluate((input) => {
    const range = document.createRange();
    range.selectNodeContents(input.parentElement);
    range.setStartAfter(input);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  });
  assert.equal(lines, 1, "message_revoke_everyone is on one line");
});

scenario("The manage dialog closing under an open delete confirmation closes it too", { allow: [404] }, async ({ page }) => {
  await connect(page);
  await row(page, "Sales").getByRole("button", { name: "Manage Sales" }).click();
  const dialog = page.getByRole("dialog", { name: "Sales" });
  await dialog.getByText("Waiting for the phone to scan").waitFor();
  await dialog.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete instance 2 “Sales”?" });
  await confirm.waitFor();
  assert.equal((await api("DELETE", "/instances/2")).status, 204, "deleted elsewhere");
  // The dialog's status poll meets the 404 and closes the dialog.
  await page.locator("#detail").waitFor({ state: "hidden", timeout: 20_000 });
  if (await confirm.isVisible()) await confirm.getByRole("button", { name: "Delete" }).click();
  await confirm.waitFor({ state: "hidden" });
  assert.equal(await alertText(page), "Instance 2 no longer exists.");
});

scenario("Messages is offered only through the edge, which keeps the events (WaAPI keeps none)", {}, async ({ page }) => {
  await connect(page);
  const buttons = page.getByRole("button", { name: /^Messages for / });
  assert.equal(await buttons.count(), VIA_EDGE ? 3 : 0);
});
