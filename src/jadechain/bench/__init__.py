"""Benchmarks: workloads and the runner behind `jadechain bench`. Benchmarks are not tests."""
