// The write forms work without this script. With it: a field the server marked
// as wrong takes the focus, so the reader lands on what to fix.
(function () {
  "use strict";
  var wrong = document.querySelector('.write-form [aria-invalid="true"]');
  if (wrong) {
    wrong.focus();
  }
})();
