/* Ishenim's own script for every page. Everything here improves a page that already works
   without it; the Content-Security-Policy allows no inline script, so it lives in this file. */
(function () {
  "use strict";

  // htmx requests carry the CSRF token from the page's meta tag, like a posted form.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // On a wide screen the menu stays open; a browser that can show a closed <details>
  // element's content does so through the stylesheet, this covers the others.
  function setUpMenu(menu) {
    var wide = window.matchMedia("(min-width: 64rem)");
    function follow() {
      if (wide.matches) {
        menu.open = true;
      }
    }
    follow();
    wide.addEventListener("change", follow);
    // Escape closes the open menu on a phone and gives focus back to its button.
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // A language chosen in the switcher is remembered, so that the bare address of the site
  // (which redirects by the language cookie first) opens in it next time.
  function rememberLanguage(switcher) {
    var cookie = switcher.getAttribute("data-language-cookie");
    if (!cookie) {
      return;
    }
    switcher.addEventListener("click", function (event) {
      var link = event.target.closest("a[hreflang]");
      if (link) {
        document.cookie = cookie + "=" + encodeURIComponent(link.hreflang) +
          "; path=/; max-age=31536000; SameSite=Lax";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-menu]").forEach(setUpMenu);
    document.querySelectorAll("[data-language-cookie]").forEach(rememberLanguage);
  });
})();
