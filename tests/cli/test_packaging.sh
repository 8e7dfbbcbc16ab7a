#!/usr/bin/env bash
# Packaging: plain `make` never installs anything (it says what is missing); `make install`
# stages a dolab that finds its lua/, themes/, experiments and model from anywhere.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
# the sub-makes build the ordinary ./dolab, whatever suite runs this (test-asan sets BUILD)
mk() { env -u BUILD -u SAN -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

# a fake apt-get and sudo that only record being called
mkdir -p "$TMP/fake"
for t in apt-get sudo; do printf '#!/bin/sh\necho "$0 $*" >> "%s/called"\nexit 1\n' "$TMP" > "$TMP/fake/$t"; chmod +x "$TMP/fake/$t"; done
expect_status 0 "plain make" -- env PATH="$TMP/fake:$PATH" bash -c "$(declare -f mk); mk"
[ ! -e "$TMP/called" ] && ok || bad "plain make ran $(cat "$TMP/called")"
expect_status 0 "make -n" -- env PATH="$TMP/fake:$PATH" bash -c "$(declare -f mk); mk -n"
expect_no_match "plain make would not run apt-get" "$OUT" "apt-get"
expect_status 0 "make -n test" -- env PATH="$TMP/fake:$PATH" bash -c "$(declare -f mk); mk -n test"
expect_match "make test does set up (control)" "$OUT" "apt-get"
# a library that is not there: named, with its Debian package and `make deps`
expect_status 2 "a missing library" -- env PATH="$TMP/fake:$PATH" bash -c \
    "$(declare -f mk); mk check-libs PKGS='lua5.4 dolab-no-such-lib' PKG_DEBS='liblua5.4-dev libdolab-nothing-dev'"
expect_match "missing: named" "$ERR" "missing libraries: dolab-no-such-lib \(Debian: libdolab-nothing-dev\); .make deps. installs them"
[ ! -e "$TMP/called" ] && ok || bad "check-libs ran $(cat "$TMP/called")"

# make install into a stage, then the staged dolab from another folder
expect_status 0 "make install" -- bash -c "$(declare -f mk); mk install DESTDIR='$TMP/stage' PREFIX=/usr"
S=$TMP/stage/usr
for f in bin/dolab share/man/man1/dolab.1 share/dolab/lua/dolab.lua share/dolab/themes/dark.json \
         share/dolab/themes/projector.json share/dolab/experiments/heldout_links.lua share/dolab/models/default.ckpt; do
    [ -f "$S/$f" ] && ok || bad "make install: $f missing"
done
[ -x "$S/bin/dolab" ] && ok || bad "installed dolab is not executable"
mkdir -p "$TMP/elsewhere"
cd "$TMP/elsewhere" || exit 1
expect_status 0 "installed tui with its model and a theme" -- "$S/bin/dolab" tui --theme projector --headless x --size 100x30
expect_match "installed: the shipped model is loaded" "$OUT" "model: default.ckpt"
expect_match "installed: the theme is found" "$OUT" "projector"
expect_status 0 "installed run of a shipped experiment (lua/ and experiments/)" -- \
    "$S/bin/dolab" run experiments/shortcut.lua --quick --quiet --notebook nb.json -o m.ckpt
expect_match "installed run: results" "$OUT" "critical"
[ -f m.ckpt ] && [ -f nb.json ] && ok || bad "installed run wrote no checkpoint or notebook"
expect_status 0 "installed eval" -- "$S/bin/dolab" eval "$S/share/dolab/models/default.ckpt" --episodes 5
cd - >/dev/null || exit 1
expect_status 0 "make uninstall" -- bash -c "$(declare -f mk); mk uninstall DESTDIR='$TMP/stage' PREFIX=/usr"
[ ! -e "$S/bin/dolab" ] && [ ! -e "$S/share/dolab" ] && ok || bad "make uninstall left files"
finish
