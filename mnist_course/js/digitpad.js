const layers = D.layers.map(l => {
  const [o, i] = l.shape;
  if (D.dtype !== 'int16') return {W: MC.dec(l.w, D.dtype), b: MC.dec(l.b, D.dtype), o, i};
  const q = MC.dec(l.w, 'int16'), sc = MC.dec(l.scale, 'float32');     // int16 with one float32 scale per row
  return {W: Float32Array.from(q, (v, k) => v * sc[Math.floor(k / i)]), b: MC.dec(l.b, 'float32'), o, i};
});
const pad = root.querySelector('canvas.mc-pad'), ctx = pad.getContext('2d', {willReadFrequently: true});
const prep = root.querySelector('canvas.mc-prepared'), pctx = prep.getContext('2d');
const svg = root.querySelector('svg.mc-bars'), predText = root.querySelector('.mc-pred');
const pick = root.querySelector('select.mc-pick'), F = D.field;
function areaMatrix(nIn, nOut) {          // as _area_matrix in Python
  const R = new Float64Array(nOut * nIn), s = nIn / nOut;
  for (let i = 0; i < nOut; i++) {
    const a = i * s, b = (i + 1) * s;
    for (let k = Math.floor(a); k < Math.min(nIn, Math.ceil(b)); k++) {
      const ov = Math.min(b, k + 1) - Math.max(a, k);
      if (ov > 0) R[i * nIn + k] = ov / s;
    }
  }
  return R;
}
function prepare(ink, H, W) {              // as prepare_drawing in Python
  const out = new Float64Array(F * F);
  let r0 = H, r1 = -1, c0 = W, c1 = -1;
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) if (ink[r * W + c] > D.threshold) {
    if (r < r0) r0 = r; if (r > r1) r1 = r; if (c < c0) c0 = c; if (c > c1) c1 = c;
  }
  if (r1 < 0) return out;
  const h = r1 - r0 + 1, w = c1 - c0 + 1, scale = D.box / Math.max(h, w);
  const nh = Math.max(1, Math.floor(h * scale + 0.5)), nw = Math.max(1, Math.floor(w * scale + 0.5));
  const Ry = areaMatrix(h, nh), Rx = areaMatrix(w, nw), tmp = new Float64Array(nh * w), small = new Float64Array(nh * nw);
  for (let i = 0; i < nh; i++) for (let c = 0; c < w; c++) {
    let s = 0; for (let r = 0; r < h; r++) s += Ry[i * h + r] * ink[(r0 + r) * W + c0 + c]; tmp[i * w + c] = s;
  }
  let tot = 0, sy = 0, sx = 0;
  for (let i = 0; i < nh; i++) for (let j = 0; j < nw; j++) {
    let s = 0; for (let c = 0; c < w; c++) s += tmp[i * w + c] * Rx[j * w + c];
    s = Math.min(s, 1); small[i * nw + j] = s; tot += s; sy += i * s; sx += j * s;
  }
  const centre = (F - 1) / 2, oy = Math.floor(centre - sy / tot + 0.5), ox = Math.floor(centre - sx / tot + 0.5);
  for (let i = 0; i < nh; i++) for (let j = 0; j < nw; j++) {
    const yy = i + oy, xx = j + ox;
    if (yy >= 0 && yy < F && xx >= 0 && xx < F) out[yy * F + xx] = small[i * nw + j];
  }
  return out;
}
function forward(x) {                     // the MLP: (x - mean) / std, Linear, ReLU, ..., Linear, softmax
  let h = Float64Array.from(x, v => (v - D.mean) / D.std);
  layers.forEach((L, li) => {
    const z = new Float64Array(L.o);
    for (let r = 0; r < L.o; r++) {
      let s = L.b[r]; const off = r * L.i;
      for (let c = 0; c < L.i; c++) s += L.W[off + c] * h[c];
      z[r] = (li < layers.length - 1 && s < 0) ? 0 : s;
    }
    h = z;
  });
  const m = Math.max(...h), e = Array.from(h, v => Math.exp(v - m)), tot = e.reduce((a, b) => a + b, 0);
  return e.map(v => v / tot);
}
function show(x, source, label) {
  const img = pctx.createImageData(F, F);
  for (let i = 0; i < F * F; i++) { const g = Math.round(255 * (1 - x[i])); img.data.set([g, g, g, 255], 4 * i); }
  pctx.putImageData(img, 0, 0);
  const empty = x.every(v => v === 0), probs = empty ? null : forward(x);
  const ax = MC.axes(svg, {w: D.w, h: D.h, xlim: [-0.6, 9.6], ylim: [0, 1], xticks: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], xlabel: 'digit', ylabel: 'probability',
                           title: empty ? 'draw a digit' : 'what the model thinks'});
  let pred = null;
  if (probs) {
    pred = probs.indexOf(Math.max(...probs));
    probs.forEach((q, d) => MC.el('rect', {class: 'mc-bar', x: ax.X(d - 0.38), width: ax.X(0.76) - ax.X(0), y: ax.Y(q),
      height: ax.Y(0) - ax.Y(q), fill: d === pred ? '#d62728' : '#1f77b4'}, ax.g));
  }
  predText.textContent = !probs ? 'draw a digit in the box' :
    `prediction: ${pred} (${(100 * probs[pred]).toFixed(1)}%)` + (label === undefined ? '' : label === pred ? ', right' : `, wrong: it is a ${label}`);
  root.mcState = {source, prepared: Array.from(x), probs, pred, label};
}
function inkGrid() {
  const d = ctx.getImageData(0, 0, pad.width, pad.height).data, ink = new Float64Array(pad.width * pad.height);
  for (let i = 0; i < ink.length; i++) ink[i] = d[4 * i + 3] / 255;
  return ink;
}
function update() { const ink = inkGrid(); show(prepare(ink, pad.height, pad.width), 'drawing'); root.mcInk = ink; }
let drawing = false, last = null, queued = false;
const at = e => { const r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height]; };
pad.addEventListener('pointerdown', e => {
  drawing = true; last = at(e); pad.setPointerCapture && pad.setPointerCapture(e.pointerId);
  if (pick.value !== '-1') { pick.value = '-1'; ctx.clearRect(0, 0, pad.width, pad.height); }
  ctx.beginPath(); ctx.arc(last[0], last[1], D.pen / 2, 0, 2 * Math.PI); ctx.fill(); e.preventDefault();
});
pad.addEventListener('pointermove', e => {
  if (!drawing) return;
  const p = at(e);
  ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke(); last = p;
  if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; update(); }); }
  e.preventDefault();
});
const end = () => { if (drawing) { drawing = false; update(); } };
pad.addEventListener('pointerup', end); pad.addEventListener('pointercancel', end); pad.addEventListener('pointerleave', end);
ctx.lineWidth = D.pen; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#000'; ctx.fillStyle = '#000';
root.querySelector('button[name=clear]').addEventListener('click', () => {
  ctx.clearRect(0, 0, pad.width, pad.height); pick.value = '-1'; update();
});
const examples = D.examples.map(e => ({x: Array.from(MC.dec(e.img, 'uint8'), v => v / 255), label: e.label, caption: e.caption}));
examples.forEach((e, i) => { const o = document.createElement('option'); o.value = i; o.textContent = e.caption; pick.appendChild(o); });
pick.addEventListener('change', () => {
  const i = +pick.value;
  if (i < 0) return update();
  ctx.clearRect(0, 0, pad.width, pad.height);
  show(examples[i].x, 'example', examples[i].label);
});
update();
