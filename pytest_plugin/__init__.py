"""pytest plugin of otpkit: phone-number and OTP fixtures (registered through ``pytest11``)."""
