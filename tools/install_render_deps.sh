#!/usr/bin/env bash
# What tools/check_render.py needs besides Python: Debian's chromium, and local copies of the JavaScript
# a converted notebook loads (require.js, the ipywidgets HTML manager, MathJax 2, mermaid), so no page touches a CDN.
# Idempotent: skips what is already there. Run as root (or with sudo) when chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=render_check/js   # ignored by git (render_check/ in .gitignore)

# (check_render.py also accepts chromium-browser or google-chrome, which GitHub's Ubuntu runners have)
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium chromium-browser google-chrome google-chrome-stable >/dev/null 2>&1; then
  echo "installing Debian chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

# Pinned so the check renders the same way every run. html-manager 1.x is the one for ipywidgets 8.
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.15
REQUIREJS=requirejs@2.3.8
MATHJAX=mathjax@2.7.9      # nbconvert's lab template configures MathJax 2 (MathJax.Hub)
MERMAID=mermaid@11.10.0    # the version nbconvert 7.17's template names, for ```mermaid diagrams in markdown
STAMP="$DEST/.installed-3-${HTML_MANAGER##*@}-${REQUIREJS##*@}-${MATHJAX##*@}-${MERMAID##*@}"
if [ -f "$STAMP" ]; then echo "render JS assets already in $DEST"; exit 0; fi
rm -rf "$DEST"; mkdir -p "$DEST/tgz"
# npm pack fetches just each package's own tarball from the registry (the dist bundles are self-contained)
(cd "$DEST/tgz" && npm pack --silent "$HTML_MANAGER" "$REQUIREJS" "$MATHJAX" "$MERMAID" >/dev/null)
mkdir -p "$DEST/html-manager" "$DEST/requirejs" "$DEST/mathjax" "$DEST/mermaid"
tar xzf "$DEST"/tgz/jupyter-widgets-html-manager-*.tgz -C "$DEST/html-manager" --strip-components=1 package/dist
tar xzf "$DEST"/tgz/requirejs-*.tgz -C "$DEST/requirejs" --strip-components=1 package/require.js
# only the parts of MathJax that the TeX-AMS_CHTML-full configuration loads (about 10 of its 73 MB)
tar xzf "$DEST"/tgz/mathjax-*.tgz -C "$DEST/mathjax" --strip-components=1 \
  package/MathJax.js package/config/TeX-AMS_CHTML-full.js package/config/Safe.js package/extensions package/jax/input \
  package/jax/element package/jax/output/CommonHTML package/jax/output/PreviewHTML \
  package/fonts/HTML-CSS/TeX/woff package/localization/en
# mermaid's ES module build and its chunks (no source maps)
tar xzf "$DEST"/tgz/mermaid-*.tgz -C "$DEST/mermaid" --strip-components=1 --wildcards \
  'package/dist/mermaid.esm.min.mjs' 'package/dist/chunks/mermaid.esm.min/*.mjs'
rm -rf "$DEST/tgz"
touch "$STAMP"
echo "render JS assets in $DEST: $(du -sh "$DEST" | cut -f1)"
