// Optional map click to fill in a seizure's coordinates (Leaflet served by the app; no tiles needed).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("location-picker");
  if (!box || typeof L === "undefined") return;
  const lat = document.getElementById(box.dataset.lat), lon = document.getElementById(box.dataset.lon);
  box.hidden = false;
  const map = L.map(box, { worldCopyJump: true }).setView([lat.value || 5, lon.value || 20], lat.value ? 6 : 2);
  fetch("/static/geo/countries-110m.geojson").then((r) => r.json()).then((shapes) =>
    L.geoJSON(shapes, { style: { color: "#9aa39b", weight: 0.5, fillColor: "#eef0ec", fillOpacity: 1 } }).addTo(map));
  let marker = lat.value && lon.value ? L.marker([lat.value, lon.value]).addTo(map) : null;
  map.on("click", (event) => {
    lat.value = event.latlng.lat.toFixed(5);
    lon.value = L.Util.wrapNum(event.latlng.lng, [-180, 180], true).toFixed(5);
    if (marker) marker.setLatLng(event.latlng); else marker = L.marker(event.latlng).addTo(map);
  });
});
