// Descent Lab's map: the landscape drawn once into a bitmap, the paths, heads and the curves'
// cursor redrawn over it on a canvas each frame. Playback and the live rate scrub run here
// on the data sent once per scene (payload.py: a JSON header + float32 arrays).
// Used by the Streamlit component (export default mountMap is appended) and by the
// standalone HTML export (mountMap called directly, no Streamlit).
//
// Events for other components on the page: on every change of the shown step (each frame of
// playback, a step, a scrub, a new scene) the map dispatches on `window`
//   new CustomEvent("descent-lab:step", {detail: {step, total}})
// with `step` the whole step shown (0 … total) and `total` the run's step count.
// Zoom: the +/− buttons (or keys + −, Ctrl+wheel / trackpad pinch) zoom about the centre or
// the pointer, a drag pans the zoomed map, "Reset" (key 0) shows the whole domain again; the
// landscape is re-rendered from the grid for the zoomed box. Theme: the colours come from
// Streamlit's --st-* CSS variables; a change of theme redraws every layer.
// For tests and bench/browser.py the root's data-* attributes say what is drawn (data-step,
// data-view, data-plot, …) and when: data-mounted-at / data-drawn-at, ms since navigation.

const SPEEDS_BASE_SECONDS = 8; // at 1× a whole run plays in about 8 s
const MIN_SPS = 4;
const PRESENT_MIN_WIDTH = 640; // narrower (a phone): present mode keeps the usual text size
const MAP_TOP = 8; // css px above the plot; the other margins follow the tick labels (margins())
const CURVE_MARGIN = { l: 52, r: 10, t: 26, b: 34 };
const LINE_COLOUR = "rgba(60,72,90,0.45)";
const TITLES = ["Loss above the minimum  f − f*", "Learning rate", "Gradient norm  ‖∇f‖"];
const KEYS = ["loss", "lr", "gn"];
const KEY_COMMIT_MS = 600;
const KEPT = new Map(); // frontend key -> {step, playing, speed, loop, view, mode}: survives remounts
const STEP_EVENT = "descent-lab:step";
const ZOOM_STEP = 1.5;
const MAX_ZOOM = 64;
const DRAG_PX = 4; // a press that moves further pans instead of clicking
const THEME_POLL_MS = 500;

function readBlob(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + n)));
  const start = u8.byteOffset + 4 + n;
  // a copy when the bytes are not 4-aligned in their buffer (Float32Array needs alignment)
  const body = start % 4 === 0
    ? new Float32Array(u8.buffer, start, (u8.byteLength - 4 - n) / 4)
    : new Float32Array(u8.slice(4 + n).buffer);
  const arrays = {};
  for (const [name, [off, len]] of Object.entries(header.arrays)) {
    arrays[name] = body.subarray(off, off + len);
  }
  return { header, arrays, size: u8.byteLength };
}

function hexRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function scaleColour(scale, t) {
  for (let i = 1; i < scale.length; i++) {
    if (t <= scale[i][0] || i === scale.length - 1) {
      const [t0, c0] = scale[i - 1], [t1, c1] = scale[i];
      const u = Math.min(Math.max((t - t0) / (t1 - t0 || 1), 0), 1);
      const a = hexRgb(c0), b = hexRgb(c1);
      return a.map((v, k) => Math.round(v + (b[k] - v) * u));
    }
  }
  return hexRgb(scale[0][1]);
}

function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

function fmt(v) {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const pow10 = (k) => (k === 0 ? "1" : k === 1 ? "10" : "10" + String(k).replace(/./g, (c) => SUPER[c]));

/** Set ctx.font to `size` px, or smaller (down to 9 px) until `text` fits in `room` px. */
function fitFont(ctx, text, room, size, weight = "") {
  let px = size;
  ctx.font = `${weight}${px}px sans-serif`;
  while (px > 9 && ctx.measureText(text).width > room) {
    px -= 0.5;
    ctx.font = `${weight}${px}px sans-serif`;
  }
}

function lastAtOrBefore(idx, s) {
  let lo = 0, hi = idx.length - 1;
  if (s < idx[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (idx[mid] <= s) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function lastFinite(a) {
  for (let k = a.length - 1; k >= 0; k--) if (Number.isFinite(a[k])) return k;
  return -1;
}

function drawMarker(ctx, kind, x, y, r) {
  ctx.beginPath();
  if (kind === "square") ctx.rect(x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r);
  else if (kind === "triangle" || kind === "down") {
    const d = kind === "down" ? -1 : 1;
    ctx.moveTo(x, y - d * r * 1.1); ctx.lineTo(x + r, y + d * r * 0.75); ctx.lineTo(x - r, y + d * r * 0.75);
    ctx.closePath();
  } else if (kind === "diamond") {
    ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r, y);
    ctx.closePath();
  } else if (kind === "star") {
    for (let i = 0; i < 10; i++) {
      const a = -Math.PI / 2 + (i * Math.PI) / 5, rr = i % 2 ? r * 0.45 : r * 1.2;
      ctx[i ? "lineTo" : "moveTo"](x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath();
  } else if (kind === "x") {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
}

class MapView {
  constructor(host, key) {
    this.host = host;
    this.key = key;
    this.root = host.querySelector(".dlmap");
    const q = (s) => this.root.querySelector(s);
    this.el = {
      map: q(".map-canvas"), curves: q(".curves-canvas"), hover: q(".hover"),
      play: q(".play"), back: q(".back"), fwd: q(".fwd"), scrub: q(".scrub"),
      readout: q(".readout"), speed: q(".speed"), loop: q(".loop"), record: q(".record"),
      scrubs: q(".scrubs"), legend: q(".legend"), slice: q(".slice-toggle"),
      scrubFor: q(".scrub-for"), scrubRacer: q(".scrub-racer"),
      zoomIn: q(".zoom-in"), zoomOut: q(".zoom-out"), zoomReset: q(".zoom-reset"),
      modes: [...this.root.querySelectorAll(".mode button")],
    };
    const kept = KEPT.get(key) || {};
    this.step = kept.step ?? Infinity; // a new map shows the whole run
    this.atEnd = kept.atEnd ?? true;
    this.playing = false;
    this.frames = 0;
    this.trigger = null;
    if (kept.speed) this.el.speed.value = kept.speed;
    this.el.loop.checked = !!kept.loop;
    this.wire();
    this.slicePanel = new SlicePanel(this); // lesson.js
    // a new size of the page around the map redraws it, the map's own new height does not
    // (else every layout, the first one at mount included, would be drawn twice before paint)
    this.resizer = new ResizeObserver(() => { if (this.sizeKey() !== this.laidOut) this.layout(); });
    this.resizer.observe(this.root);
    this.theme = this.themeKey();
    this.themeTimer = setInterval(() => this.checkTheme(), THEME_POLL_MS);
    this.keptView = kept.view;
    this.mode = kept.mode; // "contour" | "3d": the payload's until the viewer picks one
    this.sceneMode = kept.sceneMode;
    this.cam3d = kept.cam3d || { ...CAMERA3D };
  }

  themeKey() {
    const cs = getComputedStyle(this.root);
    return [cs.color, cs.getPropertyValue("--st-background-color")].join("|");
  }

  checkTheme() {
    // Streamlit changes the --st-* variables in place (no rerun, no remount): redraw then
    const key = this.themeKey();
    if (key === this.theme) return;
    this.theme = key;
    this.root.dataset.themes = String((Number(this.root.dataset.themes) || 0) + 1);
    this.layout();
  }

  wire() {
    const e = this.el;
    e.play.addEventListener("click", () => this.toggle());
    e.back.addEventListener("click", () => this.jump(Math.floor(this.step) - 1));
    e.fwd.addEventListener("click", () => this.jump(Math.floor(this.step) + 1));
    e.scrub.addEventListener("input", () => this.jump(Number(e.scrub.value), true));
    e.speed.addEventListener("change", () => this.keep());
    e.loop.addEventListener("change", () => this.keep());
    e.record.addEventListener("click", () => this.record());
    e.scrubRacer.addEventListener("change", () => {
      if (this.trigger) this.trigger("racer", Number(e.scrubRacer.value)); // one rerun
    });
    this.root.addEventListener("keydown", (ev) => this.onKey(ev));
    this.root.addEventListener("keyup", (ev) => {
      if (ev.key === " " && this.spaceHandled) { ev.preventDefault(); this.spaceHandled = false; }
    });
    e.map.addEventListener("pointermove", (ev) => this.onHover(ev));
    e.map.addEventListener("pointerleave", () => { e.hover.style.display = "none"; });
    e.map.addEventListener("click", (ev) => this.onClick(ev));
    e.map.addEventListener("pointerdown", (ev) => this.onPress(ev));
    e.map.addEventListener("pointermove", (ev) => this.onDrag(ev));
    e.map.addEventListener("pointerup", () => { this.press = null; });
    e.map.addEventListener("wheel", (ev) => this.onWheel(ev), { passive: false });
    e.zoomIn.addEventListener("click", () => this.zoom(ZOOM_STEP));
    e.zoomOut.addEventListener("click", () => this.zoom(1 / ZOOM_STEP));
    e.zoomReset.addEventListener("click", () => this.setView(this.h.box));
    for (const b of e.modes) b.addEventListener("click", () => this.setMode(b.value));
  }

  setMode(mode) {
    // the contour map or the 3-D surface: same playback, curves and events
    this.mode = mode === "3d" ? "3d" : "contour";
    const three = this.mode === "3d";
    this.root.dataset.mode = this.mode;
    this.root.dataset.angle = `${this.cam3d.az.toFixed(3)},${this.cam3d.el.toFixed(3)}`;
    for (const b of this.el.modes) b.setAttribute("aria-pressed", String(b.value === this.mode));
    this.el.map.setAttribute("aria-label", three
      ? "Loss landscape as a 3-D surface with the optimizers' paths; drag or Shift+arrows to turn"
      : this.h && this.h.hidden && this.h.predict ? PREDICT_LABEL
        : "Loss landscape map with the optimizers' paths; click to start there");
    this.el.map.style.cursor = three ? "grab" : "";
    this.el.hover.style.display = "none";
    this.keep();
    this.layout();
  }

  load(bytes) {
    const { header, arrays, size } = readBlob(bytes);
    this.h = header;
    this.a = arrays;
    this.size = size;
    this.T = header.steps;
    this.root.classList.toggle("present", !!header.present);
    this.series = header.runs.map((r, i) => this.seriesOf(arrays.idx, i, `r${i}.`, r.diverged));
    this.active = null; // {j, i}: scrub j previews its value i
    this.el.scrubs.replaceChildren(...header.scrubs.map((sc, j) => this.scrubBlock(sc, j)));
    this.el.scrub.max = String(this.T);
    this.el.readout.style.minWidth = `${2 * String(this.T).length + 6}ch`; // no jitter in play
    this.scrubChoice();
    this.step = this.atEnd ? this.T : Math.min(this.step, this.T);
    lessonLoad(this); // lesson.js: a hidden scene, a prediction, the slice
    this.el.slice.hidden = !header.slice;
    // a new scene on the same domain keeps the zoom; another domain starts whole
    const kept = this.view ? { box: this.viewBox, view: this.view } : this.keptView || {};
    this.viewBox = header.box.join(",");
    this.view = kept.box === this.viewBox ? kept.view : header.box.slice();
    this.keptView = null;
    // a new mode from the server (the URL's map=) wins; else the viewer's choice stays
    if (header.mode !== this.sceneMode || !this.mode) this.mode = header.mode || "contour";
    this.sceneMode = header.mode;
    const d = this.root.dataset;
    d.bytes = String(size);
    d.labels = JSON.stringify(header.runs.map((r) => r.label));
    d.start = header.start.join(",");
    d.box = header.box.join(",");
    this.root.dataset.scene = String((Number(this.root.dataset.scene) || 0) + 1);
    this.legend();
    this.setMode(this.mode);
    d.drawnAt ??= performance.now().toFixed(0); // ms since the page's navigation began
  }

  seriesOf(idx, i, prefix, diverged, row) {
    const pick = (name) => {
      const a = this.a[prefix + name] || new Float32Array(0); // a hidden scene: px, py only
      if (row === undefined) return a;
      const k = idx.length;
      return a.subarray(row * k, (row + 1) * k);
    };
    const s = { idx, px: pick("px"), py: pick("py"), loss: pick("loss"), lr: pick("lr"), gn: pick("gn"), diverged, run: i };
    s.endPos = lastFinite(s.px);
    s.endCurve = lastFinite(s.loss);
    return s;
  }

  shown() {
    if (this.active === null) return this.series;
    const { j, i } = this.active, sc = this.h.scrubs[j], out = this.series.slice();
    out[sc.racer] = this.seriesOf(this.a[sc.prefix + "idx"], sc.racer, sc.prefix, sc.diverged[i], i);
    return out;
  }

  // ---------------------------------------------------------------- layout & static layers

  /** The plot height that keeps the map and its playback bar inside the first viewport,
   *  measured from where the map starts on the page (a map that starts below the fold gets
   *  the usual height). */
  foldRoom(m) {
    const top = this.root.getBoundingClientRect().top + window.scrollY;
    const bar = this.root.querySelector(".bar").offsetHeight + 16;
    const room = window.innerHeight - top - m.t - m.b - bar;
    return room > 200 ? room : Infinity;
  }

  /** The contour plot's margins in css px: room for the y tick labels and the y title on the
   *  left, the x tick labels and the x title below (sized by the text: a phone keeps the
   *  width for the map). Measured on the whole domain's ticks, so zooming keeps the plot's
   *  box (a zoomed tick label a few characters longer reaches into the title's room). */
  margins(width) {
    const [x0, x1, y0, y1] = this.h.box, size = 13 * this.fs;
    const ctx = this.el.map.getContext("2d");
    ctx.font = `${size}px sans-serif`;
    const wide = (t) => ctx.measureText(fmt(t)).width;
    const ys = [...niceTicks(y0, y1, 3), ...niceTicks(y0, y1, 10)]; // axes() picks 3 … 9 by height
    const l = Math.ceil(Math.max(...ys.map(wide), 0) + 10 + size + 2); // ticks, gap, "y"
    const xs = niceTicks(x0, x1, Math.max(3, Math.round(width / 80)));
    const r = Math.max(width < 500 ? 6 : 10, Math.ceil(wide(xs[xs.length - 1]) / 2 + 2)); // last x tick
    return { l, r, t: MAP_TOP, b: Math.ceil(2 * size + 12) };
  }

  sizeKey() {
    // what layout() reads of the page: the root's width, the window's height, where the map
    // starts and its bar's height (the room above the fold), not the map's own height
    const top = Math.round(this.root.getBoundingClientRect().top + window.scrollY);
    const bar = this.root.querySelector(".bar").offsetHeight;
    return [this.root.clientWidth, window.innerHeight, top, bar].join("|");
  }

  layout() {
    if (!this.h) return;
    this.laidOut = this.sizeKey();
    this.root.dataset.layouts = String((Number(this.root.dataset.layouts) || 0) + 1);
    const width = Math.max(this.root.clientWidth, 200);
    const dpr = window.devicePixelRatio || 1;
    this.fs = this.h.present && width >= PRESENT_MIN_WIDTH ? 1.3 : 1; // text for a projector
    const [x0, x1, y0, y1] = this.h.box;
    const m = this.margins(width);
    const maxH = Math.max(200, Math.min(640, window.innerHeight * 0.72, this.foldRoom(m)));
    let pw = width - m.l - m.r;
    let ph = (pw * (y1 - y0)) / (x1 - x0);
    if (ph > maxH) { ph = maxH; pw = (ph * (x1 - x0)) / (y1 - y0); }
    let left = m.l + (width - m.l - m.r - pw) / 2;
    let below = m.b;
    if (this.mode === "3d") ({ left, w: pw, h: ph, below } = layout3d(this, width, maxH));
    this.plot = { left, top: m.t, w: pw, h: ph, cssW: width, cssH: ph + m.t + below, dpr };
    this.root.dataset.plot = [left, m.t, pw, ph].map((v) => v.toFixed(2)).join(",");
    this.root.dataset.view = this.view.map((v) => Number(v.toPrecision(6))).join(",");
    this.zoomButtons();
    const c = this.el.map;
    c.width = Math.round(width * dpr);
    c.height = Math.round(this.plot.cssH * dpr);
    c.style.height = `${this.plot.cssH}px`;
    this.base = this.mode === "3d" ? renderSurface3d(this) : this.renderBase();
    this.layoutCurves(width, dpr);
    this.draw();
    this.slicePanel.layout();
  }

  toPx(x, y) {
    const [x0, x1, y0, y1] = this.view, p = this.plot;
    return [p.left + ((x - x0) / (x1 - x0)) * p.w, p.top + ((y1 - y) / (y1 - y0)) * p.h];
  }

  renderBase() {
    const p = this.plot, g = this.h.grid, dpr = p.dpr, z = this.a.z;
    const canvas = document.createElement("canvas");
    canvas.width = this.el.map.width;
    canvas.height = this.el.map.height;
    const ctx = canvas.getContext("2d");
    // filled contours: each device pixel's height (bilinear on the grid) → its level's colour
    const W = Math.round(p.w * dpr), H = Math.round(p.h * dpr);
    const img = ctx.createImageData(W, H);
    const band = new Int16Array(W * H);
    const N = g.levels, span = g.zmax - g.zmin || 1;
    const [bx0, bx1, by0, by1] = this.h.box, [vx0, vx1, vy0, vy1] = this.view;
    const ax = ((vx1 - vx0) / (bx1 - bx0)) * (g.w - 1), bx = ((vx0 - bx0) / (bx1 - bx0)) * (g.w - 1);
    const ay = ((vy1 - vy0) / (by1 - by0)) * (g.h - 1), by = ((vy0 - by0) / (by1 - by0)) * (g.h - 1);
    const lut = Array.from({ length: N }, (_, k) => scaleColour(g.scale, k / (N - 1)));
    for (let j = 0; j < H; j++) {
      const gy = by + (1 - (j + 0.5) / H) * ay, iy = Math.min(Math.floor(gy), g.h - 2), fy = gy - iy;
      for (let i = 0; i < W; i++) {
        const gx = bx + ((i + 0.5) / W) * ax, ix = Math.min(Math.floor(gx), g.w - 2), fx = gx - ix;
        const o = iy * g.w + ix;
        const v = (z[o] * (1 - fx) + z[o + 1] * fx) * (1 - fy) + (z[o + g.w] * (1 - fx) + z[o + g.w + 1] * fx) * fy;
        band[j * W + i] = Math.min(N - 1, Math.max(0, Math.floor(((v - g.zmin) / span) * N)));
      }
    }
    const line = [60, 72, 90], alpha = 0.45;
    for (let k = 0; k < W * H; k++) {
      const b = band[k], i = k % W;
      let rgb = lut[b];
      const edge = (i + 1 < W && band[k + 1] !== b) || (k + W < W * H && band[k + W] !== b);
      if (edge) rgb = rgb.map((v, c) => Math.round(v * (1 - alpha) + line[c] * alpha));
      img.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * k);
    }
    ctx.putImageData(img, Math.round(p.left * dpr), Math.round(p.top * dpr));
    ctx.scale(dpr, dpr);
    this.axes(ctx);
    // landmarks: minima ★, saddles ◇, start ○ (inside the plot area only when zoomed)
    ctx.save();
    ctx.beginPath(); ctx.rect(p.left, p.top, p.w, p.h); ctx.clip();
    ctx.lineWidth = 1.5;
    for (const [x, y] of this.h.minima) {
      const [u, v] = this.toPx(x, y);
      drawMarker(ctx, "star", u, v, 8); ctx.fillStyle = "#111"; ctx.fill();
    }
    for (const [x, y] of this.h.saddles) {
      const [u, v] = this.toPx(x, y);
      drawMarker(ctx, "diamond", u, v, 6); ctx.strokeStyle = "#444"; ctx.stroke();
    }
    const [su, sv] = this.toPx(...this.h.start);
    drawMarker(ctx, "circle", su, sv, 7.5); ctx.lineWidth = 3; ctx.strokeStyle = "#111"; ctx.stroke();
    ctx.restore();
    return canvas;
  }

  axes(ctx) {
    const p = this.plot, [x0, x1, y0, y1] = this.view;
    const ink = getComputedStyle(this.root).color || "#262730";
    ctx.strokeStyle = "rgba(120,130,145,0.9)";
    ctx.lineWidth = 1;
    ctx.strokeRect(p.left, p.top, p.w, p.h);
    ctx.fillStyle = ink;
    const size = 13 * this.fs;
    ctx.font = `${size}px sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, Math.max(3, Math.round(p.w / 80)))) {
      const [u] = this.toPx(t, y0);
      ctx.fillRect(u, p.top + p.h, 1, 4);
      ctx.fillText(fmt(t), u, p.top + p.h + 6);
    }
    ctx.fillText("x", p.left + p.w / 2, p.top + p.h + size + 8);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    let widest = 0;
    for (const t of niceTicks(y0, y1, Math.max(3, Math.round(p.h / 70)))) {
      const [, v] = this.toPx(x0, t);
      ctx.fillRect(p.left - 4, v, 4, 1);
      ctx.fillText(fmt(t), p.left - 6, v);
      widest = Math.max(widest, ctx.measureText(fmt(t)).width);
    }
    ctx.save(); ctx.translate(Math.max(p.left - widest - 10 - size / 2, size / 2), p.top + p.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText("y", 0, 0); ctx.restore();
  }

  layoutCurves(width, dpr) {
    const narrow = width < 620;
    const cols = narrow ? 1 : 3;
    const panelW = width / cols, panelH = narrow ? 150 : 210;
    const c = this.el.curves;
    const cssH = panelH * (narrow ? 3 : 1);
    c.width = Math.round(width * dpr);
    c.height = Math.round(cssH * dpr);
    c.style.height = `${cssH}px`;
    this.panels = KEYS.map((key, k) => {
      const col = narrow ? 0 : k, row = narrow ? k : 0;
      const left = col * panelW + CURVE_MARGIN.l, top = row * panelH + CURVE_MARGIN.t;
      return { key, title: TITLES[k], left, top, w: panelW - CURVE_MARGIN.l - CURVE_MARGIN.r, h: panelH - CURVE_MARGIN.t - CURVE_MARGIN.b };
    });
    this.curvesDpr = dpr;
    this.renderCurves();
  }

  renderCurves() {
    const dpr = this.curvesDpr, shown = this.shown(), T = Math.max(this.T, 1);
    const canvas = this.curvesBase || document.createElement("canvas");
    canvas.width = this.el.curves.width;
    canvas.height = this.el.curves.height;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const ink = getComputedStyle(this.root).color || "#262730";
    for (const panel of this.panels) {
      let lo = Infinity, hi = -Infinity;
      for (const s of shown) {
        const a = s[panel.key];
        for (let k = 0; k < a.length; k++) {
          const v = a[k];
          if (v > 0 && Number.isFinite(v)) { const l = Math.log10(v); if (l < lo) lo = l; if (l > hi) hi = l; }
        }
      }
      if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
      if (hi - lo < 0.5) { lo -= 0.25; hi += 0.25; }
      lo = Math.floor(lo); hi = Math.ceil(hi);
      panel.lo = lo; panel.hi = hi;
      const X = (s) => panel.left + (s / T) * panel.w;
      const Y = (v) => panel.top + (1 - (Math.log10(v) - lo) / (hi - lo)) * panel.h;
      panel.X = X; panel.Y = Y;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(panel.left, panel.top, panel.w, panel.h);
      ctx.strokeStyle = "rgba(120,130,145,0.9)"; ctx.lineWidth = 1;
      ctx.strokeRect(panel.left, panel.top, panel.w, panel.h);
      ctx.fillStyle = ink; ctx.textAlign = "center"; ctx.textBaseline = "bottom";
      fitFont(ctx, panel.title, panel.w + CURVE_MARGIN.l + CURVE_MARGIN.r - 8, 13 * this.fs, "bold ");
      ctx.fillText(panel.title, panel.left + panel.w / 2, panel.top - 6);
      ctx.font = `${12 * this.fs}px sans-serif`; ctx.textBaseline = "top";
      for (const t of niceTicks(0, T, Math.max(2, Math.round(panel.w / 70)))) {
        ctx.fillRect(X(t), panel.top + panel.h, 1, 4);
        ctx.fillText(fmt(t), X(t), panel.top + panel.h + 5);
      }
      ctx.fillText("step", panel.left + panel.w / 2, panel.top + panel.h + 18);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      const every = Math.max(1, Math.ceil((hi - lo) / Math.max(2, Math.floor(panel.h / 28))));
      for (let k = lo; k <= hi; k += every) {
        const v = Y(Math.pow(10, k));
        ctx.fillRect(panel.left - 4, v, 4, 1);
        ctx.fillText(pow10(k), panel.left - 6, v);
        ctx.fillStyle = "rgba(120,130,145,0.18)"; ctx.fillRect(panel.left, v, panel.w, 1); ctx.fillStyle = ink;
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(panel.left, panel.top, panel.w, panel.h); ctx.clip();
      shown.forEach((s, i) => {
        const run = this.h.runs[i], a = s[panel.key];
        ctx.strokeStyle = run.colour; ctx.lineWidth = 2.2; ctx.setLineDash(run.dash);
        ctx.beginPath();
        let open = false;
        for (let k = 0; k < a.length; k++) {
          const v = a[k];
          if (!(v > 0 && Number.isFinite(v))) { open = false; continue; }
          ctx[open ? "lineTo" : "moveTo"](X(s.idx[k]), Y(v)); open = true;
        }
        ctx.stroke(); ctx.setLineDash([]);
        if (s.diverged > 0 && panel.key !== "lr" && s.endCurve >= 0) {
          drawMarker(ctx, "x", X(s.idx[s.endCurve]), Y(a[s.endCurve]), 6);
          ctx.lineWidth = 2.5; ctx.stroke();
        }
      });
      ctx.restore();
    }
    this.curvesBase = canvas;
  }

  legend() {
    const ul = this.el.legend;
    ul.replaceChildren();
    this.h.runs.forEach((run, i) => {
      const li = document.createElement("li");
      const c = document.createElement("canvas");
      c.width = 44; c.height = 16; c.style.width = "44px"; c.style.height = "16px";
      const ctx = c.getContext("2d");
      ctx.strokeStyle = run.colour; ctx.lineWidth = 2.5; ctx.setLineDash(run.dash);
      ctx.beginPath(); ctx.moveTo(1, 8); ctx.lineTo(43, 8); ctx.stroke(); ctx.setLineDash([]);
      drawMarker(ctx, run.marker, 22, 8, 5.5); ctx.fillStyle = run.colour; ctx.fill();
      ctx.lineWidth = 1.2; ctx.strokeStyle = "#fff"; ctx.stroke();
      const span = document.createElement("span");
      span.className = "legend-label";
      span.textContent = this.labelOf(i);
      li.append(c, span);
      ul.append(li);
    });
  }

  labelOf(r) {
    const run = this.h.runs[r];
    if (this.active === null) return run.label;
    const { j, i } = this.active, sc = this.h.scrubs[j];
    if (sc.racer !== r || i === sc.current) return run.label;
    const name = run.label.split(" · ")[0], v = fmt(sc.values[i]);
    return sc.param === "lr" ? `${name} · lr ${v} (preview)` : `${run.label} · μ ${v} (preview)`;
  }

  // ---------------------------------------------------------------- per-frame drawing

  draw() {
    if (!this.base) return;
    const t0 = performance.now();
    const ctx = this.el.map.getContext("2d"), p = this.plot, dpr = p.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.el.map.width, this.el.map.height);
    ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const s = Math.floor(this.step), shown = this.shown();
    if (this.mode === "3d") drawPaths3d(this, ctx, s, shown);
    else this.drawPaths(ctx, s, shown);
    this.drawCurves(s, shown);
    this.slicePanel.draw(s);
    this.frames += 1;
    const d = this.root.dataset;
    d.step = String(s);
    d.frames = String(this.frames);
    d.drawMs = (performance.now() - t0).toFixed(2);
    if (this.recording) this.composite();
  }

  drawPaths(ctx, s, shown) {
    // the contour map's paths up to step s and the current points, inside the plot area
    const p = this.plot;
    ctx.save();
    ctx.beginPath(); ctx.rect(p.left, p.top, p.w, p.h); ctx.clip();
    const heads = [];
    shown.forEach((ser, i) => {
      const run = this.h.runs[i];
      const k = Math.min(lastAtOrBefore(ser.idx, s), ser.endPos);
      if (k < 0) return;
      ctx.strokeStyle = run.colour; ctx.lineWidth = 2.5; ctx.setLineDash(run.dash);
      ctx.lineJoin = "round";
      ctx.beginPath();
      let open = false;
      for (let j = 0; j <= k; j++) {
        const x = ser.px[j], y = ser.py[j];
        if (!Number.isFinite(x)) { open = false; continue; }
        const [u, v] = this.toPx(x, y);
        ctx[open ? "lineTo" : "moveTo"](u, v); open = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
      const [u, v] = this.toPx(ser.px[k], ser.py[k]);
      heads.push([u, v, run, ser.diverged > 0 && s >= ser.diverged]);
    });
    for (const [u, v, run, gone] of heads) {
      const x = Math.min(Math.max(u, p.left), p.left + p.w), y = Math.min(Math.max(v, p.top), p.top + p.h);
      if (gone) {
        drawMarker(ctx, "x", x, y, 8); ctx.strokeStyle = run.colour; ctx.lineWidth = 3.5; ctx.stroke();
      } else {
        drawMarker(ctx, run.marker, x, y, 7); ctx.fillStyle = run.colour; ctx.fill();
        ctx.lineWidth = 1.8; ctx.strokeStyle = "#fff"; ctx.stroke();
      }
    }
    drawPrediction(this, ctx);
    ctx.restore();
  }

  drawCurves(s, shown) {
    const ctx = this.el.curves.getContext("2d"), dpr = this.curvesDpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.el.curves.width, this.el.curves.height);
    ctx.drawImage(this.curvesBase, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    for (const panel of this.panels) {
      const x = panel.X(s);
      ctx.fillStyle = "rgba(30,30,30,0.55)";
      ctx.fillRect(x - 0.75, panel.top, 1.5, panel.h);
      shown.forEach((ser, i) => {
        const k = Math.min(lastAtOrBefore(ser.idx, s), ser.endCurve);
        const v = k >= 0 ? ser[panel.key][k] : NaN;
        if (!(v > 0 && Number.isFinite(v))) return;
        const y = panel.Y(v);
        if (y < panel.top - 2 || y > panel.top + panel.h + 2) return;
        drawMarker(ctx, this.h.runs[i].marker, panel.X(ser.idx[k]), y, 4.5);
        ctx.fillStyle = this.h.runs[i].colour; ctx.fill();
        ctx.lineWidth = 1.2; ctx.strokeStyle = "#fff"; ctx.stroke();
      });
    }
  }

  // ---------------------------------------------------------------- playback

  sps() {
    return Math.max(this.T / SPEEDS_BASE_SECONDS, MIN_SPS) * Number(this.el.speed.value);
  }

  setStep(s, fromScrub) {
    this.step = Math.min(Math.max(s, 0), this.T);
    this.atEnd = this.step >= this.T;
    const whole = Math.floor(this.step);
    if (!fromScrub) this.el.scrub.value = String(whole);
    this.el.readout.textContent = `step ${whole} / ${this.T}`;
    this.keep();
    this.draw();
    if (whole !== this.sent || this.T !== this.sentTotal) {
      this.sent = whole; this.sentTotal = this.T;
      window.dispatchEvent(new CustomEvent(STEP_EVENT, { detail: { step: whole, total: this.T } }));
    }
  }

  jump(s, fromScrub) {
    this.pause();
    this.setStep(Math.round(s), fromScrub);
  }

  toggle() {
    if (this.playing) this.pause(); else this.play();
  }

  play() {
    if (this.playing || !this.h) return;
    if (this.step >= this.T) this.step = 0;
    this.playing = true;
    this.el.play.textContent = "❚❚ Pause";
    this.el.play.setAttribute("aria-label", "Pause");
    this.root.dataset.playing = "true";
    let last = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      // rAF stamps the frame's start, which may precede play(): never step backwards
      const dt = Math.min(Math.max((now - last) / 1000, 0), 0.1);
      last = now;
      let next = this.step + dt * this.sps();
      if (next >= this.T) {
        if (this.el.loop.checked && !this.recording) next = 0;
        else { this.setStep(this.T); this.pause(); return; }
      }
      this.setStep(next);
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
    this.keep();
  }

  pause() {
    const was = this.playing;
    this.playing = false;
    if (this.raf) cancelAnimationFrame(this.raf);
    this.el.play.textContent = "▶ Play";
    this.el.play.setAttribute("aria-label", "Play");
    this.root.dataset.playing = "false";
    if (this.recording) this.stopRecording();
    if (was) this.keep();
  }

  keep() {
    KEPT.set(this.key, {
      step: this.step, atEnd: this.atEnd, playing: this.playing,
      speed: this.el.speed.value, loop: this.el.loop.checked,
      view: { box: this.viewBox, view: this.view },
      mode: this.mode, sceneMode: this.sceneMode, cam3d: this.cam3d,
    });
  }

  onKey(ev) {
    const t = ev.target;
    const isRange = t && t.tagName === "INPUT" && t.type === "range";
    if (t && (t.tagName === "SELECT" || (t.tagName === "INPUT" && t.type === "checkbox" && ev.key !== " "))) return;
    if (this.h && this.h.hidden) { lessonKey(this, ev); return; } // no playback before the reveal
    if (ev.key === " " || ev.key === "Spacebar") {
      if (t && t.tagName === "INPUT" && t.type === "checkbox") return;
      ev.preventDefault(); this.spaceHandled = true; this.toggle(); return;
    }
    if (isRange) return; // ← → Home End move the focused slider itself
    if (this.mode === "3d" && key3d(this, ev)) return;
    const zooms = this.mode === "3d" ? {} : { "+": ZOOM_STEP, "=": ZOOM_STEP, "-": 1 / ZOOM_STEP };
    if (ev.key in zooms) { ev.preventDefault(); this.zoom(zooms[ev.key]); return; }
    if (ev.key === "0" && this.mode !== "3d") { ev.preventDefault(); this.setView(this.h.box); return; }
    const s = Math.floor(this.step);
    const moves = { ArrowLeft: s - 1, ArrowRight: s + 1, Home: 0, End: this.T };
    if (ev.key in moves) { ev.preventDefault(); this.jump(moves[ev.key]); }
  }

  // ---------------------------------------------------------------- rate scrub

  scrubBlock(sc, j) {
    // one live control: its own input, value, stability mark and outcome line
    const lr = sc.param === "lr", cls = lr ? "lr" : "mu";
    const block = document.createElement("div");
    block.className = "rate";
    block.dataset.param = sc.param;
    const racer = this.h.runs[sc.racer].label.split(" · ")[0];
    const what = lr ? "Learning rate" : "Momentum μ";
    block.innerHTML = `<label class="rate-label"><span class="rate-name"></span>
      <span class="rate-track"><input type="range" class="${cls}" min="0" step="1">
      <span class="stable-mark" hidden></span></span><output class="${cls}-value"></output></label>
      <div class="outcome" aria-live="polite"></div>`;
    const input = block.querySelector("input"), mark = block.querySelector(".stable-mark");
    block.querySelector(".rate-name").textContent = `${what} of ${racer}`;
    input.setAttribute("aria-label", `${what}, live preview: drag, release to apply`);
    input.max = String(sc.values.length - 1);
    input.value = String(sc.current);
    const at = (v) => {
      const n = sc.values.length - 1, [a, b] = [sc.values[0], sc.values[n]];
      return lr ? (Math.log(v) - Math.log(a)) / (Math.log(b) - Math.log(a)) : (v - a) / (b - a);
    };
    if (sc.mark !== null) {
      // the grid is log-spaced (lr) or even (μ): the mark sits where its value would be
      mark.hidden = false;
      mark.style.left = `calc(8px + ${at(sc.mark)} * (100% - 16px))`;
      mark.textContent = lr ? `stable for lr < ${fmt(sc.mark)}` : `stable for μ > ${fmt(sc.mark)}`;
    }
    input.addEventListener("input", () => this.preview(j, Number(input.value)));
    // releasing the pointer commits at once; keys commit once they rest for a moment
    input.addEventListener("pointerdown", () => { this.dragging = true; });
    input.addEventListener("change", () => {
      clearTimeout(this.commitTimer);
      if (this.dragging) { this.dragging = false; this.commit(j); }
      else this.commitTimer = setTimeout(() => this.commit(j), KEY_COMMIT_MS);
    });
    sc.el = { block, input, value: block.querySelector("output"), outcome: block.querySelector(".outcome") };
    this.showValue(sc, sc.current);
    return block;
  }

  scrubChoice() {
    // "Live scrub for [racer]": which racer the scene's scrub batches belong to; another
    // choice asks the server for that racer's batches (trigger "racer", one rerun)
    const runs = this.h.runs, sel = this.el.scrubRacer, racer = this.h.scrubs.length ? this.h.scrubs[0].racer : -1;
    this.el.scrubFor.hidden = runs.length < 2 || racer < 0;
    sel.replaceChildren(...runs.map((r, i) => new Option(r.label, String(i), i === racer, i === racer)));
    sel.disabled = !this.trigger; // the offline export carries one racer's batches
  }

  preview(j, i) {
    const t0 = performance.now();
    if (this.active !== null && this.active.j !== j) {
      const other = this.h.scrubs[this.active.j]; // one preview at a time
      other.el.input.value = String(other.current);
      this.showValue(other, other.current);
    }
    this.active = { j, i };
    this.showValue(this.h.scrubs[j], i);
    this.renderCurves();
    this.legend();
    this.draw();
    this.root.dataset.scrubMs = (performance.now() - t0).toFixed(2);
    this.root.dataset.scrubs = String((Number(this.root.dataset.scrubs) || 0) + 1);
  }

  showValue(sc, i) {
    const name = sc.param === "lr" ? "lr" : "μ", v = fmt(sc.values[i]);
    sc.el.value.textContent = v;
    sc.el.input.setAttribute("aria-valuetext", `${sc.param === "lr" ? "learning rate" : "momentum"} ${v}`);
    const pending = i !== sc.current && this.trigger ? " — release to apply" : "";
    sc.el.outcome.textContent = `${name} ${v}: ${sc.labels[i]}${pending}`;
  }

  commit(j) {
    const sc = this.h.scrubs[j];
    if (!this.active || this.active.j !== j || this.active.i === sc.current || !this.trigger) return;
    this.trigger("scrub", { param: sc.param, racer: sc.racer, value: sc.values[this.active.i] });
  }

  // ---------------------------------------------------------------- click to start

  dataAt(ev) {
    if (this.mode === "3d") return null; // a drag turns the surface; no click-to-start
    const r = this.el.map.getBoundingClientRect(), p = this.plot, [x0, x1, y0, y1] = this.view;
    const u = ev.clientX - r.left, v = ev.clientY - r.top;
    if (u < p.left || u > p.left + p.w || v < p.top || v > p.top + p.h) return null;
    return [x0 + ((u - p.left) / p.w) * (x1 - x0), y1 - ((v - p.top) / p.h) * (y1 - y0)];
  }

  onHover(ev) {
    if (!this.h) return;
    const at = this.dataAt(ev), hv = this.el.hover;
    if (!at) { hv.style.display = "none"; return; }
    hv.style.display = "block";
    const hint = this.h.hidden ? lessonHint(this) : this.trigger ? " · click: start here" : "";
    hv.textContent = `(${fmt(at[0])}, ${fmt(at[1])})${hint}`;
  }

  onClick(ev) {
    if (this.panned) { this.panned = false; return; } // the end of a drag, not a click
    const at = this.h && this.dataAt(ev);
    if (at && this.h.hidden) lessonClick(this, at);
    else if (at && this.trigger) this.trigger("start", at);
  }

  // ---------------------------------------------------------------- zoom & pan

  setView(v) {
    // keep the domain's aspect, inside the domain, at most MAX_ZOOM× in
    const [x0, x1, y0, y1] = this.h.box;
    const w = Math.min(Math.max(v[1] - v[0], (x1 - x0) / MAX_ZOOM), x1 - x0);
    const h = (w * (y1 - y0)) / (x1 - x0);
    const cx = Math.min(Math.max((v[0] + v[1]) / 2, x0 + w / 2), x1 - w / 2);
    const cy = Math.min(Math.max((v[2] + v[3]) / 2, y0 + h / 2), y1 - h / 2);
    this.view = [cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2];
    this.keep();
    if (!this.relayout) {
      this.relayout = requestAnimationFrame(() => { this.relayout = 0; this.layout(); });
    }
  }

  zoom(factor, about) {
    if (!this.h) return;
    const [vx0, vx1, vy0, vy1] = this.view;
    const [cx, cy] = about || [(vx0 + vx1) / 2, (vy0 + vy1) / 2];
    this.setView([cx - (cx - vx0) / factor, cx + (vx1 - cx) / factor,
      cy - (cy - vy0) / factor, cy + (vy1 - cy) / factor]);
  }

  zoomed() {
    const b = this.h.box;
    return this.view[1] - this.view[0] < (b[1] - b[0]) * (1 - 1e-9);
  }

  zoomButtons() {
    const w = this.view[1] - this.view[0], b = this.h.box, three = this.mode === "3d";
    this.el.zoomIn.disabled = three || w <= (b[1] - b[0]) / MAX_ZOOM * (1 + 1e-9);
    this.el.zoomOut.disabled = this.el.zoomReset.disabled = three || !this.zoomed();
    this.el.map.style.cursor = three || this.zoomed() ? "grab" : "";
  }

  onWheel(ev) {
    // Ctrl+wheel (and a trackpad pinch, which the browser sends as one): a plain wheel
    // scrolls the page as everywhere else
    if (!this.h || !ev.ctrlKey || this.mode === "3d") return;
    ev.preventDefault();
    this.zoom(Math.exp(-ev.deltaY * 0.01), this.dataAt(ev) || undefined);
  }

  onPress(ev) {
    this.panned = false;
    if (this.h && this.mode === "3d" && ev.button === 0) {
      this.press = { x: ev.clientX, y: ev.clientY, turn: true };
      return;
    }
    this.press = this.h && this.zoomed() && ev.button === 0
      ? { x: ev.clientX, y: ev.clientY, view: this.view.slice() } : null;
  }

  onDrag(ev) {
    const pr = this.press;
    if (!pr || !(ev.buttons & 1)) return;
    if (pr.turn) {
      // a drag across the plot's width turns the surface half round
      turn3d(this, ((pr.x - ev.clientX) / this.plot.w) * Math.PI, ((ev.clientY - pr.y) / this.plot.h) * 1.5);
      pr.x = ev.clientX; pr.y = ev.clientY;
      return;
    }
    const du = ev.clientX - pr.x, dv = ev.clientY - pr.y;
    if (!this.panned && Math.hypot(du, dv) < DRAG_PX) return;
    this.panned = true;
    const [x0, x1, y0, y1] = pr.view, p = this.plot;
    const dx = (-du / p.w) * (x1 - x0), dy = (dv / p.h) * (y1 - y0);
    this.setView([x0 + dx, x1 + dx, y0 + dy, y1 + dy]);
  }

  // ---------------------------------------------------------------- record a clip

  record() {
    if (this.recording) { this.pause(); return; }
    if (typeof MediaRecorder === "undefined" || !HTMLCanvasElement.prototype.captureStream) {
      this.el.record.disabled = true;
      this.el.record.title = "This browser cannot record a canvas";
      return;
    }
    const m = this.el.map, c = this.el.curves;
    this.clip = document.createElement("canvas");
    this.clip.width = m.width; this.clip.height = m.height + c.height;
    const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
    const rec = new MediaRecorder(this.clip.captureStream(30), type ? { mimeType: type } : undefined);
    const chunks = [];
    rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    rec.onstop = () => {
      const blob = new Blob(chunks, { type: "video/webm" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `descent-lab-${(this.h.query || "scene").replace(/[^A-Za-z0-9.,=_-]+/g, "_").slice(0, 180)}.webm`;
      this.root.dataset.clip = a.download;
      this.root.dataset.clipBytes = String(blob.size);
      this.root.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    };
    this.recorder = rec;
    this.recording = true;
    this.el.record.textContent = "■ Stop";
    this.pause(); this.recording = true;
    this.setStep(0);
    rec.start(250);
    this.play();
  }

  composite() {
    const ctx = this.clip.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, this.clip.width, this.clip.height);
    ctx.drawImage(this.el.map, 0, 0);
    ctx.drawImage(this.el.curves, 0, this.el.map.height);
  }

  stopRecording() {
    this.recording = false;
    this.el.record.textContent = "● Record";
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
  }

  destroy() {
    this.playing = false; // KEPT keeps the playback state for the next mount
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.recording) this.stopRecording();
    this.resizer.disconnect();
    clearInterval(this.themeTimer);
    if (this.relayout) cancelAnimationFrame(this.relayout);
  }
}

const VIEWS = new WeakMap();

function mountMap(component) {
  const { data, parentElement, setTriggerValue, key } = component;
  let view = VIEWS.get(parentElement);
  if (!view) {
    view = new MapView(parentElement, key || "map");
    view.root.dataset.mountedAt ??= performance.now().toFixed(0);
    VIEWS.set(parentElement, view);
  }
  view.trigger = setTriggerValue || null;
  if (data && data !== view.bytes) {
    view.bytes = data;
    view.load(data);
    const reveal = lessonAutoplay(view); // lesson.js: the reveal plays once from step 0
    if (reveal) view.step = 0;
    view.setStep(view.step);
    const kept = KEPT.get(view.key);
    if ((reveal || (kept && kept.playing)) && !view.playing) view.play();
  }
  return () => {
    view.destroy();
    VIEWS.delete(parentElement);
  };
}
