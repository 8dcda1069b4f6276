"""Live verification: pure IMAP/POP3/SMTP conversations and one driver that owns sockets."""
