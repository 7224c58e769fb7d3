// The satisfaction survey: the e-mail's link opens this page with the buyer's rating chosen,
// and this script sends that rating at once, so one click in the e-mail is the whole answer.
// Opening the page records nothing by itself: link scanners, which run no scripts, answer
// nothing. Then the page says thank you and keeps the comment box. Without this script the
// page's Send button sends the rating (and any comment) as an ordinary form.
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form || !form.hasAttribute("data-auto-submit") || !window.fetch || !window.FormData) return;
  var chosen = form.querySelector('input[name="rating"]:checked');
  if (!chosen) return;

  var body = new FormData();
  var token = form.querySelector('input[name="csrf_token"]');
  if (token) body.append("csrf_token", token.value);
  body.append("rating", chosen.value);

  function show(answer) {
    var question = document.getElementById("survey-question");
    if (question) question.hidden = true;
    var rating = document.getElementById("survey-rating");
    if (rating) {
      var kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = "rating";
      kept.value = String(answer.rating);
      rating.parentNode.replaceChild(kept, rating);
    }
    form.removeAttribute("data-auto-submit");
    var thanks = document.getElementById(answer.poor ? "survey-thanks-poor" : "survey-thanks-good");
    if (thanks) {
      thanks.hidden = false;
      var heading = thanks.querySelector("h1");
      if (heading) heading.focus();
    }
    var send = document.getElementById("survey-send");
    if (send && send.getAttribute("data-comment-label")) send.textContent = send.getAttribute("data-comment-label");
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
