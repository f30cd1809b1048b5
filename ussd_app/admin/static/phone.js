// The phone beside the editor. Each step posts the page's unsaved changes (the form marked
// data-pending that was used last) with the key pressed; the server applies them to the draft,
// runs it through the engine, and answers with the screen. Typing in that form shows the
// current screen again with the change, a moment after the last key.
(function () {
  var box = document.getElementById("live-phone");
  if (!box) return;
  var screen = document.getElementById("phone-screen"), pages = document.getElementById("phone-pages");
  var measure = document.getElementById("phone-measure"), problem = document.getElementById("phone-problem");
  var effects = document.getElementById("phone-effects"), pin = document.getElementById("phone-pin");
  var keys = document.getElementById("phone-keys"), key = document.getElementById("phone-key");
  var token = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var sim = "", active = document.querySelector("form[data-pending]"), timer = null, busy = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  function show(answer) {
    problem.hidden = !answer.error && !answer.marked;
    problem.textContent = answer.error || (answer.marked ? box.dataset.marked + " " + (answer.problems || []).join("; ") : "");
    if (answer.text === undefined) return;
    sim = answer.sim;
    screen.textContent = answer.text + (answer.end ? "\n" + box.dataset.ended : "");
    screen.classList.toggle("marked", !!answer.marked);
    screen.dataset.node = answer.node;
    measure.textContent = fill(box.dataset.size, {n: answer.length, of: answer.budget}) + " · " + answer.encoding +
      " · " + answer.node + " · " + fill(box.dataset.pages, {n: answer.page + 1, of: answer.pages.length});
    pages.textContent = "";
    answer.pages.forEach(function (text, i) {
      var pre = document.createElement("pre");
      pre.textContent = text;
      if (i === answer.page) pre.className = "shown";
      pages.appendChild(pre);
    });
    effects.textContent = "";
    (answer.effects || []).forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = box.dataset.would + " " + e;
      effects.appendChild(li);
    });
    keys.hidden = answer.end || answer.pin === "verify";
    pin.hidden = answer.end || answer.pin !== "verify";
    if (!keys.hidden) key.focus({preventScroll: true});
  }
  function step(what, pressed) {
    if (busy) return;
    busy = true;
    var data = active ? new FormData(active) : new FormData();
    data.delete("csrf_token");
    data.set("csrf_token", token);
    data.set("do", what);
    data.set("sim", what === "dial" ? "" : sim);
    data.set("press", pressed || "");  // not "key": a text's form carries its own key
    data.set("phone", document.getElementById("phone-number").value);
    fetch(box.dataset.url, {method: "POST", body: data, headers: {"X-CSRFToken": token}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(show)
      .catch(function () { problem.hidden = false; problem.textContent = "…"; })
      .finally(function () { busy = false; });
  }
  document.getElementById("phone-dial").addEventListener("click", function () { step("dial"); });
  keys.addEventListener("submit", function (e) { e.preventDefault(); step("press", key.value); key.value = ""; });
  document.getElementById("phone-pin-right").addEventListener("click", function () { step("pin-right"); });
  document.getElementById("phone-pin-wrong").addEventListener("click", function () { step("pin-wrong"); });
  document.querySelectorAll("form[data-pending]").forEach(function (form) {
    form.addEventListener("focusin", function () { active = form; });
    form.addEventListener("input", function () {
      active = form;
      if (!sim) return;
      clearTimeout(timer);
      timer = setTimeout(function () { step("refresh"); }, 250);
    });
  });
  window.lssoPhone = {step: step};
})();
