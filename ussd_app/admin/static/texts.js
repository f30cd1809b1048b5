// The live count on the Texts page: as staff type, each screen the text is on is measured by
// the server with the engine's own rules (GSM-7 or UCS-2, samples for the values, the error
// line a menu shows in its title's place), a moment after the last key.
(function () {
  var list = document.getElementById("texts");
  if (!list) return;
  var url = list.dataset.sizeUrl;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  function words(s) {
    var values = {n: s.length, of: s.budget, left: s.left, over: -s.left, pages: s.pages, parts: s.sms_parts};
    if (s.sms_parts) return fill(list.dataset.sms, values);
    if (s.paged) return fill(list.dataset.paged, values);
    return fill(s.left >= 0 ? list.dataset.left : list.dataset.over, values);
  }
  function measure(form) {
    var query = new URLSearchParams({key: form.dataset.key, lo: form.elements.lo.value, en: form.elements.en.value});
    fetch(url + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        (answer.sizes || []).forEach(function (s) {
          var line = form.querySelector('li.size[data-place="' + s.place + '"][data-lang="' + s.lang + '"]');
          if (!line) return;
          line.className = "size " + (s.over ? "over" : (s.warn_only && s.left < 0 ? "warn" : "ok"));
          line.querySelector(".count").textContent = words(s);
        });
      });
  }
  list.querySelectorAll("form.text-row").forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { measure(form); }, 150);
    });
  });
})();
