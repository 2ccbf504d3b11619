"""Tests of the shell target: run.sh, gwfc run, gwfc dataset."""
