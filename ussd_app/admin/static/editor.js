// Line numbers beside the YAML text area, kept in step while typing and scrolling; Tab indents.
(function () {
  var area = document.getElementById("yaml");
  var gutter = document.getElementById("gutter");
  if (!area || !gutter) return;
  function number() {
    var lines = area.value.split("\n").length, out = [];
    for (var i = 1; i <= lines; i++) out.push(i);
    gutter.textContent = out.join("\n");
    gutter.scrollTop = area.scrollTop;
  }
  area.addEventListener("input", number);
  area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
  area.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    e.preventDefault();
    var s = area.selectionStart;
    area.setRangeText("  ", s, area.selectionEnd, "end");
    number();
  });
  var go = document.querySelectorAll("[data-line]");
  go.forEach(function (link) {
    link.addEventListener("click", function (e) {
      e.preventDefault();
      var n = parseInt(link.getAttribute("data-line"), 10), pos = 0, lines = area.value.split("\n");
      for (var i = 0; i < n - 1 && i < lines.length; i++) pos += lines[i].length + 1;
      area.focus(); area.setSelectionRange(pos, pos + (lines[n - 1] || "").length);
      area.scrollTop = Math.max(0, (n - 5) * 20);
    });
  });
  number();
})();
