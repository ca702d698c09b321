/*
 * Trail provisioner console: a static page over the self-service JSON API (docs/openapi.yaml).
 * No framework, no inline script or style (the page's CSP forbids both), no data kept but the
 * bearer token, in sessionStorage (this tab only). Every text from the API (trail names, error
 * messages) goes into the page as text nodes, never as HTML.
 */
(function () {
  'use strict';

  const TOKEN_KEY = 'trail-console-token';
  const ACCOUNT_KEY = 'trail-console-account';
  const $ = (id) => document.getElementById(id);
  const state = { token: '', account: '', schema: null, trails: [], editing: null, planned: null, report: null };

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  function clear(node) {
    while (node.firstChild) node.firstChild.remove();
    return node;
  }
  function setStatus(text) {
    $('status').textContent = text || '';
  }

  /** An API failure: the envelope {RequestId, Code, Message, Errors?} and the HTTP status. */
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.Message) || `HTTP ${status}`);
      this.status = status;
      this.code = (body && body.Code) || `HTTP${status}`;
      this.requestId = body && body.RequestId;
      this.errors = Array.isArray(body && body.Errors) ? body.Errors : [];
    }
  }

  async function api(method, path, body) {
    // No token: behind a gateway that signs requests for FC's signature auth (TRAIL_HTTP_AUTH=fc).
    const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
    if (state.account) headers['X-Trail-Account-Id'] = state.account;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch {
      throw new ApiError(0, { Code: 'NetworkError', Message: 'The API could not be reached.' });
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { Message: text.slice(0, 200) };
    }
    if (!res.ok) {
      if (res.status === 401) signOut('The token was refused (Unauthorized). Sign in again.');
      throw new ApiError(res.status, json);
    }
    return json;
  }

  function showAlert(err, context) {
    const box = $('alert');
    clear(box);
    if (!err) {
      box.hidden = true;
      return;
    }
    const line = el('p', {}, context ? `${context}: ` : '', el('code', { text: err.code || 'Error' }), err.status ? ` (HTTP ${err.status})` : '', ` — ${err.message}`);
    box.append(line);
    if (err.requestId) box.append(el('p', { class: 'hint', text: `Request id ${err.requestId}` }));
    box.hidden = false;
  }

  // ---------- sign in ----------

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    for (const id of ['trails-view', 'compliance-view', 'nav', 'account-box']) $(id).hidden = true;
    $('signin').hidden = false;
    setStatus(message || 'Signed out.');
    $('token').value = '';
    $('token').focus();
  }

  async function signIn(token) {
    state.token = token;
    try {
      const accounts = await api('GET', '/accounts');
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      fillAccounts(accounts);
    } catch (e) {
      if (e.status !== 401) showAlert(e, 'Sign in failed');
      return false;
    }
    $('signin').hidden = true;
    $('nav').hidden = false;
    $('account-box').hidden = false;
    showAlert(null);
    await showTrails();
    return true;
  }

  function fillAccounts(res) {
    const select = clear($('account'));
    for (const a of res.Accounts || []) select.append(el('option', { value: a.Own ? '' : a.AccountId, text: a.Own ? `${a.AccountId} (this account)` : a.AccountId }));
    if (!(res.Accounts || []).some((a) => a.Own)) select.prepend(el('option', { value: '', text: 'This account' }));
    if (res.AnyAccount) select.append(el('option', { value: '*other', text: 'Other account…' }));
    const saved = sessionStorage.getItem(ACCOUNT_KEY) || '';
    const known = [...select.options].some((o) => o.value === saved);
    select.value = known ? saved : res.AnyAccount && saved ? '*other' : '';
    $('account-other').hidden = select.value !== '*other';
    if (select.value === '*other') $('account-other').value = saved;
    state.account = select.value === '*other' ? saved : select.value;
  }

  function accountChanged() {
    const v = $('account').value;
    $('account-other').hidden = v !== '*other';
    if (v === '*other') {
      $('account-other').focus();
      return;
    }
    useAccount(v);
  }

  function useAccount(id) {
    state.account = id;
    sessionStorage.setItem(ACCOUNT_KEY, id);
    closeEditor();
    if (!$('compliance-view').hidden) return;
    void loadTrails();
  }

  // ---------- trails ----------

  async function showTrails() {
    $('compliance-view').hidden = true;
    $('trails-view').hidden = false;
    $('nav-trails').setAttribute('aria-current', 'page');
    $('nav-compliance').removeAttribute('aria-current');
    await loadTrails();
  }

  let listing = 0;
  async function loadTrails(focus = true) {
    const mine = ++listing;
    setStatus('Loading trails…');
    try {
      const res = await api('GET', '/trails');
      // A newer listing (refresh, account change) was asked for meanwhile: it wins.
      if (mine !== listing) return;
      state.trails = res.TrailList || [];
      renderTrails();
      showAlert(null);
      setStatus(`${state.trails.length} trail(s)${state.account ? ` in account ${state.account}` : ''}.`);
      if (focus) $('trails-title').focus();
      await loadDelivery();
    } catch (e) {
      if (mine !== listing) return;
      state.trails = [];
      renderTrails();
      setStatus('');
      showAlert(e, 'Listing trails failed');
    }
  }

  function destinations(t) {
    const out = [];
    if (t.OssBucketName) out.push(`OSS ${t.OssBucketName}${t.OssKeyPrefix ? `/${t.OssKeyPrefix}` : ''}`);
    if (t.SlsProjectArn) out.push(`SLS ${t.SlsProjectArn.split('project/')[1] || t.SlsProjectArn}`);
    if (t.MaxComputeProjectArn) out.push(`MaxCompute ${t.MaxComputeProjectArn.split('project/')[1] || t.MaxComputeProjectArn}`);
    return out;
  }

  function statusBadge(status) {
    const cls = status === 'Enable' ? 'ok' : status === 'Disable' ? 'bad' : 'warn';
    return el('span', { class: `badge ${cls}`, text: status || 'unknown' });
  }

  function renderTrails() {
    const body = clear($('trails').querySelector('tbody'));
    $('trails-empty').hidden = state.trails.length > 0;
    for (const t of state.trails) {
      const name = el('td', {}, el('span', { text: t.Name }));
      if (t.Protected) name.append(' ', el('span', { class: 'badge protected', title: 'Protected by guardrails', text: 'protected' }));
      if (t.IsOrganizationTrail) name.append(' ', el('span', { class: 'badge', text: 'organization' }));
      const actions = el('td', { class: 'actions' });
      actions.append(el('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${t.Name}`, onclick: () => openEditor(t) }, 'Edit'));
      if (t.Status !== 'Enable') {
        actions.append(' ', el('button', { type: 'button', 'aria-label': `Start logging ${t.Name}`, onclick: () => startLogging(t.Name) }, 'Start logging'));
      }
      body.append(
        el(
          'tr',
          { 'data-trail': t.Name },
          name,
          el('td', {}, statusBadge(t.Status)),
          el('td', { 'data-col': 'logging', text: '…' }),
          el('td', { text: t.HomeRegion || '' }),
          el('td', {}, destinations(t).map((d) => el('div', { text: d }))),
          el('td', { 'data-col': 'delivery', text: '…' }),
          actions,
        ),
      );
    }
  }

  /** GET /trails/{name} for each trail (a few at a time): IsLogging and delivery health. */
  async function loadDelivery() {
    const queue = state.trails.map((t) => t.Name);
    const account = state.account;
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        let res;
        try {
          res = await api('GET', `/trails/${encodeURIComponent(name)}`);
        } catch (e) {
          res = { error: e };
        }
        if (account !== state.account) return;
        const row = [...$('trails').querySelectorAll('tbody tr')].find((r) => r.getAttribute('data-trail') === name);
        if (row) renderDelivery(row, res);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  function renderDelivery(row, res) {
    const logging = clear(row.querySelector('[data-col="logging"]'));
    const delivery = clear(row.querySelector('[data-col="delivery"]'));
    if (res.error) {
      logging.textContent = '?';
      delivery.append(el('span', { class: 'bad', text: `${res.error.code}` }));
      return;
    }
    logging.append(el('span', { class: `badge ${res.IsLogging ? 'ok' : 'bad'}`, text: res.IsLogging ? 'logging' : 'not logging' }));
    // Only the destinations the trail has: the status of one it does not have says nothing.
    const t = res.Trail || {};
    const problems = [];
    if (t.OssBucketName && res.LatestDeliveryError) problems.push(`OSS: ${res.LatestDeliveryError}`);
    if (t.SlsProjectArn && res.LatestDeliveryLogServiceError) problems.push(`SLS: ${res.LatestDeliveryLogServiceError}`);
    if (t.OssBucketName && res.OssBucketStatus === false) problems.push('OSS bucket unavailable');
    if (t.SlsProjectArn && res.SlsLogStoreStatus === false) problems.push('SLS Logstore unavailable');
    if (problems.length) for (const p of problems) delivery.append(el('div', { class: 'bad', text: p }));
    else delivery.append(el('span', { class: 'ok', text: 'healthy' }));
    const last = [t.OssBucketName && res.LatestDeliveryTime, t.SlsProjectArn && res.LatestDeliveryLogServiceTime].filter(Boolean).sort().pop();
    delivery.append(el('div', { class: 'hint', text: last ? `last delivery ${last}` : 'no delivery yet' }));
  }

  async function startLogging(name) {
    setStatus(`Starting logging for ${name}…`);
    try {
      await api('POST', `/trails/${encodeURIComponent(name)}/logging`);
      showAlert(null);
      await loadTrails(false);
      setStatus(`Logging started for ${name}.`);
      const row = [...$('trails').querySelectorAll('tbody tr')].find((r) => r.getAttribute('data-trail') === name);
      const edit = row && row.querySelector('button');
      if (edit) edit.focus();
    } catch (e) {
      setStatus('');
      showAlert(e, `Start logging ${name} failed`);
    }
  }

  // ---------- the spec form, from GET /schema ----------

  async function schema() {
    if (!state.schema) state.schema = await api('GET', '/schema');
    return state.schema;
  }

  function fieldId(prop) {
    return `f-${prop}`;
  }

  function buildFields(s, values) {
    const box = clear($('fields'));
    const required = new Set(s.required || []);
    for (const [prop, def] of Object.entries(s.properties || {})) {
      const id = fieldId(prop);
      const hintId = `${id}-hint`;
      const errId = `${id}-error`;
      const title = def.title || prop;
      const example = Array.isArray(def.examples) && def.examples.length ? `e.g. ${def.examples[0]}` : '';
      const hint = [prop, example, def.maxLength ? `at most ${def.maxLength} characters` : ''].filter(Boolean).join(' · ');
      const value = values[prop];
      let control;
      if (def.type === 'boolean') {
        control = el('input', { id, name: prop, type: 'checkbox', 'aria-describedby': `${hintId} ${errId}` });
        control.checked = value === true;
      } else if (Array.isArray(def.enum)) {
        control = el('select', { id, name: prop, 'aria-describedby': `${hintId} ${errId}` }, el('option', { value: '', text: '(not set)' }), def.enum.map((v) => el('option', { value: v, text: v })));
        control.value = value === undefined ? '' : String(value);
      } else {
        control = el('input', { id, name: prop, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${hintId} ${errId}`, 'aria-required': required.has(prop) ? 'true' : undefined });
        control.value = value === undefined ? '' : String(value);
      }
      const label = el('label', { for: id }, title, required.has(prop) ? el('span', { 'aria-hidden': 'true', text: ' *' }) : '');
      const wrap = el('div', { class: def.type === 'boolean' ? 'field check' : 'field', 'data-field': prop });
      if (def.type === 'boolean') wrap.append(control, label);
      else wrap.append(label, control);
      wrap.append(el('p', { id: hintId, class: 'hint', text: hint }), el('p', { id: errId, class: 'field-error', hidden: true }));
      box.append(wrap);
    }
  }

  function readSpec() {
    const s = state.schema;
    const spec = {};
    for (const [prop, def] of Object.entries(s.properties || {})) {
      const input = $(fieldId(prop));
      if (def.type === 'boolean') {
        if (input.checked) spec[prop] = true;
      } else if (input.value.trim() !== '') spec[prop] = input.value.trim();
    }
    return spec;
  }

  async function openEditor(trail) {
    let s;
    try {
      s = await schema();
    } catch (e) {
      showAlert(e, 'Loading the schema failed');
      return;
    }
    state.editing = trail ? trail.Name : null;
    const values = {};
    if (trail) for (const prop of Object.keys(s.properties || {})) if (trail[prop] !== undefined && trail[prop] !== '') values[prop] = trail[prop];
    if (trail && trail.IsOrganizationTrail !== true) delete values.IsOrganizationTrail;
    buildFields(s, values);
    $('editor-title').textContent = trail ? `Edit ${trail.Name}` : 'New trail';
    resetResults();
    $('editor').hidden = false;
    $(fieldId('Name')).focus();
  }

  function closeEditor() {
    $('editor').hidden = true;
    state.editing = null;
    resetResults();
  }

  function resetResults() {
    state.planned = null;
    $('apply').disabled = true;
    for (const id of ['plan-view', 'violations', 'steps-view', 'form-errors']) $(id).hidden = true;
    clearFieldErrors();
  }

  function clearFieldErrors() {
    for (const wrap of $('fields').querySelectorAll('[data-field]')) {
      const prop = wrap.getAttribute('data-field');
      $(fieldId(prop)).removeAttribute('aria-invalid');
      const err = $(`${fieldId(prop)}-error`);
      clear(err).hidden = true;
    }
    clear($('form-errors')).hidden = true;
  }

  /** The schema property a JSON pointer names ("/Name" → Name), when the form has it. */
  function fieldFor(pointer) {
    if (typeof pointer !== 'string' || !pointer.startsWith('/')) return undefined;
    const prop = pointer.slice(1).split('/')[0].replace(/~1/g, '/').replace(/~0/g, '~');
    return state.schema && state.schema.properties && state.schema.properties[prop] ? prop : undefined;
  }

  function ruleOf(item) {
    return item.ruleId || item.rule || '';
  }

  /** Puts each Errors item at its field (by JSON pointer); the rest in the form's error box. Returns the first invalid control. */
  function placeErrors(err) {
    clearFieldErrors();
    const general = [];
    let first;
    for (const item of err.errors) {
      const prop = fieldFor(item.pointer);
      const text = `${item.message || 'Invalid.'}${ruleOf(item) ? ` (${ruleOf(item)})` : ''}`;
      if (prop) {
        const input = $(fieldId(prop));
        input.setAttribute('aria-invalid', 'true');
        const box = $(`${fieldId(prop)}-error`);
        box.append(el('span', { text }), el('br'));
        box.hidden = false;
        first = first || input;
      } else general.push(`${item.pointer ? `${item.pointer}: ` : ''}${text}`);
    }
    const box = $('form-errors');
    box.append(el('p', {}, el('code', { text: err.code }), ` (HTTP ${err.status}) — ${err.message}`));
    if (err.requestId) box.append(el('p', { class: 'hint', text: `Request id ${err.requestId}` }));
    if (general.length) box.append(el('ul', {}, general.map((g) => el('li', { text: g }))));
    box.hidden = false;
    return first;
  }

  /** Policy refusals (403 / 409 with Errors): grouped by rule. */
  function showViolations(err) {
    const list = clear($('violations-list'));
    const byRule = new Map();
    for (const item of err.errors) {
      const rule = ruleOf(item) || 'unnamed rule';
      if (!byRule.has(rule)) byRule.set(rule, []);
      byRule.get(rule).push(item);
    }
    $('violations-summary').textContent = `${err.code} (HTTP ${err.status}): ${err.message}`;
    for (const [rule, items] of byRule) {
      list.append(el('h4', {}, 'Rule ', el('code', { text: rule })), el('ul', {}, items.map((i) => el('li', {}, i.pointer ? el('code', { text: i.pointer }) : '', i.pointer ? ' — ' : '', i.message || ''))));
    }
    $('violations').hidden = byRule.size === 0;
  }

  function handleSpecError(err) {
    const first = placeErrors(err);
    if (err.status === 403 || err.status === 409) showViolations(err);
    (first || $('form-errors')).focus();
    setStatus('');
  }

  async function plan(ev) {
    if (ev) ev.preventDefault();
    resetResults();
    const spec = readSpec();
    setStatus('Planning (dry run)…');
    try {
      const res = await api('POST', '/trails?dryRun=true', spec);
      state.planned = spec;
      renderPlan(spec, res);
      $('apply').disabled = res.planned.length === 0;
      setStatus(res.planned.length ? `Plan: ${res.planned.join(', ')}.` : 'No change needed: the trail is compliant.');
      $('plan-title').focus();
    } catch (e) {
      handleSpecError(e);
    }
  }

  function fmt(v) {
    return v === undefined || v === null || v === '' ? '' : String(v);
  }

  function renderPlan(spec, res) {
    const body = clear($('diff').querySelector('tbody'));
    const now = res.trail || {};
    const drift = new Map((res.drift || []).map((d) => [d.field, d]));
    const props = Object.keys(state.schema.properties || {}).filter((p) => p in spec || drift.has(p) || (res.classification !== 'missing' && fmt(now[p]) !== ''));
    for (const p of props) {
      const d = drift.get(p);
      const have = res.classification === 'missing' ? '' : d ? d.have : fmt(now[p]);
      const want = d ? d.want : fmt(spec[p] !== undefined ? spec[p] : res.classification === 'missing' ? '' : now[p]);
      const changed = res.classification === 'missing' ? want !== '' : Boolean(d);
      body.append(
        el(
          'tr',
          { class: changed ? 'changed' : undefined },
          el('th', { scope: 'row', text: p }),
          el('td', {}, changed && have ? el('del', { text: have }) : have || '—'),
          el('td', {}, changed ? el('ins', { text: want || '(unset)' }) : want || '—'),
        ),
      );
    }
    const what = { missing: 'The trail does not exist', drifted: 'The trail differs from the spec', 'not-logging': 'The trail is not logging', compliant: 'The trail matches the spec and logs' }[res.classification] || res.classification;
    $('plan-summary').textContent = `${what}. ${res.planned.length ? `Apply will run: ${res.planned.join(' → ')}.` : 'Nothing to apply.'}`;
    const dest = clear($('destinations'));
    for (const d of res.destinations || []) dest.append(el('li', {}, `${d.kind} ${d.name}: `, el('span', { class: d.result === 'exists' || d.result === 'created-by-actiontrail' ? 'ok' : d.result === 'not-checked' ? 'warn' : 'bad', text: d.result })));
    $('plan-view').hidden = false;
  }

  function step(text, cls) {
    const li = el('li', {}, el('span', { class: cls || '', text }));
    $('steps').append(li);
    return li;
  }
  function setStep(li, text, cls) {
    clear(li).append(el('span', { class: cls || '', text }));
  }

  async function apply() {
    if (!state.planned) return;
    const spec = state.planned;
    clear($('steps'));
    $('steps-view').hidden = false;
    $('apply').disabled = true;
    $('steps-title').focus();
    step('✓ Validated and planned (dry run)', 'ok');
    const send = step(`… Applying: POST /trails (${spec.Name})`);
    setStatus('Applying…');
    let res;
    try {
      res = await api('POST', '/trails', spec);
    } catch (e) {
      setStep(send, `✗ Apply refused: ${e.code} (HTTP ${e.status}) — ${e.message}`, 'bad');
      handleSpecError(e);
      return;
    }
    setStep(send, `✓ API answered ${res.classification === 'missing' ? '201 Created' : '200 OK'} (request ${res.RequestId})`, 'ok');
    for (const d of res.destinations || []) step(`✓ Destination ${d.kind} ${d.name}: ${d.result}`, 'ok');
    res.done.forEach((action, i) => step(`✓ ${action}${res.requestIds && res.requestIds[i] ? ` (request ${res.requestIds[i]})` : ''}`, 'ok'));
    if (res.done.length === 0) step('✓ No change was needed', 'ok');
    const verify = step(`… Verifying: GET /trails/${spec.Name}`);
    try {
      const now = await api('GET', `/trails/${encodeURIComponent(spec.Name)}`);
      setStep(verify, now.IsLogging ? `✓ Verified: Status ${now.Status}, logging` : `✗ Verified: Status ${now.Status}, not logging`, now.IsLogging ? 'ok' : 'bad');
    } catch (e) {
      setStep(verify, `✗ Verify failed: ${e.code} — ${e.message}`, 'bad');
    }
    state.planned = null;
    await loadTrails(false);
    setStatus(`Applied ${spec.Name}: ${res.done.join(', ') || 'no change'}.`);
    $('steps-title').focus();
  }

  // ---------- compliance ----------

  const BARS = [
    ['compliant', 'Compliant', '#1a7f37'],
    ['missing', 'Missing', '#b35900'],
    ['not-logging', 'Not logging', '#9a6700'],
    ['drifted', 'Drifted', '#8250df'],
    ['error', 'Check failed', '#cf222e'],
  ];
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function chart(counts) {
    const max = Math.max(1, ...BARS.map(([k]) => counts[k] || 0));
    const s = svg('svg', { viewBox: `0 0 460 ${BARS.length * 28 + 8}`, role: 'img', 'aria-labelledby': 'chart-title' });
    s.append(svg('title', { id: 'chart-title' }, `Trails by classification: ${BARS.map(([k, l]) => `${l} ${counts[k] || 0}`).join(', ')}`));
    BARS.forEach(([k, label, colour], i) => {
      const n = counts[k] || 0;
      const w = Math.round((n / max) * 300);
      const y = 4 + i * 28;
      s.append(svg('text', { x: 102, y: y + 17, 'text-anchor': 'end', 'font-size': 13, fill: '#1f2328' }, label));
      s.append(svg('rect', { x: 110, y: y + 4, width: n > 0 ? Math.max(w, 2) : 0, height: 18, fill: colour }));
      s.append(svg('text', { x: 116 + w, y: y + 17, 'font-size': 13, fill: '#1f2328' }, n));
    });
    return s;
  }

  async function showCompliance() {
    $('trails-view').hidden = true;
    $('compliance-view').hidden = false;
    $('nav-compliance').setAttribute('aria-current', 'page');
    $('nav-trails').removeAttribute('aria-current');
    $('csv').disabled = true;
    clear($('chart'));
    $('report-rows').hidden = true;
    $('route-rows').hidden = true;
    $('report-meta').textContent = '';
    setStatus('Loading the latest report…');
    $('compliance-title').focus();
    try {
      const res = await api('GET', '/reports/latest');
      const r = res.Report;
      state.report = r;
      $('report-meta').textContent = `Run ${r.runId}${r.dryRun ? ' (dry run)' : ''}, finished ${r.finishedAt}: ${r.accounts} account(s) × ${r.regions.length} region(s); fixed ${r.fixed}, failed ${r.failed.length}, not delivering ${r.deliveryProblems.length}.`;
      $('chart').append(chart(r.counts));
      const body = clear($('report-rows').querySelector('tbody'));
      for (const row of res.Rows || []) {
        body.append(
          el(
            'tr',
            {},
            [row.accountId, row.region, row.trail, row.classification, r.dryRun ? row.planned && `would: ${row.planned}` : row.fixes, row.failure, row.deliveryProblem, row.cis].map((v, i) =>
              el('td', { class: i === 3 ? (v === 'compliant' ? 'ok' : 'bad') : i === 5 || i === 6 ? 'bad' : undefined, text: v || '' }),
            ),
          ),
        );
      }
      $('report-rows').hidden = false;
      // The member event routes the sweep checked (when TRAIL_EVENT_ROUTE_ROLE is set): one row per account.
      const routes = r.eventRoutes || [];
      const routeBody = clear($('route-rows').querySelector('tbody'));
      for (const route of routes) {
        const writes = (r.dryRun ? route.planned.map((a) => `would: ${a}`) : route.done).join(' → ');
        const failure = route.error ? `${route.error.Code}: ${route.error.Message}` : '';
        routeBody.append(
          el(
            'tr',
            {},
            [route.accountId, route.status, route.drift.join(', '), writes, failure].map((v, i) =>
              el('td', { class: i === 1 ? (route.status === 'failed' ? 'bad' : 'ok') : i === 4 && v ? 'bad' : undefined, text: v || '' }),
            ),
          ),
        );
      }
      $('route-rows').hidden = routes.length === 0;
      $('csv').disabled = false;
      showAlert(null);
      setStatus(`${(res.Rows || []).length} row(s).`);
    } catch (e) {
      setStatus('');
      showAlert(e, 'No compliance report');
    }
  }

  async function downloadCsv() {
    setStatus('Downloading report.csv…');
    try {
      const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
      const res = await fetch('/reports/latest/report.csv', { headers, cache: 'no-store' });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
      const url = URL.createObjectURL(await res.blob());
      const a = el('a', { href: url, download: `report-${state.report ? state.report.runId : 'latest'}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setStatus('report.csv downloaded.');
    } catch (e) {
      setStatus('');
      showAlert(e, 'CSV download failed');
    }
  }

  // ---------- wiring ----------

  function init() {
    $('signin-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      void signIn($('token').value.trim());
    });
    $('signout').addEventListener('click', () => signOut());
    $('account').addEventListener('change', accountChanged);
    $('account-other').addEventListener('change', () => useAccount($('account-other').value.trim()));
    $('nav-trails').addEventListener('click', () => void showTrails());
    $('nav-compliance').addEventListener('click', () => void showCompliance());
    $('refresh').addEventListener('click', () => void loadTrails());
    $('new-trail').addEventListener('click', () => void openEditor(null));
    $('cancel').addEventListener('click', () => {
      closeEditor();
      $('new-trail').focus();
    });
    $('spec-form').addEventListener('submit', plan);
    $('apply').addEventListener('click', () => void apply());
    $('csv').addEventListener('click', () => void downloadCsv());
    $('fields').addEventListener('input', () => {
      // The plan was for the form as it was.
      state.planned = null;
      $('apply').disabled = true;
    });

    // npm start prints …/#token=…: a fragment is never sent to a server. Take it, then drop it from the address bar.
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) void signIn(saved).then((ok) => ok || signOut('Sign in with a bearer token.'));
    else signOut('Sign in with a bearer token.');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
