#!/usr/bin/env bash
# Compile the Thrift Server's authentication and access-control classes (java/serving/src)
# against the jars of the installed PySpark, into java/serving/target/retail-serving.jar
# (git ignores it). Rebuilt only when a source is newer than the jar.
set -euo pipefail
cd "$(dirname "$0")/.."
src=java/serving/src
out=java/serving/target
jar=$out/retail-serving.jar
spark_jars=$(.venv/bin/python -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')
if [ -f "$jar" ] && [ -z "$(find "$src" -name '*.java' -newer "$jar")" ]; then
    exit 0
fi
rm -rf "$out/classes"
mkdir -p "$out/classes"
javac -nowarn --release 17 -cp "$spark_jars/*" -d "$out/classes" $(find "$src" -name '*.java')
jar cf "$jar" -C "$out/classes" .
echo "built $jar"
