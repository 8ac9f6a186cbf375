const f32 = Math.fround, t = D.x.map(f32), y = D.y.map(f32), n = t.length, t2 = t.map(v => f32(v * v));
const lrIn = root.querySelector('input[name=lr]'), lrOut = root.querySelector('output[name=lr]');
const [svgP, svgL] = root.querySelectorAll('svg.mc-plot');
const lossText = root.querySelector('.mc-loss'), status = root.querySelector('.mc-status');
let p, losses, lrs;
// the model a*t^2 + b*t + c and its mean squared error, in float32 arithmetic as PyTorch does it
const pred = (p, i) => f32(f32(f32(p[0] * t2[i]) + f32(p[1] * t[i])) + p[2]);
function lossOf(p) {          // sums in float32 too, so it overflows to infinity where PyTorch's does
  let s = 0;
  for (let i = 0; i < n; i++) { const d = f32(pred(p, i) - y[i]); s = f32(s + f32(d * d)); }
  return f32(s / n);
}
function grad(p) {           // as autograd: d(loss)/d(pred) = (2/n)*(pred - y), times (t^2, t, 1), summed
  const g = [0, 0, 0], k = f32(f32(1 / n) * 2);
  for (let i = 0; i < n; i++) {
    const r = f32(k * f32(pred(p, i) - y[i]));
    g[0] = f32(g[0] + f32(r * t2[i])); g[1] = f32(g[1] + f32(r * t[i])); g[2] = f32(g[2] + r);
  }
  return g;
}
const lr = () => Math.pow(10, +lrIn.value);
function reset() { p = D.params.map(f32); losses = [lossOf(p)]; lrs = []; draw(); }
function step(k) {
  const r = lr(), rf = f32(r);
  for (let i = 0; i < k; i++) {
    if (!isFinite(losses[losses.length - 1])) break;
    const g = grad(p);
    p = p.map((v, j) => f32(v - f32(rf * g[j])));
    lrs.push(r); losses.push(lossOf(p));
  }
  draw();
}
function segments() {         // runs of steps at one rate: [[rate, number of steps], ...]
  const s = [];
  for (const r of lrs) { if (s.length && s[s.length - 1][0] === r) s[s.length - 1][1]++; else s.push([r, 1]); }
  return s;
}
const plural = k => k === 1 ? '1 step' : `${k} steps`;
function draw() {
  lrOut.textContent = MC.fmtE(lr(), 1);
  const last = losses[losses.length - 1], segs = segments();
  let hist = segs.length ? segs.map(([r, k]) => `${plural(k)} at ${MC.fmtE(r, 1)}`) : ['0 steps'];
  if (hist.length > 2) hist = [`${plural(lrs.length)} (${segs.length} rates)`, 'last ' + hist[hist.length - 1]];
  const ax = MC.axes(svgP, {w: D.w, h: D.h, xlim: [t[0] - 1, t[n - 1] + 1], ylim: D.ylim, xlabel: 'time (s)', ylabel: 'speed',
                            title: `after ${hist.join(', then ')}: loss ${MC.fmtLoss(last)}`});
  MC.dots(ax, t, y, '#1f77b4');
  if (p.every(isFinite)) MC.dots(ax, t, t.map((_, i) => pred(p, i)), '#d62728');
  const fin = losses.filter(v => isFinite(v) && v > 0);
  const lo = Math.min(...fin), hi = Math.max(...fin);
  const ylim = [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi)) + (hi === lo ? 1 : 0))];
  const xmax = Math.max(10, losses.length - 1) + 0.5;
  const al = MC.axes(svgL, {w: D.w, h: D.h, xlim: [-0.5, xmax], ylim, logy: true, xlabel: 'step', ylabel: 'loss (log scale)',
                            title: segs.length > 1 ? 'loss history (dashed: the rate changed)' : 'loss history'});
  segs.reduce((at, [r, k], i) => {
    if (i > 0) {
      MC.el('line', {x1: al.X(at), x2: al.X(at), y1: al.T, y2: al.T + al.ph, stroke: '#888', 'stroke-dasharray': '4 3'}, al.g);
      MC.el('text', {x: al.X(at) + 3, y: al.T + 12, 'font-size': 10, 'font-family': 'sans-serif', fill: '#555'}, al.g, `lr ${MC.fmtE(r, 1)}`);
    }
    return at + k;
  }, 0);
  const idx = losses.map((_, i) => i).filter(i => isFinite(losses[i]));
  MC.line(al, idx, idx.map(i => losses[i]), '#1f77b4', 'mc-loss-curve');
  MC.dots(al, idx, idx.map(i => losses[i]), '#1f77b4', 2.5);
  lossText.textContent = MC.fmtLoss(last);
  const diverged = !isFinite(last);
  status.textContent = diverged ? 'diverged: press reset' : '';
  for (const b of root.querySelectorAll('button.mc-step')) b.disabled = diverged;
  root.mcState = {params: p.slice(), losses: losses.slice(), lrs: lrs.slice(), lr: lr(), diverged};
}
lrIn.addEventListener('input', draw);
root.querySelector('button[name=one]').addEventListener('click', () => step(1));
root.querySelector('button[name=ten]').addEventListener('click', () => step(10));
root.querySelector('button[name=reset]').addEventListener('click', reset);
reset();
