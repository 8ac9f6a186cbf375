const names = ['a', 'b', 'c'], sl = {}, out = {};
for (const k of names) {
  sl[k] = root.querySelector(`input[name=${k}]`); out[k] = root.querySelector(`output[name=${k}]`);
  sl[k].addEventListener('input', draw);
}
const svg = root.querySelector('svg.mc-plot'), maeText = root.querySelector('.mc-mae'), n = D.x.length;
const cx = Array.from({length: D.npts}, (_, i) => D.lo + (D.hi - D.lo) * i / (D.npts - 1));
function draw() {
  const [a, b, c] = names.map(k => +sl[k].value), q = x => a * x * x + b * x + c;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(q(D.x[i]) - D.y[i]);
  const mae = s / n, cy = cx.map(q);
  for (const k of names) out[k].textContent = (+sl[k].value).toFixed(2);
  const ax = MC.axes(svg, {w: D.w, h: D.h, xlim: [D.lo, D.hi], ylim: D.ylim, xlabel: 'x', ylabel: 'y',
                           title: `a=${a.toFixed(2)}, b=${b.toFixed(2)}, c=${c.toFixed(2)}: MAE ${mae.toFixed(2)}`});
  MC.dots(ax, D.x, D.y, '#1f77b4');
  MC.line(ax, cx, cy, '#d62728', 'mc-curve');
  maeText.textContent = mae.toFixed(2);
  root.mcState = {a, b, c, mae, curve_x: cx, curve_y: cy};
}
draw();
