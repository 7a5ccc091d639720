// The in-place swap helper. The islands (app/src/islands/nav.rs) call
// window.storepulseNavigate(url) for a filter change and window.storepulseRefresh() when the
// data changed. A new URL of the same page is fetched (`X-Swap: 1`: rendered in order, see
// server/src/router.rs) and its <main> and filter bar replace the shown ones; the new islands are
// hydrated with island_script.js's window.__hydrateIsland. Another page, or anything unexpected,
// is a full page load. Buttons and selects with `data-navigate` open their URL this way, a
// part marked `data-reveal` is scrolled into view when it appears, and one marked `data-keep`
// stays as shown when the new page has it with the same value.
(() => {
  'use strict';
  let current = 0; // the latest swap; an older one that finishes later is dropped
  let shown = location.pathname + location.search; // what the page shows or is fetching
  // Leptos does not dispose of an island's reactive state when its element is replaced (its
  // island hydration forgets it), so each swap leaves a little behind in the WASM's memory. A
  // dashboard left open for days (live updates swap it every few minutes) is loaded in full
  // after this many swaps instead, which bounds it.
  const MAX_SWAPS = 200;
  let swaps = 0;

  /** Every part of the page says it is updating; its old figures stay, dimmed. */
  function markBusy() {
    for (const part of document.querySelectorAll('.section')) {
      part.classList.add('busy');
      part.setAttribute('aria-busy', 'true');
      const note = part.querySelector(':scope > .busy-note');
      if (note) note.hidden = false;
    }
  }

  function unmarkBusy() {
    for (const part of document.querySelectorAll('.section.busy')) {
      part.classList.remove('busy');
      part.removeAttribute('aria-busy');
      const note = part.querySelector(':scope > .busy-note');
      if (note) note.hidden = true;
    }
  }

  /** The element's place under `root` as child indices (to find its twin in the new DOM). */
  function pathOf(root, el) {
    const path = [];
    while (el && el !== root) {
      const parent = el.parentElement;
      if (!parent) return null;
      path.unshift(Array.prototype.indexOf.call(parent.children, el));
      el = parent;
    }
    return el === root ? path : null;
  }

  function atPath(root, path) {
    let el = root;
    for (const i of path) {
      el = el && el.children[i];
    }
    return el || null;
  }

  /** Open menus and focus of the old filter bar, carried over to its replacement. */
  function carryOver(oldBar, newBar) {
    for (const d of oldBar.querySelectorAll('details[open]')) {
      const path = pathOf(oldBar, d);
      const twin = path && atPath(newBar, path);
      if (twin && twin.tagName === 'DETAILS' && twin.className === d.className) twin.open = true;
    }
    const active = document.activeElement;
    if (active && oldBar.contains(active)) {
      const path = pathOf(oldBar, active);
      const twin = path && atPath(newBar, path);
      if (twin && twin.tagName === active.tagName) return twin;
    }
    return null;
  }

  // Parts kept from the page shown (`keepUnchanged`): hydrated already.
  const kept = new WeakSet();

  /** A part of the new page marked `data-keep` with the same value as one shown shows the same
   * thing (the server's key of what it holds, e.g. the market signals while a stock table
   * changes page): the shown one stays, hydrated, with what the user set in it (the signals
   * list's filters). `oldMain` is out of the document, `main` in it; `active` had the focus. */
  function keepUnchanged(oldMain, main, active) {
    for (const fresh of main.querySelectorAll('[data-keep]:not([data-keep=""])')) {
      const old = Array.from(oldMain.querySelectorAll('[data-keep]')).find((el) => el.dataset.keep === fresh.dataset.keep);
      if (!old) continue;
      fresh.replaceWith(old);
      kept.add(old);
      if (active && old.contains(active)) active.focus({ preventScroll: true });
    }
  }

  /** Hydrates the islands under `root` in document order, as island_script.js does. */
  async function hydrate(node, childrenCb) {
    if (kept.has(node)) return;
    const tag = node.tagName;
    if (tag === 'LEPTOS-ISLAND') {
      if (childrenCb) childrenCb();
      await window.__hydrateIsland(node, node.dataset.component || null);
      for (const child of Array.from(node.children)) await hydrate(child, childrenCb);
    } else if (tag === 'LEPTOS-CHILDREN') {
      for (const child of Array.from(node.children)) await hydrate(child, node.$$on_hydrate);
    } else {
      for (const child of Array.from(node.children)) await hydrate(child, childrenCb);
    }
  }

  function disposeCharts(root) {
    if (!window.echarts) return;
    for (const el of root.querySelectorAll('[_echarts_instance_]')) {
      const chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    }
  }

  /** Scrolls `el` to the top of the window, below the sticky top bar. */
  function reveal(el) {
    const bar = document.querySelector('.topbar');
    const covered = bar && getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().bottom : 0;
    window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY - Math.max(covered, 0) - 8 });
  }

  function samePage(url) {
    return url.origin === location.origin && url.pathname === location.pathname;
  }

  /** Fetches `href` and puts its <main> and filter bar in place of the shown ones; `scrollY`
   * (Back and Forward) is where the entry was scrolled to when it was left. */
  async function swap(href, scrollY) {
    const id = ++current;
    const url = new URL(href, location.href);
    if (++swaps > MAX_SWAPS) {
      location.replace(url.href);
      return;
    }
    shown = url.pathname + url.search;
    markBusy();
    // Only parts whose islands have all hydrated may be kept: one a swap is still hydrating
    // would be skipped by both walks and never work.
    const settled = document.body.getAttribute('data-hydrated') === 'true';
    document.body.removeAttribute('data-hydrated');
    let doc;
    try {
      const response = await fetch(url, { headers: { 'X-Swap': '1' }, credentials: 'same-origin' });
      const landed = new URL(response.url);
      if (!response.ok || landed.pathname !== url.pathname) throw new Error(`swap: ${response.status} ${landed.pathname}`);
      const html = await response.text();
      if (id !== current) return;
      doc = new DOMParser().parseFromString(html, 'text/html');
    } catch (err) {
      if (id !== current) return;
      console.warn(err);
      location.replace(url.href); // the page, loaded in full (a session that ended: the login)
      return;
    }
    const oldMain = document.querySelector('main');
    const newMain = doc.querySelector('main');
    if (!oldMain || !newMain || typeof window.__hydrateIsland !== 'function') {
      location.replace(url.href);
      return;
    }
    const oldBar = document.querySelector('.filterbar');
    const newBar = doc.querySelector('.filterbar');
    const focus = oldBar && newBar ? carryOver(oldBar, newBar) : null;
    const revealed = oldMain.querySelector('[data-reveal]')?.dataset.reveal;
    const active = document.activeElement;
    const main = document.adoptNode(newMain);
    oldMain.replaceWith(main);
    if (settled) keepUnchanged(oldMain, main, active);
    disposeCharts(oldMain);
    let bar = null;
    if (oldBar && newBar) {
      bar = document.adoptNode(newBar);
      oldBar.replaceWith(bar);
    }
    unmarkBusy(); // parts outside <main>, if any
    if (doc.title) document.title = doc.title;
    if (focus) focus.focus({ preventScroll: true });
    if (typeof scrollY === 'number') {
      window.scrollTo(0, scrollY); // Back or Forward: where the entry was left
    } else {
      const opened = main.querySelector('[data-reveal]');
      if (opened && opened.dataset.reveal !== revealed) reveal(opened);
    }
    try {
      if (bar) await hydrate(bar, null);
      await hydrate(main, null);
    } catch (err) {
      console.error(err);
    }
    if (id === current) document.body.setAttribute('data-hydrated', 'true');
  }

  /** Opens `href` (a new history entry): in place when it is this page, else a full load. */
  window.storepulseNavigate = (href) => {
    const url = new URL(href, location.href);
    if (!samePage(url) || !document.querySelector('main')) {
      markBusy();
      location.assign(url.href);
      return;
    }
    // The entry left keeps its scroll position, for Back.
    history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, '');
    history.pushState(null, '', url.href);
    swap(url.href);
  };

  /** The figures of the page shown again (the data changed), keeping scroll and history. */
  window.storepulseRefresh = () => {
    swap(location.href);
  };

  // A server-rendered button that opens a URL (`data-navigate`, e.g. the chart grain switch).
  document.addEventListener('click', (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button[data-navigate]') : null;
    if (!button || ev.defaultPrevented || button.disabled) return;
    window.storepulseNavigate(button.dataset.navigate);
  });

  // A server-rendered `<select data-navigate>` opens the URL of the option chosen (its
  // `data-navigate`, e.g. the sort of a customer list).
  document.addEventListener('change', (ev) => {
    const select = ev.target instanceof HTMLSelectElement && ev.target.matches('select[data-navigate]') ? ev.target : null;
    const url = select?.selectedOptions[0]?.dataset.navigate;
    if (url) window.storepulseNavigate(url);
  });

  // A part the user opened that lies far down the page (`data-reveal`, e.g. a customer list
  // opened from a table above it) is brought into view: when a link opens the page with it, and
  // when a swap shows it or another one (its value changed); not when it only changed page or
  // sort, and not on a reload or Back, which keep their scroll.
  const [entry] = performance.getEntriesByType('navigation');
  if (!entry || entry.type === 'navigate') {
    const opened = document.querySelector('main [data-reveal]');
    if (opened) reveal(opened);
  }

  // Back and forward between the entries of this page: the entry's page, in place.
  window.addEventListener('popstate', (ev) => {
    if (location.pathname + location.search === shown) return; // a hash link only
    swap(location.href, ev.state && typeof ev.state.scrollY === 'number' ? ev.state.scrollY : 0);
  });
})();
