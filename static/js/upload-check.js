/* Progressive enhancement: tell a person at once when a chosen file is too large or of a
   type we do not accept, before a slow upload. The server checks again in any case. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll('input[type="file"][data-max-bytes]');
  Array.prototype.forEach.call(inputs, function (input) {
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.hidden = true;
    input.insertAdjacentElement("afterend", note);
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var accepted = (input.getAttribute("accept") || "").toLowerCase().split(",");
      var problems = [];
      Array.prototype.forEach.call(input.files || [], function (file) {
        var name = file.name.toLowerCase();
        var typeOk = accepted.some(function (a) {
          a = a.trim();
          return a && (a.charAt(0) === "." ? name.slice(-a.length) === a : file.type === a);
        });
        if (!typeOk) { problems.push(input.getAttribute("data-msg-type") || "This file type is not accepted."); }
        if (max && file.size > max) { problems.push(input.getAttribute("data-msg-size") || "This file is too large."); }
      });
      note.textContent = problems.join(" ");
      note.hidden = problems.length === 0;
      input.setAttribute("aria-invalid", problems.length ? "true" : "false");
    });
  });
})();
