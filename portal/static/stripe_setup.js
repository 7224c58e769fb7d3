// Stripe.js on the instalment pages (only when the shop uses Stripe; the demo's simulated
// provider needs no script). The card page confirms the plan's SetupIntent with a card
// element; the plan page lets the bank confirm an on-session payment. Either way the browser
// then goes back to the server, which asks Stripe how it went: nothing here is trusted.
(function () {
  "use strict";
  if (typeof Stripe === "undefined") return;

  var setup = document.getElementById("stripe-setup");
  if (setup) {
    var stripe = Stripe(setup.dataset.key);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    setup.addEventListener("submit", function (event) {
      event.preventDefault();
      stripe.confirmCardSetup(setup.dataset.secret, { payment_method: { card: card } }).then(function (result) {
        if (result.error) {
          document.getElementById("card-errors").textContent = result.error.message;
          return;
        }
        window.location.assign(setup.dataset["return"]);
      });
    });
  }

  var payment = document.getElementById("confirm-payment");
  if (payment && payment.dataset.key) {
    var button = document.getElementById("confirm-payment-button");
    var stripeForPayment = Stripe(payment.dataset.key);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      stripeForPayment.handleNextAction({ clientSecret: payment.dataset.secret }).then(function () {
        window.location.assign(payment.dataset["return"]);
      });
    });
  }
})();
