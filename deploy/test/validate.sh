#!/usr/bin/env bash
# deploy/test/validate.sh: `vagrant validate` of deploy/Vagrantfile, the CI check of deploy/ (bin/test runs it).
# No box and no VM are needed: it loads the Vagrantfile for every machine and checks the configuration against
# Vagrant's core and the vagrant-libvirt provider's config classes (a typo in a provider block fails). The
# VirtualBox provider block is checked only with VirtualBox installed (Vagrant validates the configuration of the
# default provider; without VirtualBox it cannot be the default), so here it is loaded, not validated.
#
# When it installs: Debian's vagrant + vagrant-libvirt cost ~15-160 s to install (407 packages, +1.27 GB on a
# bare machine), so they are installed only when deploy/'s content differs from the content last validated here
# (a hash in /var/cache/jswarm-lab/vagrant-validated) or are present already (then every run validates, ~2 s per
# case). Unchanged content with no vagrant installed is reported as skipped: that exact content passed before.
#
# Exit: 0 validated or skipped, 1 a check failed, 2 could not run (not root and not installed, under CI).
set -uo pipefail
DEPLOY=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
CACHE=${JSWARM_LAB_CACHE:-/var/cache/jswarm-lab}
STAMP=$CACHE/vagrant-validated

# The content that matters: every file under deploy/ but Vagrant's own state.
hash=$(cd "$DEPLOY" && find . -path ./.vagrant -prune -o -type f -print | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)

installed() { command -v vagrant >/dev/null 2>&1 && dpkg-query -W -f='${Status}' vagrant-libvirt 2>/dev/null | grep -q 'ok installed'; }

if ! installed; then
  if [ -f "$STAMP" ] && [ "$(cut -d' ' -f1 "$STAMP")" = "$hash" ]; then
    echo "deploy/test/validate.sh: skipped: deploy/ unchanged since it was validated ($(cut -d' ' -f2- "$STAMP")), vagrant not installed"
    exit 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "deploy/test/validate.sh: deploy/ changed since its last validation and vagrant is not installed (needs root to install vagrant vagrant-libvirt)" >&2
    [ "${CI:-}" = true ] && exit 2
    exit 0
  fi
  echo "deploy/test/validate.sh: deploy/ changed since its last validation: installing vagrant vagrant-libvirt ..." >&2
  start=$(date +%s)
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends vagrant vagrant-libvirt; } >/dev/null; then
    echo "deploy/test/validate.sh: could not install vagrant vagrant-libvirt" >&2
    exit 2
  fi
  echo "deploy/test/validate.sh: installed in $(( $(date +%s) - start )) s" >&2
fi

# Vagrant's state (machine ids, its home) goes to a scratch directory, never into the checkout or ~/.vagrant.d.
scratch=$(mktemp -d /tmp/jsvagrant-validate-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export VAGRANT_DOTFILE_PATH=$scratch/dot VAGRANT_HOME=$scratch/home VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_NO_COLOR=1
failed=0
# check NAME EXPECT DIR [ENV=VALUE ...] -- [vagrant validate options]; EXPECT is pass, or fail:TEXT (a refusal
# that says TEXT: a failure for any other reason is not the control it claims to be).
check() {
  local name=$1 expect=$2 dir=$3 envs=() t0 t1 rc out ok=false
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  t0=$(date +%s%N)
  out=$(cd "$dir" && env -u JSWARM_NODES -u JSWARM_BOX -u JSWARM_DEB_URL -u JSWARM_IP_PREFIX "${envs[@]}" vagrant validate "$@" 2>&1)
  rc=$?
  t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  case $expect in
    pass) [ $rc -eq 0 ] && ok=true ;;
    fail:*) [ $rc -ne 0 ] && grep -qF -- "${expect#fail:}" <<<"$out" && ok=true ;;
  esac
  if $ok; then
    echo "deploy/test/validate.sh: ok   [$ms ms] $name"
  else
    echo "deploy/test/validate.sh: FAIL [$ms ms] $name (expected to $expect, exit $rc):" >&2
    echo "$out" | sed 's/^/    /' >&2
    failed=1
  fi
}
check "3 nodes (default), libvirt provider config" pass "$DEPLOY" --
check "5 nodes, a released package by URL" pass "$DEPLOY" JSWARM_NODES=5 JSWARM_DEB_URL=https://example.com/jswarm_0.1.0_amd64.deb --
check "1 node, another box and network, provider config ignored" pass "$DEPLOY" JSWARM_NODES=1 JSWARM_BOX=generic/debian12 JSWARM_IP_PREFIX=10.20.30 -- --ignore-provider
# A copy away from the checkout has no package/target: the Vagrantfile must still load (`up` would then stop at
# its "no package: build it" provisioner).
mkdir -p "$scratch/nodeb" && cp -r "$DEPLOY/Vagrantfile" "$DEPLOY/provision" "$scratch/nodeb/"
check "no package built and no URL" pass "$scratch/nodeb" --
# Controls: validate must be able to fail here, or the checks above prove nothing.
check "control: JSWARM_NODES=0 refused" "fail:JSWARM_NODES must be a whole number" "$DEPLOY" JSWARM_NODES=0 --
check "control: JSWARM_IP_PREFIX=300.1.1 refused" "fail:JSWARM_IP_PREFIX must be three octets" "$DEPLOY" JSWARM_IP_PREFIX=300.1.1 --
mkdir -p "$scratch/typo" && cp -r "$DEPLOY/Vagrantfile" "$DEPLOY/provision" "$scratch/typo/"
sed -i 's/lv\.memory/lv.memroy/' "$scratch/typo/Vagrantfile"
check "control: a typo in the libvirt provider block refused" "fail:shouldn't exist: memroy" "$scratch/typo" --

if [ $failed -ne 0 ]; then
  exit 1
fi
mkdir -p "$CACHE" 2>/dev/null && echo "$hash $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$STAMP" 2>/dev/null
echo "deploy/test/validate.sh: deploy/Vagrantfile validated ($(vagrant --version))"
