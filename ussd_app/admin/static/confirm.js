// Publishing and rolling back change what members hear at once: ask first. Unsaved edits in the
// editor are not lost without a word: leaving the page, or publishing (which publishes the last
// *saved* text), asks first.
(function () {
  var area = document.getElementById("yaml");
  var saved = area ? area.value : null;
  function dirty() { return area !== null && area.value !== saved; }
  var draftForm = document.getElementById("draft-form");
  if (draftForm) draftForm.addEventListener("submit", function () { saved = area.value; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty()) { e.preventDefault(); e.returnValue = ""; }
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.id === "publish-form" && dirty()) {
        e.preventDefault();
        window.alert("You have changes that are not saved, and publishing uses the last saved text.\n" +
          "Save and check first, then publish.");
        return;
      }
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); return; }
      saved = area ? area.value : saved;  // leaving on purpose: no second question
    });
  });
})();
