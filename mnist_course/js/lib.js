const MC = {};
MC.dec = (s, dtype) => {
  const bin = atob(s), u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  if (dtype === 'uint8') return u8;
  if (dtype === 'float32') return new Float32Array(u8.buffer);
  if (dtype === 'int16') return new Int16Array(u8.buffer);
  const h = new Uint16Array(u8.buffer), f = new Float32Array(h.length);   // float16 -> float32
  for (let i = 0; i < h.length; i++) {
    const v = h[i], sg = (v >> 15) ? -1 : 1, e = (v >> 10) & 31, m = v & 1023;
    f[i] = e === 0 ? sg * m * Math.pow(2, -24) : e === 31 ? (m ? NaN : sg * Infinity) : sg * (1 + m / 1024) * Math.pow(2, e - 15);
  }
  return f;
};
MC.el = (tag, attrs, parent, text) => {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
};
MC.fmtE = (v, d) => v.toExponential(d).replace(/e([+-])(\d)$/, 'e$10$2');          // Python's f"{v:.1e}"
MC.fmtG3 = v => !isFinite(v) ? (isNaN(v) ? 'nan' : (v > 0 ? 'inf' : '-inf')) :
  (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e3 ? String(+v.toPrecision(3)) : MC.fmtE(+v.toPrecision(3), 2).replace(/\.?0+e/, 'e'));
MC.fmtLoss = v => isFinite(v) && Math.abs(v) < 1e7 ?                                  // Python's _fmt_loss
  Math.round(v).toLocaleString('en-US') : MC.fmtG3(v);
MC.ticks = (lo, hi, n) => {
  const raw = (hi - lo) / n, p = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / p;
  const step = (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * p, t = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return t;
};
MC.clipN = 0;
// Draw empty axes into an <svg>; returns {X, Y, g}: data-to-pixel maps and a clipped group to draw in
MC.axes = (svg, o) => {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute('viewBox', `0 0 ${o.w} ${o.h}`); svg.setAttribute('width', o.w); svg.setAttribute('height', o.h);
  const L = 62, R = 12, T = 30, B = 40, pw = o.w - L - R, ph = o.h - T - B;
  const ty = v => o.logy ? Math.log10(v) : v, y0 = ty(o.ylim[0]), y1 = ty(o.ylim[1]);
  const X = v => L + (v - o.xlim[0]) / (o.xlim[1] - o.xlim[0]) * pw;
  const Y = v => T + (1 - (ty(v) - y0) / (y1 - y0)) * ph;
  const font = {'font-size': 11, 'font-family': 'sans-serif', fill: '#333'};
  MC.el('rect', {x: L, y: T, width: pw, height: ph, fill: 'white', stroke: '#999'}, svg);
  for (const v of (o.xticks || MC.ticks(o.xlim[0], o.xlim[1], 6))) {
    MC.el('line', {x1: X(v), x2: X(v), y1: T + ph, y2: T + ph + 4, stroke: '#999'}, svg);
    MC.el('text', {x: X(v), y: T + ph + 15, 'text-anchor': 'middle', ...font}, svg, +v.toPrecision(6));
  }
  const yt = o.logy ? Array.from({length: Math.floor(y1) - Math.ceil(y0) + 1}, (_, i) => Math.pow(10, Math.ceil(y0) + i))
                    : MC.ticks(o.ylim[0], o.ylim[1], 5);
  for (const v of yt) {
    MC.el('line', {x1: L - 4, x2: L + pw, y1: Y(v), y2: Y(v), stroke: '#eee'}, svg);
    MC.el('text', {x: L - 6, y: Y(v) + 4, 'text-anchor': 'end', ...font}, svg, o.logy ? MC.fmtE(v, 0).replace('e+0', 'e').replace('e-0', 'e-') : +v.toPrecision(6));
  }
  MC.el('text', {x: L + pw / 2, y: o.h - 6, 'text-anchor': 'middle', ...font}, svg, o.xlabel || '');
  MC.el('text', {x: 14, y: T + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${T + ph / 2})`, ...font}, svg, o.ylabel || '');
  MC.el('text', {class: 'mc-title', x: L + pw / 2, y: 18, 'text-anchor': 'middle', ...font, 'font-size': 13, fill: '#000'}, svg, o.title || '');
  const id = 'mc-clip-' + (++MC.clipN) + '-' + Math.random().toString(36).slice(2, 8);
  MC.el('rect', {x: L, y: T, width: pw, height: ph}, MC.el('clipPath', {id}, MC.el('defs', {}, svg)));
  return {X, Y, g: MC.el('g', {'clip-path': `url(#${id})`}, svg), L, T, pw, ph};
};
MC.dots = (ax, xs, ys, color, r) => {
  for (let i = 0; i < xs.length; i++) if (isFinite(ys[i]))
    MC.el('circle', {cx: ax.X(xs[i]), cy: ax.Y(ys[i]), r: r || 3.5, fill: color}, ax.g);
};
MC.line = (ax, xs, ys, color, cls) => MC.el('polyline', {class: cls || '', fill: 'none', stroke: color, 'stroke-width': 2,
  points: xs.map((x, i) => `${ax.X(x).toFixed(2)},${ax.Y(ys[i]).toFixed(2)}`).join(' ')}, ax.g);
