"""MSSanté mock: SMTP submission (aiosmtpd) with STARTTLS, the MSSanté TLS policy, XOAUTH2 and a directory."""
