#!/usr/bin/env bash
# What the site check (tools/render_check) needs besides Python: a real Chrome/Chromium (Debian's chromium,
# installed if missing), and local copies of the JavaScript the site's pages load from CDNs, and axe-core.
# Idempotent: skips what is already there. Run as root (or with sudo) when chromium is missing on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=render_check/js   # ignored by git (/render_check/ in .gitignore)

# A browser that really runs. Ubuntu's `chromium` and `chromium-browser` debs are stubs that only ask for the
# snap, so a name on the PATH is not enough: `--version` must answer like Chrome/Chromium. The same order as
# find_chromium() in tools/render_check/browser.py: $CHROMIUM, Debian's chromium, Google Chrome (GitHub's
# Ubuntu runners have it), chromium-browser.
real_browser() {
  local exe; exe=$(command -v "$1" 2>/dev/null) || return 1
  timeout 30 "$exe" --version 2>/dev/null | grep -Eq '(Chromium|Chrome)[^0-9]*[0-9]+\.' && echo "$exe"
}
find_browser() {
  if [ -n "${CHROMIUM:-}" ]; then real_browser "$CHROMIUM"; return; fi
  for b in /usr/bin/chromium chromium google-chrome google-chrome-stable chromium-browser; do
    real_browser "$b" && return 0
  done
  return 1
}
if browser=$(find_browser); then
  echo "browser: $browser ($(timeout 30 "$browser" --version 2>/dev/null))"
elif [ -n "${CHROMIUM:-}" ]; then
  echo "FAIL: CHROMIUM=$CHROMIUM does not run (\`$CHROMIUM --version\` gave no Chrome/Chromium version)" >&2; exit 1
else
  ID=""; ID_LIKE=""; [ -f /etc/os-release ] && . /etc/os-release
  if [ "$ID" = ubuntu ] || [[ " $ID_LIKE " == *" ubuntu "* ]]; then
    if [ "${GITHUB_ACTIONS:-}" = true ]; then
      # only on GitHub's runners, where downloads work: Playwright's own Chromium (render_check finds it)
      echo "no Chrome/Chromium on this Ubuntu runner: installing Playwright's Chromium"
      python -m playwright install --with-deps chromium
    else
      echo "FAIL: no working Chrome or Chromium. On Ubuntu the chromium package is only a stub for the snap:" \
           "install Google Chrome (google-chrome-stable .deb) or the chromium snap, or set CHROMIUM=/path/to/chrome" >&2
      exit 1
    fi
  elif [ "$ID" = debian ] || [[ " $ID_LIKE " == *" debian "* ]]; then
    echo "installing Debian chromium"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
    browser=$(find_browser) || { echo "FAIL: chromium was installed but does not run" >&2; exit 1; }
    echo "browser: $browser"
  else
    echo "FAIL: no working Chrome or Chromium; install one, or set CHROMIUM=/path/to/chrome" >&2; exit 1
  fi
fi

# The scripts Quarto's pages load from CDNs, pinned, so the site check serves local copies (and never touches a
# CDN), plus axe-core for the accessibility audit. html-manager 1.x is the one for ipywidgets 8; mermaid comes
# with Quarto (site_libs/).
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.15
REQUIREJS=requirejs@2.3.8
JQUERY=jquery@3.5.1        # the version Quarto's ipywidgets include names
MATHJAX=mathjax@3.2.2      # Quarto loads mathjax@3/es5/tex-chtml-full.js
AXE=axe-core@4.10.3
STAMP="$DEST/.installed-4-${HTML_MANAGER##*@}-${REQUIREJS##*@}-${JQUERY##*@}-${MATHJAX##*@}-${AXE##*@}"
if [ -f "$STAMP" ]; then echo "render JS assets already in $DEST"; exit 0; fi
rm -rf "$DEST"; mkdir -p "$DEST/tgz"
# npm pack fetches just each package's own tarball from the registry (the dist bundles are self-contained)
(cd "$DEST/tgz" && npm pack --silent "$HTML_MANAGER" "$REQUIREJS" "$JQUERY" "$MATHJAX" "$AXE" >/dev/null)
for d in html-manager requirejs jquery mathjax axe-core; do mkdir -p "$DEST/$d"; done
tar xzf "$DEST"/tgz/jupyter-widgets-html-manager-*.tgz -C "$DEST/html-manager" --strip-components=1 package/dist
tar xzf "$DEST"/tgz/requirejs-*.tgz -C "$DEST/requirejs" --strip-components=1 package/require.js
tar xzf "$DEST"/tgz/jquery-*.tgz -C "$DEST/jquery" --strip-components=1 package/dist/jquery.min.js
tar xzf "$DEST"/tgz/mathjax-*.tgz -C "$DEST/mathjax" --strip-components=1 package/es5
tar xzf "$DEST"/tgz/axe-core-*.tgz -C "$DEST/axe-core" --strip-components=1 package/axe.min.js
rm -rf "$DEST/tgz"
touch "$STAMP"
echo "render JS assets in $DEST: $(du -sh "$DEST" | cut -f1)"
