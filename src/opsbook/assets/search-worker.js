/* opsbook's search worker: Material for MkDocs' search box, answered from a Pagefind index.
 *
 * Material's page script starts the worker named in its __config ("search"), sends it SETUP
 * with search/search_index.json (which opsbook writes with no documents), waits for READY, then
 * sends QUERY with the box's text at every key and renders each RESULT. Material's own worker
 * answers only once the whole index (tens of MB at 10,000 documents) has arrived; this one asks
 * Pagefind, which loads the few index chunks a query's words are in and the fragments of the
 * best pages, so the first result shows before the index is all there.
 *
 * The messages are Material's (src/templates/assets/javascripts/integrations/search/worker/
 * message): SETUP 0, READY 1, QUERY 2, RESULT 3; a RESULT is {items: SearchItem[][]}, one
 * array per page, the page first, then its sections. Material inserts titles and texts as
 * HTML: every string from the index is escaped here, only Pagefind's <mark> is kept.
 */
"use strict";

const SETUP = 0;
const READY = 1;
const QUERY = 2;
const RESULT = 3;

// Pages listed per query, each costing one fragment request: the first FIRST are fetched in
// one round (a browser opens six connections to a host) and shown, then up to SHOWN.
const FIRST = 5;
const SHOWN = 20;
// Sections listed under a page ("N more on this page").
const SECTIONS = 3;
// The box sends a query at every key: one typed within this many ms of the next is not
// asked (each asked query costs its index chunks and ten fragments).
const SETTLE_MS = 80;
// Shorter queries are not asked: one letter matches nearly every word.
const SHORTEST = 2;

// The site root and Pagefind's bundle, from this file's own place (assets/ at the root).
const ROOT = new URL("../", self.location.href);
const bundle = new URL("pagefind/", ROOT);

let pagefind = null;
let loading = null;
// Only the latest query is answered: the box sends one per key typed.
let latest = 0;

function load() {
  if (loading === null) {
    loading = (async () => {
      const module = await import(new URL("pagefind.js", bundle).href);
      await module.options({ basePath: bundle.href, baseUrl: "/", excerptLength: 24 });
      await module.init();
      pagefind = module;
      return module;
    })();
    // A failed load (a network blip) is tried again at the next query, not kept failed.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

// Pagefind's excerpts are the page's text with <mark> around the words found.
function excerptHtml(excerpt) {
  const text = String(excerpt || "")
    .replace(/<(\/?)mark>/g, "\u0000$1\u0001")
    .replace(/<[^>]*>/g, "");
  const decoded = text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, "&");
  return escapeHtml(decoded)
    .replace(/\u0000\u0001/g, "<mark>")
    .replace(/\u0000\/\u0001/g, "</mark>");
}

// Material's location: a path relative to the site root (it resolves it against its base).
function siteRelative(url) {
  return String(url || "").replace(/^\/+/, "");
}

// The query's words, as Material's highlighting (?h=) and "missing" terms want them.
function terms(query) {
  const found = {};
  for (const word of query.toLowerCase().split(/[\s\-,:;!=\[\]()"`/|]+/)) {
    if (word) found[word] = true;
  }
  return found;
}

function title(data) {
  const meta = data.meta || {};
  return escapeHtml(String(meta.title || data.url || "").replace(/\s*¶\s*$/, ""));
}

function item(data, score, words) {
  const page = siteRelative(data.url);
  const article = {
    location: page,
    title: title(data),
    text: excerptHtml(data.excerpt),
    score,
    terms: words,
  };
  const sections = [];
  for (const sub of data.sub_results || []) {
    const at = siteRelative(sub.url);
    if (at === page || !at.includes("#") || sections.length >= SECTIONS) continue;
    sections.push({
      location: at,
      title: escapeHtml(String(sub.title || "").replace(/\s*¶\s*$/, "")),
      text: excerptHtml(sub.excerpt),
      // Below the page's score: Material folds them under "N more on this page".
      score: score * 0.5,
      terms: words,
    });
  }
  return [article, ...sections];
}

function items(datas, results, words) {
  return datas.map((data, i) => item(data, results[i].score * 1000, words));
}

// A document's id lists that document first (its box marks the id as `id` metadata).
function ownFirst(list, datas, text) {
  const wanted = text.toUpperCase();
  const own = datas.findIndex((data) => String((data.meta || {}).id || "").toUpperCase() === wanted);
  if (own > 0) {
    const [first] = list.splice(own, 1);
    first[0].score = list[0][0].score + 1;
    list.unshift(first);
  }
  return list;
}

// Answers one query: the first pages as soon as their fragments are in, then the rest.
async function answer(query, reply) {
  const mine = ++latest;
  const text = String(query || "").trim();
  if (text.length < SHORTEST) return reply({ items: [] });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  if (mine !== latest) return;
  const module = pagefind || (await load());
  if (mine !== latest) return;
  const found = await module.search(text);
  if (mine !== latest || !found || !found.results) return;
  const words = terms(text);
  const best = found.results.slice(0, SHOWN);
  const first = await Promise.all(best.slice(0, FIRST).map((result) => result.data()));
  if (mine !== latest) return;
  reply({ items: ownFirst(items(first, best, words), first, text) });
  if (best.length <= FIRST) return;
  const rest = await Promise.all(best.slice(FIRST).map((result) => result.data()));
  if (mine !== latest) return;
  const all = [...first, ...rest];
  reply({ items: ownFirst(items(all, best, words), all, text) });
}

// Start loading Pagefind's entry, wasm and metadata now, not at the first key.
load().catch(() => {});

addEventListener("message", async (event) => {
  const message = event.data || {};
  switch (message.type) {
    case SETUP:
      postMessage({ type: READY });
      break;
    case QUERY:
      try {
        await answer(message.data, (data) => postMessage({ type: RESULT, data }));
      } catch (err) {
        console.warn(`opsbook search: ${err}`);
        postMessage({ type: RESULT, data: { items: [] } });
      }
      break;
    default:
      break;
  }
});
