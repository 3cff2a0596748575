"""Networks and their member links."""
