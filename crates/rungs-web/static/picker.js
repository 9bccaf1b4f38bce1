// The delegation person picker as you type (docs/WORKFLOWS.md): the search form on
// /proposals works without JavaScript (submit → the page lists at most 10 matches);
// with it, typing 2 or more letters fetches the same bounded search and swaps in the
// matches, debounced, announced to screen readers by the results' live region.
(function () {
  const input = document.getElementById('find');
  const results = document.getElementById('delegate-results');
  if (!input || !results) return;
  let timer = null;
  let last = input.value.trim();
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q === last || q.length < 2) return;
      last = q;
      try {
        const r = await fetch('/proposals?find=' + encodeURIComponent(q), { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
        if (!r.ok || input.value.trim() !== q) return;
        const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
        const fresh = doc.getElementById('delegate-results');
        if (fresh) results.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.importNode(n, true)));
      } catch (_) { /* the form still works by submitting it */ }
    }, 250);
  });
})();
