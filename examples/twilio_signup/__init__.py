"""A sign-up app whose backend texts the code with Twilio, and its browser suite."""
