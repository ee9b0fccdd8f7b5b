#!/usr/bin/env bash
# Fetch the Delta Lake jars into jars/ (git ignores it) once. The delta-spark wheel holds only
# Python; its jars come from Maven Central through java/delta/pom.xml.
set -euo pipefail
cd "$(dirname "$0")/.."
pom=java/delta/pom.xml
stamp=jars/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt "$pom" ]; then
    exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
    if [ "${RETAIL_NO_MAVEN_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's maven with apt-get (to fetch the Delta Lake jars)..." >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
    fi
fi
if ! command -v mvn >/dev/null 2>&1; then
    cat >&2 <<'MSG'
The Delta Lake jars are not in jars/ and Maven (mvn) is not installed to fetch them.
Install Maven 3.6+ (Debian/Ubuntu: sudo apt-get install maven; macOS: brew install maven)
and run make again, or copy io.delta:delta-spark_4.1_2.13:4.3.1 and
io.delta:delta-storage:4.3.1 into jars/ by hand.
MSG
    exit 1
fi
rm -rf jars
if ! mvn -q -B -f "$pom" dependency:copy-dependencies >jars.log 2>&1; then
    cat jars.log >&2
    echo "Maven could not fetch the Delta Lake jars (above). It needs network access to Maven Central." >&2
    exit 1
fi
rm -f jars.log
touch "$stamp"
echo "Delta Lake (and Hive LLAP) jars in jars/: $(cd jars && ls *.jar | tr '\n' ' ')"
