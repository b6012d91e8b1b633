// Descent Lab's map, 3-D view: the landscape as a shaded surface of height
// log(1 + (f − f*)/s) (payload.py: the 60 × 60 mesh "z3" on "x3", "y3"; paths and marks
// lifted onto it by heightAt, bilinear on the contour's full grid "z"), drawn on a 2-D canvas by an orthographic camera (azimuth, elevation). The
// surface, its axes, landmarks and colour bar go into the base bitmap once per view angle,
// resize or theme; each frame draws only the paths up to the step and their current points
// (faint where the surface hides them: depthBuffer3d).
// Drag (or Shift+← →, ↑ ↓) turns the camera. Loaded before map.js; MapView calls these.

const SURFACE3D_SCALE = [
  [0.0, "#fff8c9"], [0.2, "#c7e9b4"], [0.45, "#7fcdbb"], [0.7, "#2c7fb8"], [1.0, "#253494"],
]; // light valleys → dark ridges (YlGnBu): reads on a light and a dark page
const CAMERA3D = { az: 0.72, el: 0.5 }; // radians: seen from −x, −y, above (as the old 3-D view)
const EL3D = [0.08, 1.45];
const HEIGHT3D = 1.1; // the box's height, in half-widths of its longer side
const LIFT3D = 0.015 * HEIGHT3D; // paths and marks float just above the mesh
const TURN_KEY = 0.12; // radians per key press
const BAR3D = 92; // css px kept on the right for the colour bar (below it, 54, on a phone)
const DEPTH3D_RES = 0.5; // the depth buffer's pixels per css px
const NARROW3D = 560; // css px: narrower canvases put the colour bar below the surface

function camera3d(mv) {
  // world: x, y scaled so the longer side spans [−1, 1]; z from [0, zmax] to [0, HEIGHT3D]
  const [x0, x1, y0, y1] = mv.h.box, sf = mv.h.surface, p = mv.plot;
  const half = Math.max(x1 - x0, y1 - y0) / 2, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const zlo = Math.min(0, sf.zmin), zs = HEIGHT3D / (sf.zmax - zlo || 1);
  const { az, el } = mv.cam3d, c = Math.cos(az), s = Math.sin(az), ce = Math.cos(el), se = Math.sin(el);
  // fit for every azimuth at this elevation: the turning box stays the same size
  const R = Math.hypot(x1 - x0, y1 - y0) / 2 / half, pad = mv.plot.cssW < NARROW3D ? 26 : 44;
  const k = Math.min((p.w - 2 * pad) / (2 * R), (p.h - 2 * pad) / (2 * R * se + HEIGHT3D * ce));
  const ou = p.left + p.w / 2, ov = p.top + pad + k * (R * se + HEIGHT3D * ce);
  const world = (x, y, z) => [(x - cx) / half, (y - cy) / half, (z - zlo) * zs];
  const view = (X, Y, Z) => {
    const xr = X * c - Y * s, yr = X * s + Y * c;
    return [ou + k * xr, ov - k * (yr * se + Z * ce), yr * ce - Z * se]; // u, v, depth (far > near)
  };
  const project = (x, y, z) => view(...world(x, y, z));
  const light = [-0.35, -0.45, 0.82]; // from the viewer's upper left, turning with the camera
  return { project, world, view, c, s, light, zlo, k };
}

function heightAt(mv, x, y) {
  // the drawn height at (x, y): bilinear on the landscape grid "z" (as payload.py samples it)
  const g = mv.h.grid, z = mv.a.z, [x0, x1, y0, y1] = mv.h.box;
  const gx = Math.min(Math.max(((x - x0) / (x1 - x0)) * (g.w - 1), 0), g.w - 1);
  const gy = Math.min(Math.max(((y - y0) / (y1 - y0)) * (g.h - 1), 0), g.h - 1);
  const i = Math.min(Math.floor(gx), g.w - 2), j = Math.min(Math.floor(gy), g.h - 2), u = gx - i, v = gy - j;
  const o = j * g.w + i;
  return (z[o] * (1 - u) + z[o + 1] * u) * (1 - v) + (z[o + g.w] * (1 - u) + z[o + g.w + 1] * u) * v;
}

function renderSurface3d(mv) {
  const t0 = performance.now(), p = mv.plot, dpr = p.dpr, a = mv.a, sf = mv.h.surface, n = sf.n;
  const canvas = document.createElement("canvas");
  canvas.width = mv.el.map.width;
  canvas.height = mv.el.map.height;
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const cam = camera3d(mv);
  mv.cam = cam;
  axes3d(mv, ctx, cam, false);
  // nodes projected once, quads far to near (painter's order), each shaded by its normal
  const U = new Float64Array(n * n), V = new Float64Array(n * n), D = new Float64Array(n * n);
  const W = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const o = j * n + i, w = cam.world(a.x3[i], a.y3[j], a.z3[o]);
      [U[o], V[o], D[o]] = cam.view(...w);
      W.push(w);
    }
  }
  const quads = [], depth = [];
  for (let j = 0; j < n - 1; j++) {
    for (let i = 0; i < n - 1; i++) {
      const o = j * n + i;
      quads.push(o);
      depth.push(D[o] + D[o + 1] + D[o + n] + D[o + n + 1]);
    }
  }
  const order = quads.map((_, q) => q).sort((q, r) => depth[r] - depth[q]);
  const lut = Array.from({ length: 256 }, (_, t) => scaleColour(SURFACE3D_SCALE, t / 255));
  const span = sf.zmax - sf.zmin || 1, [lx, ly, lz] = cam.light;
  ctx.lineJoin = "round";
  ctx.lineWidth = 0.7;
  for (const q of order) {
    const o = quads[q], A = W[o], B = W[o + 1], C = W[o + n + 1], E = W[o + n];
    const d1 = [C[0] - A[0], C[1] - A[1], C[2] - A[2]], d2 = [E[0] - B[0], E[1] - B[1], E[2] - B[2]];
    const nx = d1[1] * d2[2] - d1[2] * d2[1], ny = d1[2] * d2[0] - d1[0] * d2[2], nz = d1[0] * d2[1] - d1[1] * d2[0];
    const nxr = nx * cam.c - ny * cam.s, nyr = nx * cam.s + ny * cam.c;
    const lam = Math.abs(nxr * lx + nyr * ly + nz * lz) / (Math.hypot(nx, ny, nz) || 1);
    const z = (a.z3[o] + a.z3[o + 1] + a.z3[o + n] + a.z3[o + n + 1]) / 4;
    const rgb = lut[Math.min(255, Math.max(0, Math.round(((z - sf.zmin) / span) * 255)))];
    const shade = 0.5 + 0.5 * lam;
    const fill = `rgb(${rgb.map((v) => Math.round(v * shade)).join(",")})`;
    ctx.beginPath();
    ctx.moveTo(U[o], V[o]); ctx.lineTo(U[o + 1], V[o + 1]);
    ctx.lineTo(U[o + n + 1], V[o + n + 1]); ctx.lineTo(U[o + n], V[o + n]);
    ctx.closePath();
    ctx.fillStyle = fill; ctx.strokeStyle = fill; // the stroke closes the hairline seams
    ctx.fill(); ctx.stroke();
  }
  mv.depth3d = depthBuffer3d(mv, quads, order, U, V, D);
  axes3d(mv, ctx, cam, true);
  // landmarks: minima ★, saddles ◇, start ○, on the surface
  const on = (x, y) => {
    // a mark the surface hides is drawn faint, as the paths are
    const [u, v, d] = cam.project(x, y, heightAt(mv, x, y) + lift3d(mv));
    ctx.globalAlpha = mv.depth3d.hidden(u, v, d) ? 0.4 : 1;
    return [u, v];
  };
  ctx.lineWidth = 1.5;
  for (const [x, y] of mv.h.minima) {
    const [u, v] = on(x, y);
    drawMarker(ctx, "star", u, v, 8); ctx.fillStyle = "#111"; ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
  }
  for (const [x, y] of mv.h.saddles) {
    const [u, v] = on(x, y);
    drawMarker(ctx, "diamond", u, v, 6); ctx.fillStyle = "rgba(255,255,255,0.7)"; ctx.fill();
    ctx.strokeStyle = "#222"; ctx.lineWidth = 1.5; ctx.stroke();
  }
  {
    const [u, v] = on(...mv.h.start);
    drawMarker(ctx, "circle", u, v, 7.5); ctx.lineWidth = 4.5; ctx.strokeStyle = "#fff"; ctx.stroke();
    ctx.lineWidth = 2.5; ctx.strokeStyle = "#111"; ctx.stroke();
  }
  ctx.globalAlpha = 1;
  colourBar3d(mv, ctx);
  mv.root.dataset.baseMs = (performance.now() - t0).toFixed(1); // one view angle's render
  return canvas;
}

function depthBuffer3d(mv, quads, order, U, V, D) {
  // what the surface hides: the quads painted far to near in colours that encode their
  // depth (16 bits in red, green), read back once per view. A point is hidden where the
  // surface's depth at its pixel is nearer than its own by more than a quad's depth extent
  // (a point lying on the surface is never hidden by its own quad)
  const p = mv.plot, n = mv.h.surface.n, r = DEPTH3D_RES, w = Math.ceil(p.cssW * r), h = Math.ceil(p.cssH * r);
  const c = document.createElement("canvas");
  c.width = w; c.height = h;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  ctx.scale(r, r);
  let lo = Infinity, hi = -Infinity;
  for (const d of D) { if (d < lo) lo = d; if (d > hi) hi = d; }
  const span = hi - lo || 1, extents = [];
  for (const q of order) {
    const o = quads[q], ds = [D[o], D[o + 1], D[o + n], D[o + n + 1]];
    const e = Math.round(((ds.reduce((a, b) => a + b) / 4 - lo) / span) * 65535);
    extents.push(Math.max(...ds) - Math.min(...ds));
    ctx.fillStyle = `rgb(${e >> 8},${e & 255},0)`;
    ctx.beginPath();
    ctx.moveTo(U[o], V[o]); ctx.lineTo(U[o + 1], V[o + 1]);
    ctx.lineTo(U[o + n + 1], V[o + n + 1]); ctx.lineTo(U[o + n], V[o + n]);
    ctx.fill();
  }
  extents.sort((a, b) => a - b);
  const eps = 2 * extents[Math.floor(0.95 * (extents.length - 1))];
  const data = ctx.getImageData(0, 0, w, h).data;
  const at = (u, v) => {
    const i = Math.round(u * r), j = Math.round(v * r);
    if (i < 0 || j < 0 || i >= w || j >= h) return Infinity;
    const k = 4 * (j * w + i);
    return data[k + 3] < 128 ? Infinity : lo + (((data[k] << 8) | data[k + 1]) / 65535) * span;
  };
  return { hidden: (u, v, d) => at(u, v) < d - eps };
}

function lift3d(mv) {
  // LIFT3D world units, in the data's height units
  const sf = mv.h.surface;
  return (LIFT3D * (sf.zmax - Math.min(0, sf.zmin))) / HEIGHT3D;
}

function axes3d(mv, ctx, cam, front) {
  // behind the surface: the floor with its grid; in front: ticks and titles on the near edges
  const [x0, x1, y0, y1] = mv.h.box, zlo = cam.zlo, ink = getComputedStyle(mv.root).color || "#262730";
  const P = (x, y, z = zlo) => cam.project(x, y, z);
  const xt = niceTicks(x0, x1, 5), yt = niceTicks(y0, y1, 5);
  const nearY = P(0, y0)[2] < P(0, y1)[2] ? y0 : y1; // the x axis runs along the nearer edge
  const nearX = P(x0, 0)[2] < P(x1, 0)[2] ? x0 : x1;
  const mid = P((x0 + x1) / 2, (y0 + y1) / 2);
  ctx.save();
  if (!front) {
    ctx.beginPath();
    for (const [x, y] of [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) ctx.lineTo(...P(x, y).slice(0, 2));
    ctx.closePath();
    ctx.fillStyle = "rgba(128,138,150,0.12)"; ctx.fill();
    ctx.strokeStyle = "rgba(128,138,150,0.8)"; ctx.lineWidth = 1; ctx.stroke();
    ctx.strokeStyle = "rgba(128,138,150,0.35)";
    ctx.beginPath();
    for (const t of xt) { ctx.moveTo(...P(t, y0).slice(0, 2)); ctx.lineTo(...P(t, y1).slice(0, 2)); }
    for (const t of yt) { ctx.moveTo(...P(x0, t).slice(0, 2)); ctx.lineTo(...P(x1, t).slice(0, 2)); }
    ctx.stroke();
    ctx.restore();
    return;
  }
  ctx.fillStyle = ink;
  ctx.font = `${12 * mv.fs}px sans-serif`;
  ctx.textAlign = "center"; ctx.textBaseline = "middle";
  // labels pushed away from the floor's centre, titles further: none overlap the ticks
  const label = (x, y, text, gap) => {
    const [u, v] = P(x, y), du = u - mid[0], dv = v - mid[1], r = Math.hypot(du, dv) || 1;
    ctx.fillText(text, u + (du / r) * gap, v + (dv / r) * gap);
  };
  // ticks on an edge seen too short for them (edge-on) are left out: no label overlaps
  const inner = (ts, lo, hi, a, b) => {
    const room = Math.hypot(a[0] - b[0], a[1] - b[1]) / Math.max(ts.length, 1);
    return room < 28 * mv.fs ? [] : ts.filter((t) => t > lo + (hi - lo) * 0.04 && t < hi - (hi - lo) * 0.04);
  };
  for (const t of inner(xt, x0, x1, P(x0, nearY), P(x1, nearY))) label(t, nearY, fmt(t), 14);
  for (const t of inner(yt, y0, y1, P(nearX, y0), P(nearX, y1))) label(nearX, t, fmt(t), 14);
  ctx.font = `bold ${13 * mv.fs}px sans-serif`;
  label((x0 + x1) / 2, nearY, "x", 34);
  label(nearX, (y0 + y1) / 2, "y", 34);
  ctx.restore();
}

function colourBar3d(mv, ctx) {
  // the colour bar at the right (below on a phone): the height scale and its honest title
  // (the formula and s)
  const p = mv.plot, sf = mv.h.surface, ink = getComputedStyle(mv.root).color || "#262730";
  const span = sf.zmax - sf.zmin || 1, ticks = (len) => niceTicks(sf.zmin, sf.zmax, Math.max(2, Math.round(len / 45)));
  ctx.strokeStyle = "rgba(128,138,150,0.9)"; ctx.lineWidth = 1;
  if (p.cssW < NARROW3D) {
    const left = p.left + 40, top = p.top + p.h + 8, w = p.w - 80, h = 10;
    const grad = ctx.createLinearGradient(left, 0, left + w, 0);
    for (const [t, c] of SURFACE3D_SCALE) grad.addColorStop(t, c);
    ctx.fillStyle = grad; ctx.fillRect(left, top, w, h); ctx.strokeRect(left, top, w, h);
    ctx.fillStyle = ink; ctx.font = `${12 * mv.fs}px sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(w)) {
      const u = left + (w * (t - sf.zmin)) / span;
      ctx.fillRect(u, top + h, 1, 4);
      ctx.fillText(fmt(t), u, top + h + 5);
    }
    ctx.fillText(`height ${sf.title},  s = ${fmt(sf.s)}`, left + w / 2, top + h + 22);
    return;
  }
  const left = p.left + p.w + 10, top = p.top + 24, w = 14, h = Math.max(p.h - 64, 60);
  const grad = ctx.createLinearGradient(0, top + h, 0, top);
  for (const [t, c] of SURFACE3D_SCALE) grad.addColorStop(t, c);
  ctx.fillStyle = grad; ctx.fillRect(left, top, w, h); ctx.strokeRect(left, top, w, h);
  ctx.fillStyle = ink; ctx.font = `${12 * mv.fs}px sans-serif`;
  ctx.textAlign = "left"; ctx.textBaseline = "middle";
  for (const t of ticks(h)) {
    const v = top + h * (1 - (t - sf.zmin) / span);
    ctx.fillRect(left + w, v, 4, 1);
    ctx.fillText(fmt(t), left + w + 6, v);
  }
  ctx.textAlign = "center"; ctx.textBaseline = "bottom"; ctx.font = `bold ${12 * mv.fs}px sans-serif`;
  ctx.fillText("height", left + w / 2 + 14, top - 6);
  ctx.save();
  ctx.translate(left + w + 64 * mv.fs, top + h / 2); ctx.rotate(-Math.PI / 2);
  ctx.font = `${12 * mv.fs}px sans-serif`; ctx.textBaseline = "middle";
  ctx.fillText(`${sf.title},  s = ${fmt(sf.s)}`, 0, 0);
  ctx.restore();
}

const PROJECTED3D = new WeakMap(); // series -> {cam, u, v, behind}: lifted, projected once per view

function projected3d(mv, ser) {
  let pr = PROJECTED3D.get(ser);
  if (pr && pr.cam === mv.cam) return pr;
  const n = ser.px.length, u = new Float32Array(n), v = new Float32Array(n), lift = lift3d(mv);
  const behind = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const x = ser.px[j], y = ser.py[j];
    if (!Number.isFinite(x) || !Number.isFinite(y)) { u[j] = v[j] = NaN; continue; }
    let d;
    [u[j], v[j], d] = mv.cam.project(x, y, heightAt(mv, x, y) + lift);
    behind[j] = mv.depth3d.hidden(u[j], v[j], d) ? 1 : 0;
  }
  pr = { cam: mv.cam, u, v, behind };
  PROJECTED3D.set(ser, pr);
  return pr;
}

function drawPaths3d(mv, ctx, s, shown) {
  // each path up to step s on the surface (a light casing under its colour and dash), then
  // every racer's current point (its marker; × once it has diverged); faint behind the surface
  const heads = [];
  let hidden = 0;
  ctx.lineJoin = "round";
  shown.forEach((ser, i) => {
    const run = mv.h.runs[i], k = Math.min(lastAtOrBefore(ser.idx, s), ser.endPos);
    if (k < 0) return;
    const { u, v, behind } = projected3d(mv, ser);
    const parts = [new Path2D(), new Path2D()], ends = [-1, -1]; // [in sight, hidden]
    let prev = -1;
    for (let j = 0; j <= k; j++) {
      if (!Number.isFinite(u[j])) { prev = -1; continue; }
      hidden += behind[j];
      if (prev >= 0) {
        const b = behind[j] | behind[prev], path = parts[b];
        if (ends[b] !== prev) path.moveTo(u[prev], v[prev]);
        path.lineTo(u[j], v[j]); ends[b] = j;
      }
      prev = j;
    }
    ctx.setLineDash(run.dash);
    ctx.globalAlpha = 0.4; ctx.strokeStyle = run.colour; ctx.lineWidth = 1.8; ctx.stroke(parts[1]);
    ctx.globalAlpha = 1; ctx.setLineDash([]);
    ctx.strokeStyle = "rgba(255,255,255,0.75)"; ctx.lineWidth = 5; ctx.stroke(parts[0]);
    ctx.strokeStyle = run.colour; ctx.lineWidth = 2.5; ctx.setLineDash(run.dash); ctx.stroke(parts[0]);
    ctx.setLineDash([]);
    if (prev >= 0) heads.push([u[prev], v[prev], run, ser.diverged > 0 && s >= ser.diverged, behind[prev]]);
  });
  mv.root.dataset.hidden3d = String(hidden);
  for (const [u, v, run, gone, behind] of heads) {
    ctx.globalAlpha = behind ? 0.5 : 1;
    if (gone) {
      drawMarker(ctx, "x", u, v, 8); ctx.strokeStyle = "#fff"; ctx.lineWidth = 5.5; ctx.stroke();
      ctx.strokeStyle = run.colour; ctx.lineWidth = 3.5; ctx.stroke();
    } else {
      drawMarker(ctx, run.marker, u, v, 7); ctx.fillStyle = run.colour; ctx.fill();
      ctx.lineWidth = 1.8; ctx.strokeStyle = "#fff"; ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}

function layout3d(mv, width, maxH) {
  // the plot area: the canvas less the colour bar; a little less tall than wide. Returns
  // the plot's {left, w, h} and the css px the canvas needs below it
  if (width < NARROW3D) {
    const w = width - 12;
    return { left: 6, w, h: Math.min(maxH, Math.max(240, w * 0.8)), below: 54 * mv.fs };
  }
  const w = Math.max(width - 12 - BAR3D * mv.fs, 160);
  return { left: 6, w, h: Math.min(maxH, Math.max(240, w * 0.72)), below: 0 };
}

function turn3d(mv, daz, del) {
  const c = mv.cam3d;
  mv.cam3d = { az: c.az + daz, el: Math.min(Math.max(c.el + del, EL3D[0]), EL3D[1]) };
  mv.root.dataset.angle = `${mv.cam3d.az.toFixed(3)},${mv.cam3d.el.toFixed(3)}`;
  mv.keep();
  if (!mv.relayout) mv.relayout = requestAnimationFrame(() => { mv.relayout = 0; mv.layout(); });
}

function key3d(mv, ev) {
  // Shift+← → turn the surface, ↑ ↓ tilt it; true when the key was one of these
  const turns = { ArrowLeft: [-TURN_KEY, 0], ArrowRight: [TURN_KEY, 0] };
  const tilts = { ArrowUp: [0, TURN_KEY], ArrowDown: [0, -TURN_KEY] };
  const move = (ev.shiftKey && turns[ev.key]) || tilts[ev.key];
  if (!move) return false;
  ev.preventDefault();
  turn3d(mv, ...move);
  return true;
}
