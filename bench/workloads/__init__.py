"""The workloads, one module each; each takes the Run and returns its raw figures."""
