"""Tests of the targets (one package per target)."""
