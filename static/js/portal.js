// SRO Portal's own behaviour. Loaded as a file (the CSP forbids inline scripts).
"use strict";

// Buttons with data-confirm ask before submitting their form.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// On the invitation and member forms, the schools field only matters for school admins.
function syncSchoolsField() {
  const role = document.querySelector("select[name='role']");
  const schools = document.getElementById("div_id_schools");
  if (!role || !schools) {
    return;
  }
  schools.classList.toggle("is-hidden", role.value !== "school");
}

document.addEventListener("change", (event) => {
  if (event.target.matches("select[name='role']")) {
    syncSchoolsField();
  }
});
document.addEventListener("DOMContentLoaded", syncSchoolsField);
