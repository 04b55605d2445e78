#!/usr/bin/env bash
# OpenLDAP's slapd and ldap-utils for the LDAP tests (issue 19): installed when missing (root, apt-get).
# The package's own service is not used: the tests start a private slapd of their own.
set -euo pipefail
if command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ]; then
  if command -v ldapmodify >/dev/null 2>&1; then exit 0; fi
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "slapd or ldap-utils is missing. Install them (sudo apt-get install -y slapd ldap-utils)." >&2
  exit 1
fi
echo "Installing OpenLDAP (slapd, ldap-utils) for the LDAP tests…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y slapd ldap-utils >/tmp/stockroom-ldap-install.log 2>&1; then
  apt-get update >>/tmp/stockroom-ldap-install.log 2>&1
  apt-get install -y slapd ldap-utils >>/tmp/stockroom-ldap-install.log 2>&1 || {
    tail -20 /tmp/stockroom-ldap-install.log >&2
    exit 1
  }
fi
# The package starts its own service on port 389: the tests need none of it.
service slapd stop >/dev/null 2>&1 || true
