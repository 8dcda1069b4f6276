"""The I/O edge: DNS, HTTP and TLS. Foreign exceptions are translated here, once."""
