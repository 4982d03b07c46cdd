// The Playbooks chat page: plain JavaScript, no build step. Everything from the server is shown
// with textContent (never innerHTML), so a playbook name or a model's words stay text.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { me: null, thread: crypto.randomUUID(), messages: [], busy: false };
const PERSONAS = { craig: "Craig", ezal: "Ezal", money_mike: "Money Mike", pops: "Pops" };
const STATUS_COLOURS = { completed: "#2f7d4f", failed: "#b3261e", skipped: "#9aa19c", missed: "#d08a2c",
  waiting_approval: "#e0b341", waiting: "#c9a45c", paused: "#b8b0a0", running: "#2a5bb8", queued: "#7fa2e0" };

// --- HTTP -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, { method = "GET", body, raw = false, token } = {}) {
  // The session cookie signs the request; the header marks it as ours (the server refuses cookie-signed
  // changes without it, so another site's form cannot act for the owner).
  const headers = { "X-Requested-With": "playbooks" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;  // signing in: the token once, then the cookie
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path !== "/api/session") { showSignIn(); throw new ApiError(401, "signed out"); }
  if (raw) return response;
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, (data && (data.detail || data.title)) || response.statusText);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;  // CSSOM, which the page's CSP allows
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(iso) {
  if (!iso) return "—";
  const zone = state.me ? state.me.timezone : undefined;
  return new Date(iso).toLocaleString([], { timeZone: zone, weekday: "short", month: "short", day: "numeric",
    hour: "numeric", minute: "2-digit", timeZoneName: "short" });
}

// --- sign in ----------------------------------------------------------------------------------

function showSignIn() { $("app").hidden = true; $("signin").hidden = false; }

async function showApp(me) {
  state.me = me;
  $("org-name").textContent = `· ${me.orgName}${me.email ? " · " + me.email : ""}`;
  $("signin").hidden = true;
  $("app").hidden = false;
  await refreshAll();
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await showApp(await api("/api/session", { method: "POST", token: $("signin-token").value.trim() }));
    $("signin-token").value = "";
  } catch (error) {
    $("signin-error").textContent = error.status === 401 ? "That token was not accepted." : error.message;
  }
});

$("signout").addEventListener("click", async () => { await api("/api/session", { method: "DELETE" }); showSignIn(); });

// --- chat -------------------------------------------------------------------------------------

$("composer").addEventListener("submit", (event) => { event.preventDefault(); send(); });
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(); }
});

async function send() {
  const text = $("input").value.trim();
  if (!text || state.busy) return;
  $("input").value = "";
  state.busy = true;
  $("send").disabled = true;
  const user = { id: crypto.randomUUID(), role: "user", parts: [{ type: "text", text }] };
  state.messages.push(user);
  $("messages").append(el("div", { class: "msg user" }, text));
  const assistant = { id: crypto.randomUUID(), role: "assistant", parts: [] };
  const view = new AssistantView();
  try {
    const body = { id: state.thread, messages: state.messages };
    if ($("persona").value) body.agent = $("persona").value;
    const response = await api("/api/chat", { method: "POST", body, raw: true });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      view.error(problem.detail || `The chat answered ${response.status}.`);
    } else {
      await readStream(response, (part) => { apply(assistant, part); view.render(assistant, part); });
    }
  } catch (error) {
    if (error.status !== 401) view.error(`The connection broke: ${error.message}`);
  } finally {
    if (assistant.parts.length) state.messages.push(assistant);
    view.done();
    state.busy = false;
    $("send").disabled = false;
    refreshAll();
  }
}

// The AI SDK UI Message Stream v1: server-sent events, each `data: <json part>`, ending with `data: [DONE]`.
async function readStream(response, onPart) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data || data === "[DONE]") continue;
      try { onPart(JSON.parse(data)); } catch (error) { console.warn("unreadable part", data, error); }
    }
  }
}

// Keep the assistant message as the AI SDK would (text, step-start and data parts), so the next turn's
// history carries what was shown ("run it now" finds the playbook just made).
function apply(message, part) {
  const parts = message.parts;
  if (part.type === "start-step") parts.push({ type: "step-start" });
  else if (part.type === "text-start") parts.push({ type: "text", text: "", _id: part.id });
  else if (part.type === "text-delta") {
    const text = parts.findLast((p) => p.type === "text" && p._id === part.id);
    if (text) text.text += part.delta;
  } else if (part.type && part.type.startsWith("data-") && !part.transient) {
    const same = parts.findIndex((p) => p.type === part.type && part.id && p.id === part.id);
    const entry = { type: part.type, id: part.id, data: part.data };
    if (same >= 0) parts[same] = entry; else parts.push(entry);
  } else if (["start", "message-metadata", "finish"].includes(part.type) && part.messageMetadata) {
    message.metadata = { ...message.metadata, ...part.messageMetadata };
  }
}

class AssistantView {
  constructor() {
    this.who = el("span", { class: "who" }, "…");
    this.body = el("div", { class: "msg assistant" }, this.who);
    this.texts = new Map();
    this.cards = new Map();
    $("messages").append(this.body);
  }

  render(message, part) {
    const persona = (message.metadata && (message.metadata.persona || message.metadata.agent)) || null;
    if (persona) this.who.textContent = PERSONAS[persona] || persona;
    if (part.type === "text-start") {
      const node = el("span", { class: "text" });
      this.texts.set(part.id, node);
      this.body.append(node);
    } else if (part.type === "text-delta") {
      const node = this.texts.get(part.id);
      if (node) node.textContent += part.delta;
    } else if (part.type === "tool-input-available") {
      this.body.append(el("span", { class: "chip" }, toolLabel(part.toolName)));
    } else if (part.type === "tool-output-error" || part.type === "error") {
      this.error(part.errorText || "Something went wrong.");
    } else if (part.type === "data-playbook") {
      this.card(part, playbookCard(part.data));
    } else if (part.type === "data-run") {
      this.card(part, runChip(part.data));
    } else if (part.type === "data-delegation") {
      const to = part.data && (part.data.to || part.data.persona);
      this.body.append(el("span", { class: "chip" }, `handed to ${PERSONAS[to] || to}`));
      if (to) this.who.textContent = PERSONAS[to] || to;
    }
    this.scroll();
  }

  card(part, node) {
    const key = `${part.type}:${part.id || Math.random()}`;
    const old = this.cards.get(key);
    if (old) old.replaceWith(node); else this.body.append(node);
    this.cards.set(key, node);
  }

  error(text) { this.body.append(el("div", { class: "error" }, text)); this.scroll(); }

  done() { if (this.who.textContent === "…") this.who.textContent = "Playbooks"; }

  scroll() { $("messages").scrollTop = $("messages").scrollHeight; }
}

function toolLabel(name) {
  return ({ create_playbook: "creating a playbook", list_playbooks: "looking at your playbooks",
    run_playbook: "starting a run", update_playbook: "changing a playbook", delete_playbook: "deleting a playbook",
    set_playbook_status: "changing a status" })[name] || name.replaceAll("_", " ");
}

function scheduleWords(playbook) {
  if (playbook.scheduleText) return playbook.scheduleText;
  if (playbook.schedule && playbook.schedule.length) return playbook.schedule.join("; ");
  if (playbook.events && playbook.events.length) return playbook.events.join("; ");
  const triggers = playbook.triggers || [];
  return triggers.map((t) => t.type === "schedule" ? `${t.cron} (${t.timezone})` : t.type === "event" ? `on ${t.event}` : "run by hand").join("; ");
}

function playbookCard(playbook) {
  const next = playbook.nextRunsText && playbook.nextRunsText.length ? playbook.nextRunsText
    : (playbook.upcomingRuns || playbook.nextRuns || []).slice(0, 3).map((r) => when(r.at || r));
  return el("div", { class: "pbcard", "data-playbook-id": playbook.id },
    el("h3", {}, playbook.name, " ", el("span", { class: `status ${playbook.status}` }, playbook.status)),
    el("div", { class: "muted" }, scheduleWords(playbook)),
    next.length ? el("div", { class: "muted" }, "Next: ", next.slice(0, 3).join(" · ")) : null,
    el("ol", {}, (playbook.steps || []).map((s) => el("li", {}, s.action.replaceAll("_", " "),
      s.condition ? el("span", { class: "muted" }, ` if ${s.condition}`) : null))));
}

function runChip(run) {
  const id = run.executionId || run.id;
  return el("div", { class: "row" }, el("span", { class: `status ${run.status}` }, run.status),
    el("span", {}, `Run of ${run.playbook || "a playbook"}`),
    el("button", { class: "small", onclick: () => openRun(id) }, "View run"));
}

// --- side panels ------------------------------------------------------------------------------

document.querySelectorAll(".tabs button").forEach((button) => button.addEventListener("click", () => {
  document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b === button));
  document.querySelectorAll(".tab").forEach((tab) => { tab.hidden = tab.id !== `tab-${button.dataset.tab}`; });
  refreshAll();
}));

async function refreshAll() {
  if (!state.me) return;
  await Promise.allSettled([refreshPlaybooks(), refreshApprovals(), refreshNotifications(), refreshActivity()]);
}

async function refreshPlaybooks() {
  const page = await api("/api/playbooks?limit=100");
  const items = page.items.filter((p) => p.status !== "archived");
  $("tab-playbooks").replaceChildren(...(items.length ? items.map(playbookItem)
    : [el("p", { class: "muted" }, "No playbooks yet. Ask for one in the chat.")]));
}

function playbookItem(p) {
  const paused = p.status === "paused";
  return el("div", { class: "item", "data-playbook-id": p.id },
    el("h4", {}, p.name, " ", el("span", { class: `status ${p.status}` }, p.status)),
    el("div", { class: "muted" }, scheduleWords(p)),
    el("div", { class: "muted" }, "Next run: ", p.status === "active" ? when(p.nextRunAt) : "—"),
    el("div", { class: "row" },
      el("button", { class: "small", onclick: () => runNow(p) }, "Run now"),
      el("button", { class: "small link", onclick: () => setStatus(p, paused ? "active" : "paused") }, paused ? "Resume" : "Pause"),
      el("button", { class: "small link", onclick: () => history(p) }, "Runs"),
      el("button", { class: "small link", onclick: () => remove(p) }, "Delete")));
}

async function runNow(p) {
  try {
    const started = await api(`/api/playbooks/${p.id}/execute`, { method: "POST", body: { triggeredBy: "manual" } });
    openRun(started.executionId);
  } catch (error) { alert(`Could not run ${p.name}: ${error.message}`); }
}

async function setStatus(p, status) {
  try { await api(`/api/playbooks/${p.id}`, { method: "PATCH", body: { status } }); }
  catch (error) { alert(error.message); }
  refreshPlaybooks();
}

async function remove(p) {
  $("confirm-text").textContent = `Delete “${p.name}”? Its schedule stops; its past runs stay in the history.`;
  $("confirm-dialog").showModal();
  $("confirm-dialog").addEventListener("close", async () => {
    if ($("confirm-dialog").returnValue !== "yes") return;
    try { await api(`/api/playbooks/${p.id}`, { method: "DELETE" }); } catch (error) { alert(error.message); }
    refreshPlaybooks();
  }, { once: true });
}

async function history(p) {
  const page = await api(`/api/playbooks/${p.id}/executions?limit=20`);
  $("run-title").textContent = `Runs of ${p.name}`;
  $("run-body").replaceChildren(...(page.items.length ? page.items.map((e) => el("div", { class: "step row" },
    el("span", { class: `status ${e.status}` }, e.status), el("span", {}, when(e.createdAt)),
    el("button", { class: "small link", onclick: () => openRun(e.id) }, "Open"))) : [el("p", { class: "muted" }, "No runs yet.")]));
  if (!$("run-dialog").open) $("run-dialog").showModal();
}

let watching = null;

async function openRun(id) {
  clearTimeout(watching);
  if (!$("run-dialog").open) $("run-dialog").showModal();
  const draw = async () => {
    let run;
    try { run = await api(`/api/executions/${id}`); } catch (error) { $("run-body").textContent = error.message; return; }
    $("run-title").replaceChildren("Run ", el("span", { class: `status ${run.status}`, id: "run-status" }, run.status));
    $("run-body").replaceChildren(...[
      el("div", { class: "muted" }, `Started ${when(run.startedAt || run.createdAt)}`, run.completedAt ? ` · finished ${when(run.completedAt)}` : ""),
      run.error ? el("div", { class: "error" }, run.error) : null,
      ...run.stepResults.map(stepView)].filter(Boolean));
    // Live while it runs, and (more slowly) while it waits on a person: read again until it settles.
    const again = { queued: 700, running: 700, waiting_approval: 2000, waiting: 5000 }[run.status];
    if (again && $("run-dialog").open) watching = setTimeout(draw, again);
    else refreshAll();
  };
  await draw();
}

function stepView(step) {
  const took = step.startedAt && step.completedAt ? `${Math.max(0, new Date(step.completedAt) - new Date(step.startedAt))} ms` : "";
  const output = step.output ? (step.output.summary || JSON.stringify(step.output, null, 2)) : null;
  return el("div", { class: "step", "data-step": step.action },
    el("div", { class: "row" }, el("strong", {}, `${step.index + 1}. ${step.action.replaceAll("_", " ")}`),
      el("span", { class: `status ${step.status}` }, step.status), el("span", { class: "muted" }, took)),
    step.error ? el("div", { class: "error" }, step.error) : null,
    output ? el("pre", {}, output.length > 4000 ? output.slice(0, 4000) + "…" : output) : null);
}

async function refreshApprovals() {
  const page = await api("/api/approvals?status=pending");
  $("approvals-count").hidden = !page.items.length;
  $("approvals-count").textContent = page.items.length;
  $("tab-approvals").replaceChildren(...(page.items.length ? page.items.map(approvalItem)
    : [el("p", { class: "muted" }, "Nothing is waiting on you.")]));
}

function approvalItem(a) {
  const decide = async (decision) => {
    try { await api(`/api/approvals/${a.id}`, { method: "POST", body: { decision } }); } catch (error) { alert(error.message); }
    refreshAll();
  };
  return el("div", { class: "item", "data-approval-id": a.id },
    el("h4", {}, a.kind === "price_change" ? "Price change" : "Approval", " ", el("span", { class: "status pending" }, "pending")),
    el("div", {}, a.prompt),
    el("div", { class: "muted" }, `Decide by ${when(a.expiresAt)} (then: ${a.onTimeout})`),
    el("div", { class: "row" },
      el("button", { class: "small", onclick: () => decide("approve") }, "Approve"),
      el("button", { class: "small link", onclick: () => decide("reject") }, "Reject"),
      el("button", { class: "small link", onclick: () => openRun(a.executionId) }, "Run")));
}

async function refreshNotifications() {
  let page;
  try { page = await api("/api/notifications?limit=30"); } catch (error) {
    $("tab-notifications").replaceChildren(el("p", { class: "muted" }, "Notifications are not available."));
    return;
  }
  const items = page.items || [];
  const unread = items.filter((n) => !n.readAt);
  $("notifications-count").hidden = !unread.length;
  $("notifications-count").textContent = unread.length;
  const read = async (n) => {
    try { await api(`/api/notifications/${n.id}/read`, { method: "POST" }); } catch (error) { alert(error.message); }
    refreshNotifications();
  };
  $("tab-notifications").replaceChildren(...(items.length ? items.map((n) => el("div", { class: "item", "data-notification-id": n.id },
    el("h4", {}, n.title || "Notification", n.readAt ? null : el("span", { class: "status pending" }, "new")),
    el("div", {}, n.body || ""),
    el("div", { class: "row" }, el("span", { class: "muted" }, when(n.createdAt)),
      n.readAt ? null : el("button", { class: "small link", onclick: () => read(n) }, "Mark read"),
      n.executionId ? el("button", { class: "small link", onclick: () => openRun(n.executionId) }, "Run") : null)))
    : [el("p", { class: "muted" }, "No notifications.")]));
}

async function refreshActivity() {
  const days = await api("/api/activity/runs-per-day?days=14");
  const svg = $("chart");
  const width = 340, height = 170, base = 150, bar = width / days.length;
  const most = Math.max(1, ...days.map((d) => Object.values(d.counts).reduce((a, b) => a + b, 0)));
  const seen = new Set();
  const ns = "http://www.w3.org/2000/svg";
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  days.forEach((d, i) => {
    let y = base;
    for (const [status, count] of Object.entries(d.counts)) {
      seen.add(status);
      const h = (count / most) * (base - 10);
      const rect = document.createElementNS(ns, "rect");
      Object.entries({ x: i * bar + 2, y: y - h, width: bar - 4, height: h, fill: STATUS_COLOURS[status] || "#999" })
        .forEach(([k, v]) => rect.setAttribute(k, v));
      const title = document.createElementNS(ns, "title");
      title.textContent = `${d.day}: ${count} ${status}`;
      rect.append(title);
      svg.append(rect);
      y -= h;
    }
    if (i % 2 === 0) {
      const label = document.createElementNS(ns, "text");
      Object.entries({ x: i * bar + bar / 2, y: height - 4, "text-anchor": "middle", "font-size": 9, fill: "#6b716d" })
        .forEach(([k, v]) => label.setAttribute(k, v));
      label.textContent = d.day.slice(5);
      svg.append(label);
    }
  });
  $("chart-legend").replaceChildren(...[...seen].map((s) => el("span", {}, el("i", { style: `background:${STATUS_COLOURS[s] || "#999"}` }), s)));
}

// --- start ------------------------------------------------------------------------------------

(async () => {
  try { await showApp(await api("/api/session")); } catch { showSignIn(); }
  setInterval(() => { if (state.me && !state.busy) { refreshApprovals().catch(() => {}); refreshNotifications().catch(() => {}); } }, 5000);
})();
