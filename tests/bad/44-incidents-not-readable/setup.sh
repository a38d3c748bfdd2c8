#!/usr/bin/env bash
# The incidents file is not readable (expect: user = nobody; root reads anything).
# The run folder is opened to nobody so the run gets as far as reading the data.
chmod 000 incidents.csv
mkdir -p out && chmod 777 out
