// A map to click for a seizure's coordinates (Leaflet served by the app; no tiles needed). Leaflet and the country
// outlines are fetched the first time the map is opened, so the form itself stays light on a slow line.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("location-picker");
  const details = box?.closest("details");
  if (!box || !details) return;
  let started = false;

  function load(tag, attributes) {
    return new Promise((resolve, reject) => {
      const element = Object.assign(document.createElement(tag), attributes);
      element.onload = resolve;
      element.onerror = reject;
      document.head.append(element);
    });
  }

  function start() {
    const lat = document.getElementById(box.dataset.lat), lon = document.getElementById(box.dataset.lon);
    const map = L.map(box, { worldCopyJump: true }).setView([lat.value || 5, lon.value || 20], lat.value ? 6 : 2);
    fetch(box.dataset.outlines).then((r) => r.json()).then((shapes) =>
      L.geoJSON(shapes, { style: { color: "#9aa39b", weight: 0.5, fillColor: "#eef0ec", fillOpacity: 1 } }).addTo(map));
    let marker = lat.value && lon.value ? L.marker([lat.value, lon.value]).addTo(map) : null;
    map.on("click", (event) => {
      lat.value = event.latlng.lat.toFixed(5);
      lon.value = L.Util.wrapNum(event.latlng.lng, [-180, 180], true).toFixed(5);
      lat.dispatchEvent(new Event("change", { bubbles: true }));  // the draft keeps it
      if (marker) marker.setLatLng(event.latlng); else marker = L.marker(event.latlng).addTo(map);
    });
  }

  details.addEventListener("toggle", () => {
    if (!details.open || started) return;
    started = true;
    Promise.all([load("link", { rel: "stylesheet", href: box.dataset.style }),
                 load("script", { src: box.dataset.script })]).then(start);
  });
});
