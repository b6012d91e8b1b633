// Descent Lab's data view of a model landscape: the rows, and each racer's decision boundary
// (logistic: w₁x₁ + w₂x₂ = 0) or fitted curve (network: ŷ(x) = σ(v·tanh(w·x))) with its
// train/validation loss and accuracy at the map's current step. Appended to map.js (its
// readBlob, niceTicks, fmt, lastAtOrBefore and drawMarker are reused); the data come once per
// scene (payload.py). The map dispatches "descent-lab:step" {step, total} on every step change;
// this view redraws at that step.

const DV_EVENT = "descent-lab:step";
const DV_MARGIN = { l: 54, r: 12, t: 10, b: 42 };
const DV_CLASS = ["#56B4E9", "#E69F00"]; // class 0, class 1 (model_plots.CLASS_COLOURS)
const DV_SYMBOL = ["circle", "triangle"];
const DV_CURVE_POINTS = 160;

// the last step the map announced, for a data view mounted after it (one listener per page)
if (!window.__descentLabStepMemo) {
  window.__descentLabStepMemo = true;
  window.addEventListener(DV_EVENT, (ev) => { window.__descentLabLastStep = ev.detail; });
}

const dvSigmoid = (z) => 0.5 + 0.5 * Math.tanh(0.5 * z);
const dvPct = (a) => (Number.isFinite(a) ? `${fmt(100 * a)}\u00a0%` : "–");

function dvSegment(w1, w2, box) {
  // the part of the line w₁x₁ + w₂x₂ = 0 inside box [x0, x1, y0, y1], or null (w = 0, or missed)
  if (!Number.isFinite(w1) || !Number.isFinite(w2) || (w1 === 0 && w2 === 0)) return null;
  const d = [-w2, w1], lim = [[box[0], box[1]], [box[2], box[3]]];
  let lo = -Infinity, hi = Infinity;
  for (let ax = 0; ax < 2; ax++) {
    const [a, b] = lim[ax];
    if (d[ax] === 0) { if (!(a <= 0 && 0 <= b)) return null; continue; }
    const t0 = a / d[ax], t1 = b / d[ax];
    lo = Math.max(lo, Math.min(t0, t1)); hi = Math.min(hi, Math.max(t0, t1));
  }
  return lo < hi ? [[lo * d[0], lo * d[1]], [hi * d[0], hi * d[1]]] : null;
}

class ModelDataView {
  constructor(host) {
    this.root = host.querySelector(".dldata");
    const q = (s) => this.root.querySelector(s);
    this.el = {
      canvas: q(".dv-canvas"), step: q(".dv-step"), stats: q(".dv-stats"),
    };
    this.frames = 0;
    this.onStep = (ev) => this.follow(ev.detail);
    window.addEventListener(DV_EVENT, this.onStep);
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.root);
  }

  load(bytes) {
    const { header, arrays } = readBlob(bytes);
    this.h = header;
    this.a = arrays;
    this.T = header.steps;
    this.twoD = header.kind === "linear";
    this.fs = header.present ? 1.3 : 1;
    this.root.classList.toggle("present", !!header.present);
    const last = window.__descentLabLastStep;
    const s = last && last.total === this.T ? last.step : this.T;
    this.root.dataset.scene = String((Number(this.root.dataset.scene) || 0) + 1);
    this.root.dataset.kind = header.kind;
    this.root.dataset.box = header.box.join(",");
    this.step = Math.min(Math.max(Math.round(s), 0), this.T);
    this.layout();
  }

  follow(detail) {
    if (!this.h || !detail || detail.total !== this.T) return;
    this.setStep(detail.step);
  }

  setStep(s) {
    this.step = Math.min(Math.max(Math.round(s), 0), this.T);
    this.draw();
  }

  layout() {
    if (!this.h) return;
    const width = Math.max(this.root.clientWidth, 200), dpr = window.devicePixelRatio || 1;
    const pw = width - DV_MARGIN.l - DV_MARGIN.r;
    const ph = Math.min(pw * 0.72, Math.max(220, Math.min(420, window.innerHeight * 0.5)));
    this.plot = { left: DV_MARGIN.l, top: DV_MARGIN.t, w: pw, h: ph, dpr };
    this.root.dataset.plot = [DV_MARGIN.l, DV_MARGIN.t, pw, ph].map((v) => v.toFixed(2)).join(",");
    const c = this.el.canvas, cssH = ph + DV_MARGIN.t + DV_MARGIN.b;
    c.width = Math.round(width * dpr);
    c.height = Math.round(cssH * dpr);
    c.style.height = `${cssH}px`;
    this.draw();
  }

  toPx(x, y) {
    const [x0, x1, y0, y1] = this.h.box, p = this.plot;
    return [p.left + ((x - x0) / (x1 - x0)) * p.w, p.top + ((y1 - y) / (y1 - y0)) * p.h];
  }

  drawAxes(ctx) {
    const p = this.plot, [x0, x1, y0, y1] = this.h.box, fs = this.fs;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(p.left, p.top, p.w, p.h);
    ctx.strokeStyle = "rgba(60,72,90,0.15)"; ctx.lineWidth = 1;
    ctx.fillStyle = "#444"; ctx.font = `${12 * fs}px sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(p.w / 80)))) {
      const [u] = this.toPx(t, y0);
      ctx.beginPath(); ctx.moveTo(u, p.top); ctx.lineTo(u, p.top + p.h); ctx.stroke();
      ctx.fillText(fmt(t), u, p.top + p.h + 4);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const yt = this.twoD ? niceTicks(y0, y1, Math.max(2, Math.floor(p.h / 60))) : [0, 0.5, 1];
    for (const t of yt) {
      const [, v] = this.toPx(x0, t);
      ctx.beginPath(); ctx.moveTo(p.left, v); ctx.lineTo(p.left + p.w, v); ctx.stroke();
      ctx.fillText(fmt(t), p.left - 5, v);
    }
    ctx.strokeStyle = "rgba(60,72,90,0.45)";
    ctx.strokeRect(p.left, p.top, p.w, p.h);
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(this.h.axes[0], p.left + p.w / 2, p.top + p.h + DV_MARGIN.b - 2);
    ctx.save();
    ctx.translate(12 * fs, p.top + p.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(this.h.axes[1], 0, 0);
    ctx.restore();
  }

  drawRows(ctx) {
    for (const which of ["train", "val"]) {
      const xs = this.a[`${which}.x`], ys = this.a[`${which}.y`], cs = this.a[`${which}.c`];
      for (let j = 0; j < xs.length; j++) {
        const c = cs[j] > 0.5 ? 1 : 0, [u, v] = this.toPx(xs[j], ys[j]);
        drawMarker(ctx, DV_SYMBOL[c], u, v, 4.5 * this.fs);
        ctx.lineWidth = 1.5; ctx.strokeStyle = DV_CLASS[c];
        if (which === "train") { ctx.fillStyle = DV_CLASS[c]; ctx.fill(); }
        ctx.stroke();
      }
    }
  }

  // the model of racer i at kept step k: draws it; returns a note when nothing is in view
  drawModel(ctx, i, w, v) {
    const run = this.h.runs[i], box = this.h.box;
    ctx.strokeStyle = run.colour; ctx.lineWidth = 2.5 * this.fs; ctx.setLineDash(run.dash);
    ctx.beginPath();
    if (this.twoD) {
      const seg = dvSegment(w, v, box);
      if (!seg) { ctx.setLineDash([]); return w === 0 && v === 0 ? "w = 0: no boundary" : "no boundary in view"; }
      const [a, b] = [this.toPx(...seg[0]), this.toPx(...seg[1])];
      ctx.moveTo(...a); ctx.lineTo(...b);
    } else {
      for (let j = 0; j < DV_CURVE_POINTS; j++) {
        const x = box[0] + ((box[1] - box[0]) * j) / (DV_CURVE_POINTS - 1);
        const [u, y] = this.toPx(x, dvSigmoid(v * Math.tanh(w * x)));
        ctx[j ? "lineTo" : "moveTo"](u, y);
      }
    }
    ctx.stroke(); ctx.setLineDash([]);
    return "";
  }

  draw() {
    if (!this.plot) return;
    const ctx = this.el.canvas.getContext("2d"), p = this.plot, s = this.step;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.el.canvas.width, this.el.canvas.height);
    ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
    this.drawAxes(ctx);
    ctx.save();
    ctx.beginPath(); ctx.rect(p.left, p.top, p.w, p.h); ctx.clip();
    if (!this.twoD) {
      const [, v] = this.toPx(0, 0.5);
      ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.setLineDash([2, 3]);
      ctx.beginPath(); ctx.moveTo(p.left, v); ctx.lineTo(p.left + p.w, v); ctx.stroke();
      ctx.setLineDash([]);
    }
    this.drawRows(ctx);
    const k = Math.max(lastAtOrBefore(this.a.idx, s), 0);
    const items = this.h.runs.map((run, i) => {
      const g = (name) => this.a[`r${i}.${name}`][k];
      const w = g("w"), v = g("v");
      return [run, w, v, this.drawModel(ctx, i, w, v), g];
    });
    ctx.restore();
    this.el.step.textContent = `step ${s} / ${this.T}`;
    this.stats(items, s);
    this.frames += 1;
    this.root.dataset.step = String(s);
    this.root.dataset.frames = String(this.frames);
  }

  stats(items, s) {
    const rows = items.map(([run, w, v, note, g]) => {
      const li = document.createElement("li");
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", "26"); svg.setAttribute("height", "10");
      const line = document.createElementNS(ns, "line");
      for (const [a, b] of [["x1", 1], ["y1", 5], ["x2", 25], ["y2", 5]]) line.setAttribute(a, b);
      line.setAttribute("stroke", run.colour); line.setAttribute("stroke-width", "3");
      if (run.dash.length) line.setAttribute("stroke-dasharray", run.dash.join(" "));
      svg.append(line);
      const name = document.createElement("b");
      name.textContent = run.label;
      const params = this.twoD ? `w = (${fmt(w)}, ${fmt(v)})` : `w = ${fmt(w)}, v = ${fmt(v)}`;
      const gone = run.diverged > 0 && s >= run.diverged
        ? ` · diverged at step ${run.diverged}: the last model before it` : "";
      const text = document.createElement("span");
      text.textContent = `${params}${note ? ` (${note})` : ""} · training: loss ${fmt(g("train_loss"))}, `
        + `accuracy ${dvPct(g("train_acc"))} · validation: loss ${fmt(g("val_loss"))}, `
        + `accuracy ${dvPct(g("val_acc"))}${gone}`;
      li.append(svg, name, text);
      return li;
    });
    this.el.stats.replaceChildren(...rows);
  }

  destroy() {
    window.removeEventListener(DV_EVENT, this.onStep);
    this.resizer.disconnect();
  }
}

const DV_VIEWS = new WeakMap();

function mountDataView(component) {
  const { data, parentElement } = component;
  let view = DV_VIEWS.get(parentElement);
  if (!view) {
    view = new ModelDataView(parentElement);
    DV_VIEWS.set(parentElement, view);
  }
  if (data && data !== view.bytes) {
    view.bytes = data;
    view.load(data);
  }
  return () => {
    view.destroy();
    DV_VIEWS.delete(parentElement);
  };
}
