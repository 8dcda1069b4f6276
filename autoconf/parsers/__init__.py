"""Pure parsers: bytes in, models out. No I/O, clock, environment or logging."""
