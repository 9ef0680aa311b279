"""RQ jobs that perform side effects."""
