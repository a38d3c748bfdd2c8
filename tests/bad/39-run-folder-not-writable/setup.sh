#!/usr/bin/env bash
# The run folder exists, holds last week's report, and is read-only. The test
# runs rtm as `nobody` (expect: user = nobody), because root ignores modes.
mkdir -p out
echo '{"last": "week"}' > out/report.json
chmod 555 out
