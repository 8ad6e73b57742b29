// react-select: a searchable combobox of country names beside a plain phone input.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import Select from 'react-select';
import { COUNTRIES, byIso } from './countries.js';
import { keep, submit } from './report.js';

const OPTIONS = COUNTRIES.map((c) => ({ value: c.iso, label: c.name, dial: c.dial }));

function App() {
  const [country, setCountry] = useState(OPTIONS.find((o) => o.value === 'FR'));
  const [phone, setPhone] = useState('');
  const update = (c, p) => keep({ country: c.value, phone: p, e164: `+${c.dial}${p.replace(/\D/g, '')}` });
  return (
    <form onSubmit={submit}>
      <div style={{ width: 260 }}>
        <Select inputId="country" aria-label="Country" options={OPTIONS} value={country}
          onChange={(c) => { setCountry(c); update(c, phone); }} />
      </div>
      <label>Mobile number <input type="tel" value={phone} onChange={(e) => { setPhone(e.target.value); update(country, e.target.value); }} /></label>
      <button type="submit">Send code</button>
    </form>
  );
}

keep({ country: 'FR', phone: '', e164: '+33' });
void byIso;
createRoot(document.getElementById('app')).render(<App />);
