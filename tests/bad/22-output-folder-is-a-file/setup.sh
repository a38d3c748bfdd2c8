#!/usr/bin/env bash
# The run folder path already exists as a regular file, so it cannot be created.
# (Tests run as root, where a read-only folder would not stop writes.)
echo "not a folder" > out
