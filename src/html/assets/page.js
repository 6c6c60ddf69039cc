// pglens pages: view toggle, copy buttons, keyboard moves through the tree, the bottleneck
// brought into view. The page is complete without this script (printable, readable); it
// never loads or sends anything.
(function () {
  'use strict';
  var doc = document;

  function showView(section, view) {
    var views = section.querySelectorAll('[data-view-panel]');
    for (var i = 0; i < views.length; i++) views[i].hidden = views[i].getAttribute('data-view-panel') !== view;
    var buttons = section.querySelectorAll('button[data-view]');
    for (var j = 0; j < buttons.length; j++)
      buttons[j].setAttribute('aria-pressed', String(buttons[j].getAttribute('data-view') === view));
  }

  // Rows are focused one at a time (a roving tab stop): the focused row is the tree's one
  // entry in the tab order.
  function focusNode(node) {
    if (!node) return;
    var section = node.closest('section.plan');
    if (section) showView(section, 'tree');
    var row = node.querySelector(':scope > summary');
    var tree = node.parentElement;
    var stops = tree.querySelectorAll(':scope > .node > summary[tabindex="0"]');
    for (var i = 0; i < stops.length; i++) stops[i].setAttribute('tabindex', '-1');
    row.setAttribute('tabindex', '0');
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

  doc.addEventListener('click', function (e) {
    var t = e.target.closest ? e.target : null;
    if (!t) return;
    var viewButton = t.closest('button[data-view]');
    if (viewButton) { showView(viewButton.closest('section.plan'), viewButton.getAttribute('data-view')); return; }
    var copy = t.closest('button.copy');
    if (copy) { copyText(copy); return; }
    var frame = t.closest('g.f[data-node]');
    if (frame) { focusNode(doc.getElementById(frame.getAttribute('data-node'))); return; }
  });

  doc.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t.matches && t.matches('input, textarea, select')) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var node = t.closest ? t.closest('.node') : null;
    if (node && node.parentElement) {
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
      focusNode(doc.getElementById(frame.getAttribute('data-node')));
      return;
    }
    if (e.key === 'f' || e.key === 't') {
      var section = (t.closest && t.closest('section.plan')) || doc.querySelector('section.plan');
      if (!section || !section.querySelector('[data-view-panel="flame"]')) return;
      showView(section, e.key === 'f' ? 'flame' : 'tree');
      // The focus follows into the view shown: the bottleneck's frame, or its row.
      var target = e.key === 'f' ? section.querySelector('g.f.bottleneck') || section.querySelector('g.f')
                                 : section.querySelector('.node > summary[tabindex="0"]');
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

  // The bottleneck of the first plan in view, and focused for the keyboard (a diff page starts
  // at its summary instead).
  var hot = doc.querySelector('.node.bottleneck > summary, tr.bottleneck');
  if (hot && !location.hash && !doc.querySelector('main[data-start="top"]')) {
    hot.scrollIntoView({ block: 'center' });
    hot.focus({ preventScroll: true });
  }
  doc.documentElement.setAttribute('data-rendered', String(Math.round(performance.now())));
})();
