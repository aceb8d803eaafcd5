/* Every map of the platform: each [data-map] element draws the GeoJSON layers named
   (space-separated) in its data-geojson-url, polygons as outlines and points as dots, with
   the background tiles of data-tiles-url when there are any. A feature whose properties name
   a style_class ("warm-3") is filled with the colour of the CSS custom property --map-<class>
   set around the map (a page's palette stays in its stylesheet). data-map-fit-from="N" frames
   the map on the layers from the N-th (0-based) on, the earlier ones being context such as an
   outline, unless those draw nothing. The page lists everything the map shows (a table
   beside it), so a map that cannot load simply stays hidden. */
(function () {
  "use strict";

  var AREA = { color: "#0b5c6b", weight: 1.5, fillColor: "#0b5c6b", fillOpacity: 0.1 };
  var FIRST_AREA = { color: "#0b5c6b", weight: 2.5, fillOpacity: 0.05 };
  var POINT = { radius: 6, color: "#7a2e0b", weight: 2, fillColor: "#d9772b", fillOpacity: 0.9 };
  var HOVER = { weight: 3, fillOpacity: 0.3 };
  var CLASSED_POINT = { radius: 3.5, color: "#fff", weight: 1, opacity: 1, fillOpacity: 0.9 };

  // Popups are built from DOM nodes, never from HTML strings: names come from the data.
  function popupFor(properties) {
    var box = document.createElement("div");
    var name = document.createElement(properties.url ? "a" : "span");
    name.className = "map-popup__name";
    name.textContent = properties.name || "";
    if (properties.url) {
      name.href = properties.url;
    }
    box.appendChild(name);
    if (properties.unit_name) {
      var unit = document.createElement("div");
      unit.textContent = properties.unit_name;
      box.appendChild(unit);
    }
    return box;
  }

  // A style_class's colour from the page's CSS (--map-<class>), or null when it has none.
  function classStyle(element, name, cache) {
    if (!name) {
      return null;
    }
    if (!(name in cache)) {
      var colour = window.getComputedStyle(element).getPropertyValue("--map-" + name).trim();
      cache[name] = colour
        ? { color: colour, weight: 1, opacity: 0.9, fillColor: colour, fillOpacity: 0.7 }
        : null;
    }
    return cache[name];
  }

  function load(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error(response.status + " " + response.statusText);
        }
        return response.json();
      }
    );
  }

  function draw(element) {
    var urls = (element.getAttribute("data-geojson-url") || "").split(/\s+/).filter(Boolean);
    if (!urls.length || typeof L === "undefined") {
      return;
    }
    var map = L.map(element, {
      // A map must not swallow the page's scrolling on a phone or under a mouse wheel.
      scrollWheelZoom: false,
      dragging: !L.Browser.mobile,
      tap: false,
      // Quarter steps let the country fill a phone-sized frame instead of a third of it.
      zoomSnap: 0.25,
    });
    // Credit Leaflet plainly: the default prefix carries a flag, and a public service's map
    // should show only the attributions its data needs.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = element.getAttribute("data-tiles-url");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 18,
        attribution: element.getAttribute("data-tiles-attribution") || "",
      }).addTo(map);
    }
    var palette = {};
    Promise.all(
      urls.map(function (url) {
        return load(url).catch(function () {
          return null;
        });
      })
    ).then(function (collections) {
      var bounds = L.latLngBounds([]);
      var focus = L.latLngBounds([]);
      var fitFrom = parseInt(element.getAttribute("data-map-fit-from") || "0", 10) || 0;
      collections.forEach(function (collection, index) {
        if (!collection) {
          return;
        }
        var styleOf = function (feature) {
          var styled = classStyle(element, (feature.properties || {}).style_class, palette);
          if (feature.geometry && feature.geometry.type === "Point") {
            // A classed point is a small dot of its class's colour: many stay legible.
            return styled ? L.extend({}, styled, CLASSED_POINT) : POINT;
          }
          return styled || (index === 0 ? L.extend({}, AREA, FIRST_AREA) : AREA);
        };
        var layer = L.geoJSON(collection, {
          style: styleOf,
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, styleOf(feature));
          },
          onEachFeature: function (feature, shape) {
            var properties = feature.properties || {};
            var label = document.createElement("span");
            label.textContent = properties.name || "";
            shape.bindTooltip(label, { sticky: true });
            shape.bindPopup(popupFor(properties));
            if (shape.setStyle && !(feature.geometry && feature.geometry.type === "Point")) {
              shape.on("mouseover", function () { shape.setStyle(HOVER); });
              shape.on("mouseout", function () { layer.resetStyle(shape); });
            }
          },
        }).addTo(map);
        var layerBounds = layer.getBounds();
        if (layerBounds.isValid()) {
          bounds.extend(layerBounds);
          if (index >= fitFrom) {
            focus.extend(layerBounds);
          }
        }
      });
      if (bounds.isValid()) {
        map.fitBounds(focus.isValid() ? focus : bounds, { padding: [8, 8], maxZoom: 13 });
        element.setAttribute("data-ready", "true");
      } else {
        element.hidden = true;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(draw);
  });
})();
