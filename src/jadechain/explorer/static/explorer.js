// jadechain explorer: hash routes over the REST API. Text is always set with textContent, never
// parsed as HTML, so ledger data cannot inject markup.
"use strict";

const API = "/api/v1";
const REFRESH_MS = 2000;
const BLOCKS_SHOWN = 10;
let refreshTimer = null;
let currentLedger = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function link(href, text, cls = "mono") {
  return el("a", { href, text: String(text), class: cls });
}

async function api(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.message || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function show(...nodes) {
  const view = document.getElementById("view");
  view.replaceChildren(...nodes);
}

function fail(error) {
  show(el("p", { class: "error", role: "alert", text: error.message }));
}

function table(rows) {
  const body = el("tbody");
  for (const [label, value] of rows) {
    const cell = el("td", { class: "mono" });
    cell.append(value instanceof Node ? value : String(value ?? ""));
    body.append(el("tr", {}, el("th", { text: label }), cell));
  }
  return el("table", {}, body);
}

function list(headers, rows, id) {
  const head = el("tr", {}, ...headers.map((h) => el("th", { text: h })));
  const body = el("tbody");
  for (const row of rows) {
    body.append(el("tr", {}, ...row.map((value) => {
      const cell = el("td", { class: "mono" });
      cell.append(value instanceof Node ? value : String(value ?? ""));
      return cell;
    })));
  }
  const attrs = id ? { id } : {};
  return el("table", attrs, el("thead", {}, head), body);
}

function when(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

function code(result) {
  const ok = result.code === "success";
  return el("span", { class: ok ? "ok" : "fail", text: result.code + (result.message ? `: ${result.message}` : "") });
}

function valueText(value) {
  if (!value) return "";
  return value.type === "json" ? value.value : `${value.type}: ${value.value}`;
}

// --- views ---------------------------------------------------------------------------------------

async function home() {
  const ledgers = await api("/ledgers");
  if (ledgers.length === 1) return ledgerView(ledgers[0].id);
  show(el("h1", { text: "Ledgers" }),
       list(["ledger", "name", "height"], ledgers.map((l) => [link(`#/ledger/${l.id}`, l.id), l.name, l.height])));
}

async function blockRows(ledger, height) {
  const heights = [];
  for (let h = height; h >= 0 && heights.length < BLOCKS_SHOWN; h--) heights.push(h);
  const blocks = await Promise.all(heights.map((h) => api(`/ledgers/${ledger}/blocks/${h}`)));
  return blocks.map((b) => [link(`#/block/${ledger}/${b.header.height}`, b.header.height),
                            b.hash, b.header.transaction_count, when(b.header.time_ms)]);
}

async function ledgerView(ledger) {
  currentLedger = ledger;
  const info = await api(`/ledgers/${ledger}`);
  const blocks = list(["height", "hash", "transactions", "time"], await blockRows(ledger, info.height), "latest-blocks");
  show(el("h1", { text: `Ledger ${info.name}` }),
       table([["id", info.id], ["height", info.height], ["crypto suite", info.suite],
              ["consensus", info.consensus_provider],
              ["participants", info.participants.map((p) => `${p.name} (${p.state}) ${p.address}`).join("\n")]]),
       el("h2", { text: "Latest blocks" }), blocks);
  refreshTimer = setInterval(async () => {
    try {
      const latest = await api(`/ledgers/${ledger}/blocks/latest`);
      const current = document.getElementById("latest-blocks");
      if (!current) return;
      current.replaceWith(list(["height", "hash", "transactions", "time"],
                               await blockRows(ledger, latest.header.height), "latest-blocks"));
    } catch (error) { /* keep the last good table; the next tick retries */ }
  }, REFRESH_MS);
}

async function blockView(ledger, height) {
  currentLedger = ledger;
  const block = await api(`/ledgers/${ledger}/blocks/${height}`);
  const txs = await api(`/ledgers/${ledger}/blocks/${height}/txs`);
  const h = block.header;
  show(el("h1", { text: `Block ${h.height}` }),
       table([["hash", block.hash], ["previous", h.previous_hash ? link(`#/block/${ledger}/${h.height - 1}`, h.previous_hash) : "(genesis)"],
              ["time", when(h.time_ms)], ["transactions", h.transaction_count],
              ["transactions root", h.transactions_root], ["results root", h.results_root], ["state root", h.state_root]]),
       el("h2", { text: "Transactions" }),
       list(["#", "hash", "result"], txs.map((t) => [t.result.index, link(`#/tx/${ledger}/${t.hash}`, t.hash), code(t.result)]), "block-transactions"));
}

async function txView(ledger, hash) {
  currentLedger = ledger;
  const view = await api(`/ledgers/${ledger}/txs/${hash}`);
  const content = view.transaction.content;
  const ops = content.operations.map((op, i) => {
    const result = view.result.operation_results[i];
    return [i, op.type, el("pre", { text: JSON.stringify(op, null, 1) }), result ? valueText(result) : ""];
  });
  show(el("h1", { text: "Transaction" }),
       table([["hash", view.hash], ["block", link(`#/block/${ledger}/${view.result.height}`, view.result.height)],
              ["time", when(content.time_ms)], ["result", code(view.result)],
              ["signers", view.transaction.endpoint_signatures.map((s) => s.public_key).join("\n")]]),
       el("h2", { text: "Operations" }),
       list(["#", "operation", "content", "result"], ops, "operations"));
}

async function accountView(ledger, address) {
  currentLedger = ledger;
  let account;
  try {
    account = await api(`/ledgers/${ledger}/accounts/${address}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    const user = await api(`/ledgers/${ledger}/users/${address}`);
    return show(el("h1", { text: "User" }),
                table([["address", user.address], ["public key", user.public_key], ["state", user.state],
                       ["roles", user.roles.join(", ")], ["policy", user.policy]]));
  }
  const entries = account.kind === "data" ? await api(`/ledgers/${ledger}/accounts/${address}/entries?limit=100`) : [];
  show(el("h1", { text: `${account.kind} account` }),
       table([["address", account.address], ["owners", account.owners.join("\n")],
              ["writer role", account.writer_role || ""], ["frozen", account.frozen]]),
       el("h2", { text: "Entries" }),
       list(["key", "version", "value"], entries.map((e) => [
         link(`#/entry/${ledger}/${address}/${encodeURIComponent(e.key)}`, e.key), e.version, valueText(e.value)]), "entries"));
}

async function entryView(ledger, address, key) {
  currentLedger = ledger;
  const history = await api(`/ledgers/${ledger}/accounts/${address}/entries/${encodeURIComponent(key)}/history?limit=1000`);
  show(el("h1", { text: `Entry ${key}` }),
       table([["account", link(`#/account/${ledger}/${address}`, address)], ["versions", history.length]]),
       el("h2", { text: "History" }),
       list(["version", "value"], history.map((e) => [e.version, valueText(e.value)]), "history"));
}

async function search(query) {
  const ledgers = await api("/ledgers");
  const ledger = currentLedger || (ledgers[0] && ledgers[0].id);
  if (!ledger) throw new Error("no ledger to search");
  const q = query.trim();
  if (/^\d+$/.test(q)) return (location.hash = `#/block/${ledger}/${q}`);
  try {
    await api(`/ledgers/${ledger}/txs/${q}`);
    return (location.hash = `#/tx/${ledger}/${q}`);
  } catch (error) { if (error.status !== 404 && error.status !== 400) throw error; }
  for (const kind of ["accounts", "users"]) {
    try {
      await api(`/ledgers/${ledger}/${kind}/${q}`);
      return (location.hash = `#/account/${ledger}/${q}`);
    } catch (error) { if (error.status !== 404 && error.status !== 400) throw error; }
  }
  throw new Error(`nothing found for "${q}"`);
}

// --- routing -------------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/ledger\/([^/]+)$/, ledgerView],
  [/^#\/block\/([^/]+)\/(\d+)$/, blockView],
  [/^#\/tx\/([^/]+)\/([^/]+)$/, txView],
  [/^#\/account\/([^/]+)\/([^/]+)$/, accountView],
  [/^#\/entry\/([^/]+)\/([^/]+)\/(.+)$/, (l, a, k) => entryView(l, a, decodeURIComponent(k))],
];

async function route() {
  clearInterval(refreshTimer);
  for (const [pattern, view] of ROUTES) {
    const match = location.hash.match(pattern);
    if (match) return view(...match.slice(1)).catch(fail);
  }
  return home().catch(fail);
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  search(document.getElementById("search-input").value).catch(fail);
});
window.addEventListener("hashchange", route);
route();
