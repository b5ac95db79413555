// Shared by the interop scripts (tests/test_interop_node.py): the arguments, the steps recorded, and a
// person on the hosted UI (no browser: follow authorize, post the login form, stop at the app's callback).
export const args = JSON.parse(process.argv[2] || "{}");
export const steps = [];

export function step(name, detail) {
  steps.push(detail === undefined ? name : `${name}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export function done(extra = {}) {
  console.log(JSON.stringify({ ok: true, steps, ...extra }));
}

export async function main(fn) {
  try {
    await fn();
  } catch (err) {
    console.error(err && err.stack ? err.stack : String(err));
    if (err && err.cause) console.error("cause:", err.cause);
    console.error("steps so far:", JSON.stringify(steps));
    process.exit(1);
  }
}

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#39;/g, "'").replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// A minimal cookie jar for one browser session.
export class Browser {
  constructor() { this.cookies = new Map(); }
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "); }
  remember(response) {
    const all = response.headers.getSetCookie ? response.headers.getSetCookie() : [];
    for (const c of all) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  async request(url, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    this.remember(response);
    return response;
  }
}

// authorize -> 302 to the login page -> the form posted -> 302 to the app's callback (returned).
export async function logIn(authorizeUrl, username, password, callback) {
  const browser = new Browser();
  const first = await browser.request(authorizeUrl);
  check(first.status === 302, `authorize answered ${first.status}: ${await first.text()}`);
  const loginUrl = new URL(first.headers.get("location"), authorizeUrl).href;
  const page = await browser.request(loginUrl);
  const text = await page.text();
  check(page.status === 200 && text.includes("cognitoSignInForm"), `login page ${page.status}: ${text.slice(0, 300)}`);
  const fields = {};
  for (const m of text.matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields[m[1]] = unescapeHtml(m[2]);
  fields.username = username;
  fields.password = password;
  const action = new URL(unescapeHtml(text.match(/<form method="post" action="([^"]+)"/)[1]), loginUrl).href;
  const posted = await browser.request(action, {
    method: "POST", body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const location = posted.headers.get("location") || "";
  check(posted.status === 302 && location.startsWith(callback), `login post ${posted.status} -> ${location}: ${await posted.text()}`);
  return location;
}

// The sandbox's HTTP inbox: the newest message's code for an address.
export async function latestCode(endpoint, address, purpose) {
  const r = await fetch(`${endpoint}/_labkit/inbox/${encodeURIComponent(address)}`);
  check(r.status === 200, `inbox answered ${r.status}`);
  const { messages } = await r.json();
  const wanted = messages.filter((m) => !purpose || m.purpose === purpose);
  check(wanted.length > 0, `no ${purpose || ""} message for ${address}: ${JSON.stringify(messages)}`);
  return wanted[wanted.length - 1].code;
}
