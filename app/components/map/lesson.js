// The map's lesson mode (predict, then reveal) and its 1-D slice panel. Loaded before map.js
// (components/map/__init__.py concatenates them); MapView calls these from its own methods.
//
// Hidden scene (header.hidden, a lesson before its reveal): the blob holds the landscape and
// each racer's step 0 only; playback is disabled (▶ Play stays in sight, greyed; the other
// playback controls and the curves, with nothing to show yet, are not shown: on a phone the
// question's choices then follow the map closely). With header.predict (the question is
// "where will it end?") a click on the map marks a prediction and fires the trigger "predict";
// otherwise a click does nothing. The keyboard does the same: with the map focused, the arrow
// keys move a marker (Shift: finer) and Enter or Space predicts its point.
// header.autoplay: the scene plays once from step 0 when it first mounts (the reveal).
// header.prediction: a predicted end point, marked on the map.
// Slice (header.slice = {racer, t: [t0, t1], n}, array "slice" of K × n): for the kept step
// idx[k] at or before the shown step, f(x_k + t·d) with d = x_{k+1} − x_k; t = 0 is the
// point before the step, t = 1 the point after it.

const PREDICTION_COLOUR = "#CC79A7";
const PREDICT_HINT = " · click: where will it end?";
const PREDICT_LABEL = "Loss landscape map, the run hidden: click where you think it ends, "
  + "or move the marker with the arrow keys and press Enter";
const CURSOR_STEP = { fine: 0.01, coarse: 0.05 }; // of the shown width / height per arrow key
const SLICE_MARGIN = { l: 58, r: 14, t: 28, b: 36 };
const SLICE_HEIGHT = 200;
const PLAYBACK_CONTROLS = ["play", "back", "fwd", "scrub", "speed", "loop", "record"];
const AFTER_REVEAL = ["back", "fwd", "scrub", "readout", "speed", "loop", "record"]; // not shown before it
const AUTOPLAYED = new Map(); // frontend key -> the scene it last played for

function lessonLoad(view) {
  // disable playback in a hidden scene; a new scene shows the prediction it was sent
  const h = view.h, hidden = !!h.hidden;
  for (const name of PLAYBACK_CONTROLS) view.el[name].disabled = hidden;
  // leaving a hidden scene for an ordinary one shows the whole run again, as a new map does
  if (!hidden && view.root.dataset.hidden === "true" && !h.autoplay) { view.step = view.T; view.atEnd = true; }
  view.root.classList.toggle("hidden-scene", hidden);
  const show = hidden ? "none" : "";
  view.el.curves.style.display = show; // nothing to plot before the reveal
  for (const name of AFTER_REVEAL) (view.el[name].closest("label") || view.el[name]).style.display = show;
  view.root.dataset.hidden = String(hidden);
  view.prediction = h.prediction || null;
  view.cursor = null;
  view.root.dataset.prediction = view.prediction ? view.prediction.join(",") : "";
  if (hidden) { view.step = 0; view.atEnd = false; }
  view.slicePanel.load();
}

function lessonAutoplay(view) {
  // true once per scene with header.autoplay: the caller plays it from step 0
  const h = view.h;
  if (!h.autoplay) return false;
  const scene = [h.title, h.query, view.size, h.start, h.prediction].join("|");
  if (AUTOPLAYED.get(view.key) === scene) return false;
  AUTOPLAYED.set(view.key, scene);
  return true;
}

function lessonHint(view) {
  // what a click on a hidden map does, for the hover read-out
  return view.h.predict ? PREDICT_HINT : "";
}

function lessonClick(view, at) {
  // a click on a hidden map that asks "where will it end?" is a prediction: mark it, send it
  if (!view.h.predict) return;
  view.prediction = at;
  view.root.dataset.prediction = at.join(",");
  view.draw();
  if (view.trigger) view.trigger("predict", at);
}

function lessonKey(view, ev) {
  // the keyboard's prediction on a focused hidden map: arrows move the marker, Enter places it
  if (!view.h.predict || ev.target !== view.el.map || view.mode === "3d") return;
  const [x0, x1, y0, y1] = view.view, f = ev.shiftKey ? CURSOR_STEP.fine : CURSOR_STEP.coarse;
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  const at = view.cursor || view.prediction || [(x0 + x1) / 2, (y0 + y1) / 2];
  if (ev.key in moves) {
    ev.preventDefault();
    const [dx, dy] = moves[ev.key], clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
    view.cursor = [clamp(at[0] + dx * f * (x1 - x0), x0, x1), clamp(at[1] + dy * f * (y1 - y0), y0, y1)];
    const hv = view.el.hover;
    hv.style.display = "block";
    hv.textContent = `(${fmt(view.cursor[0])}, ${fmt(view.cursor[1])}) · Enter: predict here`;
    view.draw();
  } else if (ev.key === "Enter" || ev.key === " ") {
    ev.preventDefault();
    view.cursor = null;
    view.el.hover.style.display = "none";
    lessonClick(view, at);
  }
}

function drawPrediction(view, ctx) {
  if (view.cursor) { // the keyboard's marker, not yet placed: a dashed ring
    const [u, v] = view.toPx(...view.cursor);
    ctx.beginPath(); ctx.arc(u, v, 10, 0, 2 * Math.PI); ctx.setLineDash([4, 3]);
    ctx.lineWidth = 5; ctx.strokeStyle = "#ffffff"; ctx.stroke();
    ctx.lineWidth = 2.5; ctx.strokeStyle = PREDICTION_COLOUR; ctx.stroke(); ctx.setLineDash([]);
  }
  if (!view.prediction) return;
  const [u, v] = view.toPx(...view.prediction);
  ctx.beginPath(); ctx.arc(u, v, 10, 0, 2 * Math.PI);
  ctx.moveTo(u - 15, v); ctx.lineTo(u + 15, v); ctx.moveTo(u, v - 15); ctx.lineTo(u, v + 15);
  ctx.lineWidth = 6; ctx.strokeStyle = "#ffffff"; ctx.stroke();
  ctx.lineWidth = 3; ctx.strokeStyle = PREDICTION_COLOUR; ctx.stroke();
  ctx.font = `bold ${13 * view.fs}px sans-serif`; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
  ctx.lineWidth = 3; ctx.strokeStyle = "#ffffff";
  ctx.strokeText("your prediction", u + 12, v - 8);
  ctx.fillStyle = "#7a2a5c"; ctx.fillText("your prediction", u + 12, v - 8);
}

class SlicePanel {
  constructor(view) {
    this.view = view;
    this.box = view.root.querySelector(".slice-box");
    this.toggle = view.root.querySelector(".slice-toggle");
    this.canvas = view.root.querySelector(".slice-canvas");
    this.on = false;
    this.toggle.addEventListener("click", () => this.setOn(!this.on));
  }

  load() {
    const sl = this.view.h.slice;
    this.box.hidden = !sl;
    if (!sl) return;
    this.values = this.view.a.slice;
    this.n = sl.n;
    this.t = Array.from({ length: sl.n }, (_, i) => sl.t[0] + ((sl.t[1] - sl.t[0]) * i) / (sl.n - 1));
    this.i0 = this.t.findIndex((t) => Math.abs(t) < 1e-9);
    this.i1 = this.t.findIndex((t) => Math.abs(t - 1) < 1e-9);
  }

  setOn(on) {
    this.on = on;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.canvas.hidden = !on;
    this.view.root.dataset.slice = String(on);
    this.layout();
  }

  layout() {
    if (!this.on || !this.view.h || !this.view.h.slice) return;
    const width = Math.max(this.view.root.clientWidth, 200), dpr = window.devicePixelRatio || 1;
    this.cssW = Math.min(width, 640);
    this.canvas.width = Math.round(this.cssW * dpr);
    this.canvas.height = Math.round(SLICE_HEIGHT * dpr);
    this.canvas.style.width = `${this.cssW}px`;
    this.canvas.style.height = `${SLICE_HEIGHT}px`;
    this.dpr = dpr;
    this.draw(Math.floor(this.view.step));
  }

  draw(s) {
    const view = this.view, sl = view.h && view.h.slice;
    if (!this.on || !sl || !this.dpr) return;
    const ctx = this.canvas.getContext("2d"), dpr = this.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const p = { left: SLICE_MARGIN.l, top: SLICE_MARGIN.t, w: this.cssW - SLICE_MARGIN.l - SLICE_MARGIN.r, h: SLICE_HEIGHT - SLICE_MARGIN.t - SLICE_MARGIN.b };
    const ink = getComputedStyle(view.root).color || "#262730", run = view.h.runs[sl.racer];
    const idx = view.a.idx, k = Math.max(lastAtOrBefore(idx, s), 0), step = idx[k];
    const row = this.values.subarray(k * this.n, (k + 1) * this.n);
    const name = run.label.split(" · ")[0];
    ctx.fillStyle = "#ffffff"; ctx.fillRect(p.left, p.top, p.w, p.h);
    ctx.strokeStyle = "rgba(120,130,145,0.9)"; ctx.lineWidth = 1; ctx.strokeRect(p.left, p.top, p.w, p.h);
    ctx.fillStyle = ink; ctx.font = `bold ${13 * view.fs}px sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    const of = this.cssW < 480 ? "" : ` of ${name}`; // a phone: the title fits the width
    ctx.fillText(`Loss along step ${step} → ${step + 1}${of}: f(xₖ + t·d)`, p.left + p.w / 2, p.top - 6);
    const X = (t) => p.left + ((t - sl.t[0]) / (sl.t[1] - sl.t[0])) * p.w;
    ctx.font = `${12 * view.fs}px sans-serif`; ctx.textBaseline = "top";
    for (const t of niceTicks(sl.t[0], sl.t[1], 4)) {
      ctx.fillRect(X(t), p.top + p.h, 1, 4);
      ctx.fillText(fmt(t), X(t), p.top + p.h + 5);
    }
    ctx.fillText("t  (0: before the step, 1: after it)", p.left + p.w / 2, p.top + p.h + 19);
    const scrubbing = view.active !== null && view.h.scrubs[view.active.j].racer === sl.racer
      && view.active.i !== view.h.scrubs[view.active.j].current;
    let lo = Infinity, hi = -Infinity;
    for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const message = scrubbing ? "release the control to update the slice"
      : !Number.isFinite(lo) ? `no step after step ${step}: the run ends there` : "";
    view.root.dataset.sliceStep = message ? "" : String(step);
    if (message) {
      ctx.fillStyle = "#555"; ctx.textBaseline = "middle";
      ctx.fillText(message, p.left + p.w / 2, p.top + p.h / 2);
      return;
    }
    const pad = hi > lo ? 0.08 * (hi - lo) : Math.max(Math.abs(hi) * 0.1, 1e-9);
    lo -= pad; hi += pad;
    const Y = (v) => p.top + (1 - (v - lo) / (hi - lo)) * p.h;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(lo, hi, 4)) {
      ctx.fillRect(p.left - 4, Y(v), 4, 1);
      ctx.fillText(fmt(v), p.left - 6, Y(v));
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(p.left, p.top, p.w, p.h); ctx.clip();
    ctx.strokeStyle = "rgba(120,130,145,0.7)"; ctx.setLineDash([4, 4]);
    for (const t of [0, 1]) { ctx.beginPath(); ctx.moveTo(X(t), p.top); ctx.lineTo(X(t), p.top + p.h); ctx.stroke(); }
    ctx.setLineDash([]);
    ctx.strokeStyle = run.colour; ctx.lineWidth = 2.5; ctx.beginPath();
    let open = false;
    row.forEach((v, i) => {
      if (!Number.isFinite(v)) { open = false; return; }
      ctx[open ? "lineTo" : "moveTo"](X(this.t[i]), Y(v)); open = true;
    });
    ctx.stroke();
    const before = row[this.i0], after = row[this.i1];
    drawMarker(ctx, "circle", X(0), Y(before), 6.5);
    ctx.fillStyle = "#ffffff"; ctx.fill(); ctx.lineWidth = 2.5; ctx.strokeStyle = run.colour; ctx.stroke();
    if (Number.isFinite(after)) {
      drawMarker(ctx, run.marker, X(1), Y(after), 6.5);
      ctx.fillStyle = run.colour; ctx.fill(); ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffffff"; ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = ink; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
    ctx.fillText("before", X(0) + 8, Y(before) - 4);
    if (Number.isFinite(after)) ctx.fillText("after", X(1) + 8, Y(after) - 4);
  }
}
