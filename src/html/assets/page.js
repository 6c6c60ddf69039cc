// pglens pages: view toggle, copy buttons, keyboard moves through the tree, find, the
// bottleneck brought into view, and the windowed trees of large plans (only the rows in and
// near the viewport are in the document). A page whose tree is not windowed is complete
// without this script (printable, readable); the script never loads or sends anything.
(function () {
  'use strict';
  var doc = document;
  var OVERSCAN = 12;  // rows drawn above and below the viewport

  // A windowed tree (plans of many nodes): the rows are HTML in a JSON block (each row the
  // numbers of its pieces in one table of the distinct pieces of markup), each row
  // drawn when it comes near the viewport and dropped when it leaves; two spacers stand in
  // for the rows not drawn. Rows are one line high (their height measured once); an opened
  // row's height is measured and kept, so offsets stay exact.
  function Win(tree) {
    var data = JSON.parse(tree.querySelector(':scope > script.rows-data').textContent);
    this.tree = tree;
    this.rows = data.rows;
    this.pieces = data.pieces;
    this.text = data.text;
    this.n = this.rows.length;
    this.byId = Object.create(null);
    var prefix = tree.getAttribute('data-prefix');
    for (var i = 0; i < this.n; i++) this.byId[prefix + '-n' + data.ids[i]] = i;
    var spacers = tree.querySelectorAll(':scope > .spacer');
    this.top = spacers[0];
    this.bottom = spacers[1];
    this.list = tree.querySelector(':scope > .rows');
    this.rowH = 0;      // a closed row's height, measured from the first rows drawn
    this.extra = {};    // row index -> its height - rowH, for rows of another height (opened)
    this.first = 0;     // rows [first, last) are drawn
    this.last = 0;
    var hot = Number(tree.getAttribute('data-hot'));
    this.hot = hot >= 0 ? hot : -1;
    this.stop = Math.max(0, this.hot);  // the row in the tab order
    this.found = -1;    // the row find is at
    this.all = false;   // every row drawn (print)
    this.parking = false;
    var self = this;
    // An opened or closed row changes height: measure it and redraw around it.
    this.list.addEventListener('toggle', function () { self.render(true); }, true);
  }

  // The y of row i from the top of the first row.
  Win.prototype.offset = function (i) {
    var y = i * (this.rowH || 27);
    for (var k in this.extra) if (Number(k) < i) y += this.extra[k];
    return y;
  };

  // The row at height y (from the top of the first row): the last one starting at or above it.
  Win.prototype.indexAt = function (y) {
    var lo = 0, hi = this.n - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (this.offset(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  // Row i's HTML, from its pieces. A row is a string of piece numbers: characters '#'..'~'
  // but '<' and '\\' are 90 symbols; the first 60 end a number (its last base-60 digit),
  // the other 30 are its leading base-30 digits (plan_page.cpp, append_piece_number).
  Win.prototype.html = function (i) {
    var code = this.rows[i], pieces = this.pieces, out = '', lead = 0;
    for (var k = 0; k < code.length; k++) {
      var c = code.charCodeAt(k);
      var v = c - 35 - (c > 60 ? 1 : 0) - (c > 92 ? 1 : 0);
      if (v >= 60) lead = lead * 30 + (v - 60);
      else { out += pieces[lead * 60 + v]; lead = 0; }
    }
    return out;
  };

  Win.prototype.make = function (i) {
    var tpl = doc.createElement('template');
    tpl.innerHTML = this.html(i);
    var el = tpl.content.firstElementChild;
    el.setAttribute('data-i', String(i));
    el.querySelector(':scope > summary').setAttribute('tabindex', i === this.stop ? '0' : '-1');
    if (i === this.found) el.classList.add('found');
    return el;
  };

  Win.prototype.visible = function () { return !this.tree.hidden && this.tree.offsetParent !== null; };

  // Draws the rows in and near the viewport. `measure`: re-measure the drawn rows' heights
  // even when the range is the same (a row opened or closed).
  Win.prototype.render = function (measure) {
    if (this.all || !this.visible()) return;
    var y0 = this.top.getBoundingClientRect().top;  // the viewport's y of row 0
    var from = Math.max(0, -y0), to = Math.max(0, window.innerHeight - y0);
    var first = Math.max(0, this.indexAt(from) - OVERSCAN);
    var last = Math.min(this.n, this.indexAt(to) + 1 + OVERSCAN);
    if (first === this.first && last === this.last && !measure) return;
    this.draw(first, last);
  };

  Win.prototype.draw = function (first, last) {
    var list = this.list;
    // The focused row about to leave: the focus waits on the tree (the keys still work there).
    var active = doc.activeElement;
    var row = active && list.contains(active) ? active.closest('.node') : null;
    if (row) {
      var at = Number(row.getAttribute('data-i'));
      if (at < first || at >= last) {
        this.parking = true;
        this.tree.focus({ preventScroll: true });
        this.parking = false;
      }
    }
    if (first >= this.last || last <= this.first) {
      list.textContent = '';
      this.first = this.last = first;
    }
    while (this.first < first) { list.firstElementChild.remove(); this.first++; }
    while (this.last > last) { list.lastElementChild.remove(); this.last--; }
    var frag, i;
    if (first < this.first) {
      frag = doc.createDocumentFragment();
      for (i = first; i < this.first; i++) frag.appendChild(this.make(i));
      list.insertBefore(frag, list.firstChild);
      this.first = first;
    }
    if (last > this.last) {
      frag = doc.createDocumentFragment();
      for (i = this.last; i < last; i++) frag.appendChild(this.make(i));
      list.appendChild(frag);
      this.last = last;
    }
    this.measure();
    this.top.style.height = this.offset(this.first) + 'px';
    this.bottom.style.height = Math.max(0, this.offset(this.n) - this.offset(this.last)) + 'px';
    this.tree.tabIndex = this.stop >= this.first && this.stop < this.last ? -1 : 0;
  };

  Win.prototype.measure = function () {
    var rows = this.list.children;
    if (!this.rowH && rows.length) {
      // The most common height among the closed rows drawn.
      var seen = {}, best = 0;
      for (var j = 0; j < rows.length; j++) {
        if (rows[j].open) continue;
        var h0 = rows[j].offsetHeight;
        seen[h0] = (seen[h0] || 0) + 1;
        if (!best || seen[h0] > seen[best]) best = h0;
      }
      this.rowH = best || 27;
    }
    for (var k = 0; k < rows.length; k++) {
      var i = this.first + k, h = rows[k].offsetHeight;
      if (h && h !== this.rowH) this.extra[i] = h - this.rowH;
      else delete this.extra[i];
    }
  };

  // Row i drawn (the page scrolled to it when it was not) and returned.
  Win.prototype.reveal = function (i) {
    if (i < 0 || i >= this.n) return null;
    if (!this.all && (i < this.first || i >= this.last)) {
      if (!this.rowH) this.render();
      var y0 = this.top.getBoundingClientRect().top + window.scrollY;
      window.scrollTo(window.scrollX, Math.max(0, y0 + this.offset(i) - window.innerHeight / 2));
      this.render();
      if (i < this.first || i >= this.last) this.draw(Math.max(0, i - OVERSCAN), Math.min(this.n, i + OVERSCAN + 1));
    }
    return this.all ? this.list.children[i] : this.list.children[i - this.first];
  };

  Win.prototype.setStop = function (i) {
    this.stop = i;
    this.tree.tabIndex = i >= this.first && i < this.last ? -1 : 0;
  };

  // Print: every row, then the window again.
  Win.prototype.drawAll = function (on) {
    if (on === this.all) return;
    this.all = on;
    this.list.textContent = '';
    this.first = this.last = 0;
    if (on) {
      var all = [];
      for (var i = 0; i < this.n; i++) all.push(this.html(i));
      this.list.innerHTML = all.join('');
      this.top.style.height = this.bottom.style.height = '0px';
    } else {
      this.render();
    }
  };

  var windows = [];
  var trees = doc.querySelectorAll('.tree.windowed');
  for (var w = 0; w < trees.length; w++) windows.push(new Win(trees[w]));
  function winOf(el) {
    var tree = el && el.closest ? el.closest('.tree.windowed') : null;
    for (var i = 0; i < windows.length; i++) if (windows[i].tree === tree) return windows[i];
    return null;
  }
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      for (var i = 0; i < windows.length; i++) windows[i].render();
    });
  }
  window.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);
  function printing(on) { for (var i = 0; i < windows.length; i++) windows[i].drawAll(on); }
  window.addEventListener('beforeprint', function () { printing(true); });
  window.addEventListener('afterprint', function () { printing(false); });
  if (window.matchMedia) {
    var print = window.matchMedia('print');
    if (print.addEventListener) print.addEventListener('change', function (e) { printing(e.matches); });
  }

  function showView(section, view) {
    if (!section) return;
    var views = section.querySelectorAll('[data-view-panel]');
    for (var i = 0; i < views.length; i++) views[i].hidden = views[i].getAttribute('data-view-panel') !== view;
    var buttons = section.querySelectorAll('button[data-view]');
    for (var j = 0; j < buttons.length; j++)
      buttons[j].setAttribute('aria-pressed', String(buttons[j].getAttribute('data-view') === view));
    if (view === 'tree') {
      var win = winOf(section.querySelector('.tree.windowed'));
      if (win) win.render();
    }
  }

  // The node with this element id, drawn (a windowed tree's row is drawn on demand).
  function nodeById(id) {
    var el = doc.getElementById(id);
    if (el) return el;
    for (var i = 0; i < windows.length; i++) {
      var at = windows[i].byId[id];
      if (at === undefined) continue;
      showView(windows[i].tree.closest('section.plan'), 'tree');
      return windows[i].reveal(at);
    }
    return null;
  }

  // Rows are focused one at a time (a roving tab stop): the focused row is the tree's one
  // entry in the tab order.
  function focusNode(node) {
    if (!node) return;
    var section = node.closest('section.plan');
    if (section && section.querySelector('[data-view-panel="tree"]').hidden) showView(section, 'tree');
    var row = node.querySelector(':scope > summary');
    var tree = node.closest('.tree');
    var stops = tree.querySelectorAll('.node > summary[tabindex="0"]');
    for (var i = 0; i < stops.length; i++) stops[i].setAttribute('tabindex', '-1');
    row.setAttribute('tabindex', '0');
    var win = winOf(tree);
    if (win) win.setStop(Number(node.getAttribute('data-i')));
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }

  function copyText(button) {
    var target = doc.getElementById(button.getAttribute('data-copy'));
    if (!target) return;
    var text = target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = 'Copied';
      button.setAttribute('data-copied', 'true');
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    var fallback = function () {
      var area = doc.createElement('textarea');
      area.value = text;
      doc.body.appendChild(area);
      area.select();
      try { doc.execCommand('copy'); } catch (e) { /* nothing more to try */ }
      area.remove();
      done();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  // Find: the rows whose text holds what is typed; Enter goes to the next, Shift+Enter to the
  // previous, Escape puts the focus on the row found. Works on windowed trees alike (their
  // rows' text is in the data).
  function rowsOf(section) {
    var tree = section.querySelector('[data-view-panel="tree"]');
    var win = winOf(tree);
    if (win) return { n: win.n, text: function (i) { return win.text[i]; }, reveal: function (i) { return win.reveal(i); }, win: win };
    var nodes = tree.querySelectorAll(':scope > .node');
    return {
      n: nodes.length,
      text: function (i) { return nodes[i].firstElementChild.textContent; },
      reveal: function (i) { return nodes[i]; },
      win: null,
    };
  }
  function find(input, step) {
    var section = input.closest('section.plan');
    var count = section.querySelector('.find-count');
    var q = input.value.trim().toLowerCase();
    var rows = rowsOf(section);
    if (input.findQuery !== q) {
      input.findQuery = q;
      input.findAt = -1;
      input.findHits = [];
      if (q) for (var i = 0; i < rows.n; i++) if (rows.text(i).toLowerCase().indexOf(q) >= 0) input.findHits.push(i);
    }
    var hits = input.findHits;
    var old = section.querySelector('.node.found');
    if (old) old.classList.remove('found');
    if (rows.win) rows.win.found = -1;
    if (!q) { count.textContent = ''; return null; }
    if (!hits.length) { count.textContent = 'not found'; return null; }
    if (!step) { count.textContent = hits.length + ' found'; return null; }
    input.findAt = (input.findAt + step + hits.length) % hits.length;
    var at = hits[input.findAt];
    showView(section, 'tree');
    if (rows.win) rows.win.found = at;
    var el = rows.reveal(at);
    if (el) {
      el.classList.add('found');
      el.scrollIntoView({ block: 'center' });
    }
    count.textContent = (input.findAt + 1) + ' of ' + hits.length;
    return el;
  }
  var finds = doc.querySelectorAll('input.find');
  for (var f = 0; f < finds.length; f++) {
    finds[f].addEventListener('input', function (e) { find(e.target, 0); });
    finds[f].addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        e.preventDefault();
        find(e.target, e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        var found = e.target.closest('section.plan').querySelector('.node.found');
        if (found) { e.preventDefault(); focusNode(found); }
      }
    });
  }

  doc.addEventListener('click', function (e) {
    var t = e.target.closest ? e.target : null;
    if (!t) return;
    var viewButton = t.closest('button[data-view]');
    if (viewButton) { showView(viewButton.closest('section.plan'), viewButton.getAttribute('data-view')); return; }
    var copy = t.closest('button.copy');
    if (copy) { copyText(copy); return; }
    var frame = t.closest('g.f[data-node]');
    if (frame) { focusNode(nodeById(frame.getAttribute('data-node'))); return; }
    // A link to a node of a windowed tree that is not drawn: draw it, then go there.
    var link = t.closest('a[href^="#"]');
    if (link) {
      var id = link.getAttribute('href').slice(1);
      if (!doc.getElementById(id)) {
        var node = nodeById(id);
        if (node) { e.preventDefault(); focusNode(node); }
      }
    }
  });

  // Tabbing into a windowed tree whose tab-stop row is not drawn: draw it and focus it.
  doc.addEventListener('focusin', function (e) {
    var win = e.target.classList && e.target.classList.contains('windowed') ? winOf(e.target) : null;
    if (!win || win.parking) return;
    focusNode(win.reveal(win.stop));
  });

  doc.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t.matches && t.matches('input, textarea, select')) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var node = t.closest ? t.closest('.node') : null;
    var win = winOf(t);
    if (win && (node || t === win.tree)) {
      // A windowed tree: rows by index (the next one may not be drawn yet).
      var i = node ? Number(node.getAttribute('data-i')) : win.stop;
      var to = -1;
      if (e.key === 'ArrowDown' || e.key === 'j') to = i + 1;
      else if (e.key === 'ArrowUp' || e.key === 'k') to = i - 1;
      else if (e.key === 'Home') to = 0;
      else if (e.key === 'End') to = win.n - 1;
      else if (node && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
        node.open = e.key === 'ArrowRight';
        e.preventDefault();
        return;
      } else if (!node && (e.key === 'Enter' || e.key === ' ')) to = i;
      if (to >= 0 && to < win.n) { e.preventDefault(); focusNode(win.reveal(to)); return; }
    } else if (node && node.parentElement) {
      var nodes = Array.prototype.slice.call(node.parentElement.querySelectorAll(':scope > .node'));
      var at = nodes.indexOf(node);
      var next = null;
      if (e.key === 'ArrowDown' || e.key === 'j') next = nodes[at + 1];
      else if (e.key === 'ArrowUp' || e.key === 'k') next = nodes[at - 1];
      else if (e.key === 'Home') next = nodes[0];
      else if (e.key === 'End') next = nodes[nodes.length - 1];
      else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        node.open = e.key === 'ArrowRight';
        e.preventDefault();
        return;
      }
      if (next) { e.preventDefault(); focusNode(next); return; }
    }
    var frame = t.closest ? t.closest('g.f[data-node]') : null;
    if (frame && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      focusNode(nodeById(frame.getAttribute('data-node')));
      return;
    }
    var section = (t.closest && t.closest('section.plan')) || doc.querySelector('section.plan');
    if (e.key === '/' && section && section.querySelector('input.find')) {
      e.preventDefault();
      section.querySelector('input.find').focus();
      return;
    }
    if (e.key === 'f' || e.key === 't') {
      if (!section || !section.querySelector('[data-view-panel="flame"]')) return;
      showView(section, e.key === 'f' ? 'flame' : 'tree');
      // The focus follows into the view shown: the bottleneck's frame, or its row (or the
      // windowed tree, which draws it).
      var target = e.key === 'f' ? section.querySelector('g.f.bottleneck') || section.querySelector('g.f')
                                 : section.querySelector('.node > summary[tabindex="0"]') ||
                                   section.querySelector('.tree.windowed');
      if (target) target.focus({ preventScroll: true });
    }
  });

  // `pglens serve`: a dropped plan file goes into the plan field (read here, never uploaded
  // anywhere but the local server the form posts to).
  var drop = doc.querySelector('textarea[data-drop]');
  if (drop) {
    drop.addEventListener('dragover', function (e) { e.preventDefault(); });
    drop.addEventListener('drop', function (e) {
      var file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (!file) return;
      e.preventDefault();
      file.text().then(function (text) { drop.value = text; });
    });
  }

  for (var r = 0; r < windows.length; r++) windows[r].render();
  // The bottleneck of the first plan in view, and focused for the keyboard (a diff page starts
  // at its summary instead). In a windowed tree its row is drawn first.
  var start = !doc.querySelector('main[data-start="top"]');
  var hot = doc.querySelector('.node.bottleneck > summary, tr.bottleneck');
  if (!hot && start && windows.length && windows[0].hot >= 0) {
    var hotRow = windows[0].reveal(windows[0].hot);
    hot = hotRow && hotRow.querySelector(':scope > summary');
  }
  if (location.hash && !doc.getElementById(location.hash.slice(1))) {
    var linked = nodeById(decodeURIComponent(location.hash.slice(1)));
    if (linked) focusNode(linked);
  } else if (hot && !location.hash && start) {
    hot.scrollIntoView({ block: 'center' });
    hot.focus({ preventScroll: true });
  }
  doc.documentElement.setAttribute('data-rendered', String(Math.round(performance.now())));
})();
