#!/usr/bin/env bash
# What the browser checks need besides Python: a Chromium, and in render_check/js/ (git-ignored) pinned copies of the
# scripts the site's pages load from CDNs, which answer those requests (no page touches the network), and axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${CHROMIUM:-}" ] || command -v chromium || command -v google-chrome || {
  echo "FAIL: no Chromium: apt-get install chromium (Debian), or set CHROMIUM=/path/to/chrome" >&2; exit 1; }
# html-manager 1.x is the one for ipywidgets 8; jquery the version Quarto's ipywidgets include names; mermaid comes with Quarto
PKGS="@jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 jquery@3.5.1 mathjax@3.2.2 axe-core@4.10.3"
DEST=render_check/js STAMP=render_check/js/.installed-4-$(echo $PKGS | sed 's/[^ ]*@//g; s/ /-/g')
if [ -f "$STAMP" ]; then echo "render JS assets already in $DEST"; exit 0; fi
rm -rf "$DEST"; mkdir -p "$DEST/tgz"
(cd "$DEST/tgz" && npm pack --silent $PKGS >/dev/null)   # just each package's tarball from the registry
get() { mkdir -p "$DEST/$1"; tar xzf "$DEST"/tgz/$2-*.tgz -C "$DEST/$1" --strip-components=1 "package/$3"; }
get html-manager jupyter-widgets-html-manager dist; get requirejs requirejs require.js; get jquery jquery dist/jquery.min.js
get mathjax mathjax es5; get axe-core axe-core axe.min.js
rm -rf "$DEST/tgz"; touch "$STAMP"; echo "render JS assets in $DEST: $(du -sh "$DEST" | cut -f1)"
