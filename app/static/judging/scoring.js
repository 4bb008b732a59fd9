/* Score sheet: a live total while typing, and the judge's input kept across a sign-in.
 *
 * When a save is posted after the session has ended (idle for hours at the festival), the
 * server sends the judge to the sign-in page and back to the sheet, and the post is lost.
 * So the values are written to this tab's sessionStorage when the form is sent; when the
 * sheet comes back at the same version (the save did not happen), they are put back and a
 * notice says so. A newer version means the save went through: the copy is dropped.
 */
(function () {
  "use strict";
  var form = document.getElementById("score-sheet");
  if (!form) {
    return;
  }
  var key = "sprout-sheet-" + form.getAttribute("data-sheet-key");
  var lock = form.getAttribute("data-lock-version");
  var separator = form.getAttribute("data-decimal") || ",";
  var scores = Array.prototype.slice.call(form.querySelectorAll("input[data-max]"));
  var fields = scores.concat(Array.prototype.slice.call(form.querySelectorAll("textarea")));
  var output = document.getElementById("live-total");
  var notice = document.getElementById("restored-notice");

  function parse(text) {
    text = (text || "").trim().replace(",", ".");
    return /^\d+(\.\d+)?$/.test(text) ? parseFloat(text) : null;
  }

  function showTotal() {
    if (!output) {
      return;
    }
    var sum = 0;
    var weights = 0;
    for (var i = 0; i < scores.length; i += 1) {
      var value = parse(scores[i].value);
      var max = parseFloat(scores[i].getAttribute("data-max"));
      var weight = parseFloat(scores[i].getAttribute("data-weight"));
      if (value === null || value > max || !(max > 0)) {
        output.textContent = "—";
        return;
      }
      sum += (value / max) * weight;
      weights += weight;
    }
    if (!weights) {
      output.textContent = "—";
      return;
    }
    var total = Math.round((sum / weights) * 10000) / 100;
    output.textContent = String(total).replace(".", separator);
  }

  function snapshot() {
    var values = {};
    fields.forEach(function (field) {
      values[field.name] = field.value;
    });
    return values;
  }

  function keep() {
    try {
      window.sessionStorage.setItem(key, JSON.stringify({ lock: lock, values: snapshot() }));
    } catch (error) {
      /* storage full or disabled: the server still has the last save */
    }
  }

  function restore() {
    var kept;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(key) || "null");
    } catch (error) {
      kept = null;
    }
    if (!kept || kept.lock !== lock || typeof kept.values !== "object") {
      try {
        window.sessionStorage.removeItem(key);
      } catch (error) {
        /* nothing kept */
      }
      return;
    }
    var changed = false;
    fields.forEach(function (field) {
      var value = kept.values[field.name];
      if (typeof value === "string" && value !== field.value) {
        field.value = value;
        changed = true;
      }
    });
    if (changed && notice) {
      notice.hidden = false;
    }
  }

  restore();
  showTotal();
  form.addEventListener("input", showTotal);
  form.addEventListener("submit", keep);
})();
