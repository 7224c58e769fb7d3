// The claim form's amount: tapping a quick choice writes its amount in the amount field, typing
// an amount clears a choice that no longer matches, and either one picks "price reduction", so
// what the buyer sees is what is sent. Without this script the form still works: a typed
// amount wins, and a quick choice counts when nothing is typed.
(function () {
  "use strict";
  var amount = document.getElementById("amount");
  if (!amount) return;
  var choices = document.querySelectorAll("input[data-amount-choice]");
  var reduction = document.querySelector('input[name="remedy"][value="price_reduction"]');

  function chooseReduction() {
    if (reduction) reduction.checked = true;
  }

  Array.prototype.forEach.call(choices, function (choice) {
    choice.addEventListener("change", function () {
      if (!choice.checked) return;
      amount.value = choice.value;
      chooseReduction();
    });
  });
  amount.addEventListener("input", function () {
    Array.prototype.forEach.call(choices, function (choice) {
      choice.checked = choice.value === amount.value.trim();
    });
    if (amount.value.trim()) chooseReduction();
  });
})();
