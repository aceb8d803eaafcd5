/* The appeal form's map: a tap or a click puts the pin and writes its point into the form's
   hidden latitude and longitude fields; "Remove the pin" empties them; "Use my location" asks
   the phone. core/map.js draws layers to look at and cannot give a point back, hence this
   small script. Without JavaScript (or Leaflet) the box stays hidden and the district,
   village and address fields say where, which is all the form needs. Texts come translated
   in the box's data attributes. */
(function () {
  "use strict";

  var PIN = { radius: 9, color: "#7a2e0b", weight: 3, fillColor: "#d9772b", fillOpacity: 0.9 };
  var OUTLINE = { color: "#0b5c6b", weight: 1, fillOpacity: 0.03 };

  function setUp(box) {
    var latitude = document.getElementById(box.getAttribute("data-latitude-input"));
    var longitude = document.getElementById(box.getAttribute("data-longitude-input"));
    var bounds = (box.getAttribute("data-bounds") || "").split(",").map(Number);
    if (typeof L === "undefined" || !latitude || !longitude || bounds.length !== 4) {
      return;
    }
    var frame = box.querySelector("[data-pin-map-frame]");
    var status = box.querySelector("[data-pin-status]");
    var clear = box.querySelector("[data-pin-clear]");
    var locate = box.querySelector("[data-pin-locate]");
    box.hidden = false;

    var map = L.map(frame, { scrollWheelZoom: false, zoomSnap: 0.25 });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
    var tiles = box.getAttribute("data-tiles-url");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 18,
        attribution: box.getAttribute("data-tiles-attribution") || "",
      }).addTo(map);
    } else if (box.getAttribute("data-outline-url")) {
      // No background (an office without internet access): the oblasts, to aim by.
      fetch(box.getAttribute("data-outline-url"))
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (outline) {
          if (outline) {
            L.geoJSON(outline, { style: OUTLINE, interactive: false }).addTo(map);
          }
        })
        .catch(function () {});
    }

    var marker = null;
    function say(text) {
      status.textContent = text;
    }
    function put(point, zoom) {
      latitude.value = point.lat.toFixed(6);
      longitude.value = point.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = L.circleMarker(point, PIN).addTo(map);
      }
      if (zoom) {
        map.setView(point, Math.max(map.getZoom(), 15));
      }
      say(
        box.getAttribute("data-pinned-text")
          .replace("{lat}", latitude.value)
          .replace("{lon}", longitude.value)
      );
      box.setAttribute("data-pinned", "true");
      clear.hidden = false;
    }
    function remove() {
      latitude.value = "";
      longitude.value = "";
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
      say(box.getAttribute("data-unpinned-text"));
      box.removeAttribute("data-pinned");
      clear.hidden = true;
    }

    map.on("click", function (event) {
      put(event.latlng, false);
    });
    clear.addEventListener("click", remove);
    if (navigator.geolocation && window.isSecureContext) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        say(box.getAttribute("data-locating-text"));
        navigator.geolocation.getCurrentPosition(
          function (position) {
            put(L.latLng(position.coords.latitude, position.coords.longitude), true);
          },
          function () {
            say(box.getAttribute("data-locate-failed-text"));
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
    // A form sent back for corrections keeps its pin.
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lon)) {
      put(L.latLng(lat, lon), true);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pin-map]").forEach(setUp);
  });
})();
