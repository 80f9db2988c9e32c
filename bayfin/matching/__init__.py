"""Two-sided matching: products for requests, requests and enterprises for institutions (issue 8)."""
