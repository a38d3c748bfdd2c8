#!/usr/bin/env bash
# The study file is not readable (expect: user = nobody; root reads anything).
chmod 000 study.toml
