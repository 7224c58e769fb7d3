// The feedback page: the e-mail's score link opens it with that score chosen, and this script
// sends the score at once, so one click in the e-mail is the whole answer (another link from the
// same e-mail changes it). Opening the page records nothing by itself: link scanners, which run
// no scripts, answer nothing. Then the page says thank you (and what happens next) and keeps the
// comment box. Without this script the page's Send button sends the score and the comment.
(function () {
  "use strict";
  var form = document.getElementById("feedback-form");
  if (!form || !form.hasAttribute("data-auto-submit") || !window.fetch || !window.FormData) return;
  var chosen = form.querySelector('input[name="score"]:checked');
  if (!chosen) return;

  var body = new FormData();
  var token = form.querySelector('input[name="csrf_token"]');
  if (token) body.append("csrf_token", token.value);
  body.append("score", chosen.value);

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = value;
      element.hidden = false;
    }
    return element;
  }

  function show(answer) {
    form.removeAttribute("data-auto-submit");
    var question = document.getElementById("feedback-question");
    if (question) question.hidden = true;
    text("feedback-recorded", answer.recorded);
    text("feedback-thanks-message", answer.message);
    var thanks = document.getElementById("feedback-thanks");
    if (thanks) thanks.hidden = false;
    var heading = text("feedback-thanks-title", answer.title);
    if (heading) heading.focus();
  }

  fetch(form.action, {
    method: "POST",
    body: body,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (answer) {
      if (answer && answer.ok) show(answer);
    })
    .catch(function () {
      // Nothing sent: the Send button still works.
    });
})();
