// react-phone-number-input: a transparent native <select> of country names over a flag.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import PhoneInput, { isValidPhoneNumber } from 'react-phone-number-input';
import 'react-phone-number-input/style.css';
import { flag } from './countries.js';
import { keep, submit } from './report.js';

// The default flags load from a CDN; an emoji needs no network.
const Flag = ({ country }) => <span className={`flag flag-${country.toLowerCase()}`}>{flag(country)}</span>;

function App() {
  const [value, setValue] = useState();
  const [country, setCountry] = useState('US');
  return (
    <form onSubmit={submit}>
      <label>Phone
        <PhoneInput defaultCountry="US" value={value} flagComponent={Flag}
          onCountryChange={(c) => { setCountry(c); keep({ country: c }); }}
          onChange={(v) => { setValue(v); keep({ value: v || null, valid: v ? isValidPhoneNumber(v) : false }); }} />
      </label>
      <button type="submit">Send code</button>
    </form>
  );
}

keep({ value: null, country: 'US' });
createRoot(document.getElementById('app')).render(<App />);
