// Facteur's dashboard: plain JavaScript over the admin JSON API (docs/dashboard.md).
// Everything it shows comes from /api/ with the token the user typed; every text from the
// server goes in as textContent, never as HTML, since replies and addresses come from strangers.
'use strict';

(() => {
  const TOKEN_KEY = 'facteur.token';
  const SUMMARY_EVERY_MS = 5000;
  const ACTIVITY_EVERY_MS = 30000;
  const MAX_PERIOD_MS = 60000; // however slow the server, the page is never more than a minute behind
  const PAGE = 50; // messages per page of the list: never the whole queue

  const $ = (id) => document.getElementById(id);
  const SVG = $('throughput-chart').namespaceURI; // the page's <svg> elements are in the SVG namespace already
  let token = sessionStorage.getItem(TOKEN_KEY);

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, method = 'GET') {
    const response = await fetch(path, {
      method,
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store',
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: an endpoint this server does not have, or a proxy's page
    }
    if (!response.ok) {
      const message = body && body.message ? body.message : response.status + ' ' + response.statusText;
      throw new ApiError(response.status, message);
    }
    return body;
  }

  /**
   * Shows what went wrong. What the user asked for (an action, a search) stays until the
   * next thing they ask (sticky); a refresh's trouble goes with the next refresh that works.
   */
  function report(e, sticky = false) {
    if (!token) return; // signed out already: the other requests' answers say nothing new
    if (e instanceof ApiError && e.status === 401) {
      signOut('The server refused this token (401: ' + e.message + '). Enter a token from [admin] token_file.');
    } else if (e instanceof ApiError && e.status === 403) {
      showError('This token may only read (403): the actions on messages need a token with the operate scope. ' + e.message, sticky);
    } else if (e instanceof ApiError) {
      showError(e.status + ': ' + e.message, sticky);
    } else {
      showError('The server does not answer: ' + e.message, sticky);
    }
  }

  let errorSticky = false;

  function showError(text, sticky = false) {
    const p = $('error');
    p.textContent = text;
    p.hidden = false;
    errorSticky = sticky;
  }

  /** Hides the error; a sticky one only when {@code asked} (the user did something new). */
  function clearError(asked = false) {
    if (errorSticky && !asked) return;
    $('error').hidden = true;
    errorSticky = false;
  }

  function notice(text) {
    const p = $('notice');
    p.textContent = text;
    p.hidden = !text;
  }

  // ---------------------------------------------------------------- building the page

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes)) {
      if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function svg(tag, attributes = {}, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
    for (const c of children) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  function rows(tbody, items, row, empty) {
    const cells = tbody.closest('table').tHead.rows[0].cells.length;
    tbody.replaceChildren(...(items.length ? items.map(row) : [el('tr', {}, el('td', { colspan: cells, class: 'empty' }, empty))]));
  }

  const pad = (n) => String(n).padStart(2, '0');

  /** A time in the browser's zone, to the second. */
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
      pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function clock(iso) {
    const d = new Date(iso);
    return pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  function age(iso) {
    if (!iso) return '–';
    let s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    s %= 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + s + 's';
    return s + 's';
  }

  const number = (n) => Number(n).toLocaleString();

  // ---------------------------------------------------------------- refreshing without piling up

  /**
   * A load that runs once at a time: asked again while it runs, it runs once more after;
   * with a period, it comes back that long after it ends (not after it starts), so a slow
   * server gets one request at a time, and ten times as long as the load took when that is
   * longer (a summary of a huge queue reads every message: the page must not keep the server
   * busy). Skipped while the tab is hidden.
   */
  function refresher(load, periodMs) {
    let running = false;
    let again = false;
    let timer = null;
    async function run() {
      if (!token) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      const started = performance.now();
      try {
        if (!document.hidden) await load();
      } catch (e) {
        report(e);
      } finally {
        running = false;
      }
      if (again) {
        again = false;
        run();
      } else if (periodMs && token) {
        timer = setTimeout(run, Math.min(MAX_PERIOD_MS, Math.max(periodMs, 10 * (performance.now() - started))));
      }
    }
    run.stop = () => clearTimeout(timer);
    return run;
  }

  // ---------------------------------------------------------------- the queue's summary

  async function loadSummary() {
    const s = await api('/api/queue/summary');
    $('total').textContent = number(s.total);
    $('total-active').textContent = number(s.states.active);
    $('total-deferred').textContent = number(s.states.deferred);
    $('total-held').textContent = number(s.states.held);
    $('oldest').textContent = s.oldest ? age(s.oldest) : 'none';
    $('oldest').title = s.oldest ? when(s.oldest) : '';
    rows($('destinations').tBodies[0], s.destinations, (d) => el('tr', {},
      el('td', {}, d.domain), el('td', { class: 'n' }, number(d.messages)), el('td', { class: 'n' }, number(d.deferred)),
      el('td', { class: 'reply' }, d.last_reply || '')), 'No message is waiting.');
    $('status').textContent = 'Updated at ' + when(new Date().toISOString()).slice(11);
    clearError();
  }

  // ---------------------------------------------------------------- activity: charts and failing destinations

  const W = 640, H = 180, LEFT = 40, RIGHT = 8, TOP = 10, BOTTOM = 24;

  /** A round top for the y axis: 1, 2 or 5 times a power of ten. */
  function roundUp(n) {
    if (n <= 5) return 5;
    const p = Math.pow(10, Math.floor(Math.log10(n)));
    for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
    return 10 * p;
  }

  /** The frame every chart shares: the y axis from 0 to top, and a few times along x. */
  function frame(chart, buckets, top) {
    const plotH = H - TOP - BOTTOM;
    chart.append(svg('line', { x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM, class: 'axis' }));
    for (const v of [0, top / 2, top]) {
      const y = H - BOTTOM - (v / top) * plotH;
      chart.append(svg('line', { x1: LEFT, y1: y, x2: W - RIGHT, y2: y, class: 'grid' }));
      chart.append(svg('text', { x: LEFT - 4, y: y + 4, class: 'label end' }, number(v)));
    }
    const step = (W - LEFT - RIGHT) / buckets.length;
    const ticks = 4;
    for (let i = 0; i <= ticks; i++) {
      const b = Math.min(buckets.length - 1, Math.round((i * (buckets.length - 1)) / ticks));
      const x = LEFT + step * (b + 0.5);
      const anchor = i === 0 ? 'start' : i === ticks ? 'end' : 'middle'; // the ends stay inside the frame
      chart.append(svg('text', { x: i === 0 ? LEFT : i === ticks ? W - RIGHT : x, y: H - 6, class: 'label ' + anchor }, clock(buckets[b].start)));
    }
    return { step, scale: (v) => (v / top) * plotH };
  }

  function throughputChart(chart, buckets) {
    chart.replaceChildren();
    const top = roundUp(Math.max(1, ...buckets.map((b) => Math.max(b.accepted, b.delivered))));
    const { step, scale } = frame(chart, buckets, top);
    for (const series of ['accepted', 'delivered']) {
      const points = buckets.map((b, i) => (LEFT + step * (i + 0.5)).toFixed(1) + ',' + (H - BOTTOM - scale(b[series])).toFixed(1));
      chart.append(svg('polyline', { points: points.join(' '), class: 'line ' + series }));
    }
    buckets.forEach((b, i) => { // a hover target per bucket, with its numbers
      chart.append(svg('rect', { x: LEFT + step * i, y: TOP, width: step, height: H - TOP - BOTTOM, class: 'hover' },
        svg('title', {}, clock(b.start) + ': ' + b.accepted + ' accepted, ' + b.delivered + ' delivered')));
    });
  }

  const OUTCOMES = ['delivered', 'deferred', 'bounced', 'expired'];

  function outcomeChart(chart, buckets) {
    chart.replaceChildren();
    const top = roundUp(Math.max(1, ...buckets.map((b) => OUTCOMES.reduce((s, o) => s + b[o], 0))));
    const { step, scale } = frame(chart, buckets, top);
    buckets.forEach((b, i) => {
      let y = H - BOTTOM;
      const g = svg('g', {}, svg('title', {}, clock(b.start) + ': ' + OUTCOMES.map((o) => b[o] + ' ' + o).join(', ')));
      for (const o of OUTCOMES) {
        if (!b[o]) continue;
        const h = Math.max(1, scale(b[o]));
        y -= h;
        g.append(svg('rect', { x: (LEFT + step * i + step * 0.1).toFixed(1), y: y.toFixed(1), width: (step * 0.8).toFixed(1),
          height: h.toFixed(1), class: 'bar ' + o }));
      }
      chart.append(g);
    });
  }

  async function loadActivity() {
    const a = await api('/api/activity?hours=' + encodeURIComponent($('hours').value));
    const sum = (k) => a.buckets.reduce((s, b) => s + b[k], 0);
    $('sum-accepted').textContent = number(sum('accepted'));
    $('sum-delivered').textContent = number(sum('delivered'));
    $('sum-outcome-delivered').textContent = number(sum('delivered'));
    for (const o of ['deferred', 'bounced', 'expired']) $('sum-' + o).textContent = number(sum(o));
    throughputChart($('throughput-chart'), a.buckets);
    outcomeChart($('outcome-chart'), a.buckets);
    rows($('failing').tBodies[0], a.failing, (f) => el('tr', {},
      el('td', {}, f.domain), el('td', { class: 'n' }, number(f.failures)), el('td', { class: 'reply' }, f.last_reply || ''),
      el('td', { title: when(f.last_at) }, age(f.last_at) + ' ago')), 'No failure in this window.');
  }

  // ---------------------------------------------------------------- the list, a page at a time

  let cursor = null;

  function listQuery() {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData($('filters'))) if (String(v).trim()) p.set(k, String(v).trim());
    p.set('limit', PAGE);
    return p;
  }

  function messageRow(m) {
    const open = el('button', { type: 'button', class: 'link', 'data-open': m.id }, m.id);
    const to = m.recipients.map((r) => r.address);
    return el('tr', { 'data-id': m.id },
      el('td', {}, open), el('td', {}, when(m.arrival)), el('td', {}, m.sender || '<>'),
      el('td', { title: to.join(', ') }, to[0] + (to.length > 1 ? ' +' + (to.length - 1) : '')),
      el('td', {}, el('span', { class: 'state ' + m.state }, m.state)), el('td', { class: 'n' }, m.attempts),
      el('td', {}, m.next_attempt ? when(m.next_attempt) : '–'));
  }

  /** The first page again (after a filter or an action), or the next one. */
  async function loadList(more = false) {
    const p = listQuery();
    if (more && cursor) p.set('cursor', cursor);
    const page = await api('/api/queue?' + p);
    const tbody = $('message-list').tBodies[0];
    const added = page.messages.map(messageRow);
    if (more) tbody.append(...added);
    else rows(tbody, page.messages, messageRow, 'No message matches.');
    cursor = page.next_cursor;
    $('more').hidden = !cursor;
    $('list-end').textContent = cursor ? '' : tbody.rows.length > 0 && page.messages.length ? 'End of the list.' : '';
  }

  const refreshList = refresher(() => loadList(false));
  const moreList = refresher(() => loadList(true));

  // ---------------------------------------------------------------- one message and its path

  let shown = null; // the message in the detail panel

  /** One history event as a line of the timeline (fields as in facteur trace --json). */
  function step(e) {
    let text;
    switch (e.e) {
      case 'received':
        text = 'Received from ' + (e.client_name || '') + (e.client ? ' [' + e.client + ']' : '') +
          (e.proto ? ' over ' + e.proto : '') + (e.tls ? ' (' + e.tls + ')' : '') + ': from <' + (e.from || '') + '> to ' +
          (e.to || []).join(', ') + (e.size ? ', ' + number(e.size) + ' octets' : '') + (e.message_id ? ', ' + e.message_id : '');
        break;
      case 'attempt':
        text = 'Attempt ' + e.attempt + ' for ' + e.rcpt + ': ' + e.result + (e.relay ? ' via ' + e.relay : '') +
          (e.tls ? ' (' + e.tls + ')' : '') + (e.reply ? ': ' + e.reply : '');
        break;
      case 'gave_up':
        text = 'Gave up on ' + e.rcpt + (e.reason ? ': ' + e.reason : '');
        break;
      case 'dsn':
        text = 'Delivery status notification ' + e.dsn + ' (' + e.action + ') sent to ' + (e.to || '<>') +
          (e.about && e.about.length ? ' about ' + e.about.join(', ') : '');
        break;
      case 'removed':
        text = 'Left the queue' + (e.reason ? ': ' + e.reason : '');
        break;
      default:
        text = e.e;
    }
    const kind = e.e === 'attempt' ? 'attempt ' + e.result : e.e;
    return el('li', { class: kind }, el('time', { datetime: e.t }, when(e.t)), ' ', text);
  }

  function timeline(list, events) {
    list.replaceChildren(...(events.length ? events.map(step)
      : [el('li', { class: 'empty' }, 'No history for this message (is [history] on?).')]));
  }

  async function openMessage(id) {
    const m = await api('/api/queue/' + encodeURIComponent(id));
    shown = m;
    $('detail-id').textContent = m.id;
    const fields = [['State', m.state], ['Arrival', when(m.arrival)], ['Sender', m.sender || '<>'], ['Size', number(m.size) + ' octets'],
      ['Attempts', m.attempts], ['Next attempt', m.next_attempt ? when(m.next_attempt) : '–']];
    $('detail-fields').replaceChildren(...fields.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', { 'data-field': k }, v))));
    rows($('detail-recipients').tBodies[0], m.recipients, (r) => el('tr', {},
      el('td', {}, r.address), el('td', {}, r.state), el('td', { class: 'reply' }, r.diagnostic || '')), 'No recipient.');
    timeline($('detail-timeline'), m.history || []);
    for (const b of $('actions').querySelectorAll('button[data-action]')) {
      const a = b.dataset.action;
      b.disabled = (a === 'hold' && m.state === 'held') || (a === 'release' && m.state !== 'held');
    }
    $('detail').hidden = false;
  }

  function closeMessage() {
    shown = null;
    $('detail').hidden = true;
  }

  // ---------------------------------------------------------------- actions, each confirmed first

  const WHAT = {
    hold: 'Hold message %s? It stays in the queue, untried, until released.',
    release: 'Release message %s? It is tried again at once.',
    flush: 'Flush message %s? It is tried at once, whatever its schedule.',
    bounce: 'Bounce message %s? Its pending recipients fail and the sender gets a notification. This cannot be undone.',
    delete: 'Delete message %s? It leaves the queue without any notification. This cannot be undone.',
  };

  /** Asks in the page's own dialog; resolves true when the user confirmed. */
  function confirmed(text, verb) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = verb.charAt(0).toUpperCase() + verb.slice(1);
    $('confirm-ok').className = verb === 'bounce' || verb === 'delete' ? 'danger' : '';
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  async function act(verb) {
    if (!shown) return;
    const id = shown.id;
    if (!(await confirmed(WHAT[verb].replace('%s', id), verb))) return;
    notice('');
    clearError(true);
    try {
      const r = await api('/api/queue/' + encodeURIComponent(id) + '/' + verb, 'POST');
      notice(r && r.message ? r.message : id + ': ' + verb + ' done'); // the server's message names the message
    } catch (e) {
      report(e, true);
    }
    try {
      if (verb === 'delete' || verb === 'bounce') closeMessage();
      else await openMessage(id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) closeMessage(); // delivered or gone meanwhile
      else report(e);
    }
    refreshList();
    refreshSummary();
  }

  // ---------------------------------------------------------------- search

  async function search(q) {
    const r = await api('/api/history?limit=20&q=' + encodeURIComponent(q));
    const out = $('search-results');
    if (!r.messages.length) {
      out.replaceChildren(el('p', { class: 'empty' }, 'Nothing found for ' + q + ' in the delivery history.'));
      return;
    }
    out.replaceChildren(...r.messages.map((m) => {
      const head = el('h3', {}, m.queue_id, m.message_id ? ' ' : '', m.message_id ? el('span', { class: 'hint' }, m.message_id) : null);
      if (m.queued) {
        head.append(' ', el('button', { type: 'button', class: 'link', 'data-open': m.queue_id }, 'in the queue: open'));
      }
      const list = el('ol', { class: 'timeline' });
      timeline(list, m.events || []);
      return el('article', { class: 'trace', 'data-queue-id': m.queue_id }, head, list);
    }));
  }

  // ---------------------------------------------------------------- signing in and out

  const refreshSummary = refresher(loadSummary, SUMMARY_EVERY_MS);
  const refreshActivity = refresher(loadActivity, ACTIVITY_EVERY_MS);

  function signOut(why) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    refreshSummary.stop();
    refreshActivity.stop();
    $('app').hidden = true;
    $('change-token').hidden = true;
    $('login').hidden = false;
    $('token').value = '';
    $('token').focus();
    if (why) showError(why, true);
    else clearError(true);
  }

  function signIn() {
    $('login').hidden = true;
    $('app').hidden = false;
    $('change-token').hidden = false;
    refreshSummary();
    refreshActivity();
    refreshList();
  }

  function wire() {
    $('login').addEventListener('submit', (e) => {
      e.preventDefault();
      token = $('token').value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      clearError(true);
      signIn();
    });
    $('change-token').addEventListener('click', () => signOut());
    $('hours').addEventListener('change', () => refreshActivity());
    $('filters').addEventListener('submit', (e) => {
      e.preventDefault();
      refreshList();
    });
    $('more').addEventListener('click', () => moreList());
    document.addEventListener('click', (e) => {
      const open = e.target.closest('[data-open]');
      if (open) openMessage(open.dataset.open).then(() => $('detail').scrollIntoView({ block: 'start' }), (err) => report(err, true));
    });
    $('detail-close').addEventListener('click', closeMessage);
    for (const b of $('actions').querySelectorAll('button[data-action]')) {
      b.addEventListener('click', () => act(b.dataset.action));
    }
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const q = $('q').value.trim();
      clearError(true);
      if (q) search(q).catch((err) => report(err, true));
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && token) refreshSummary();
    });
  }

  wire();
  if (token) signIn();
  else signOut();
})();
