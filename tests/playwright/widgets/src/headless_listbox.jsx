// Headless UI Listbox: a button showing "flag name (+dial)" opening a list of options.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Listbox, ListboxButton, ListboxOption, ListboxOptions } from '@headlessui/react';
import { COUNTRIES, byIso, flag } from './countries.js';
import { keep, submit } from './report.js';

const label = (c) => `${flag(c.iso)} ${c.name} (+${c.dial})`;

function App() {
  const [country, setCountry] = useState(byIso('FR'));
  const [phone, setPhone] = useState('');
  const update = (c, p) => keep({ country: c.iso, phone: p, e164: `+${c.dial}${p.replace(/\D/g, '')}` });
  return (
    <form onSubmit={submit}>
      <Listbox value={country} by="iso" onChange={(c) => { setCountry(c); update(c, phone); }}>
        <ListboxButton aria-label="Country">{label(country)}</ListboxButton>
        <ListboxOptions anchor="bottom start" style={{ maxHeight: 240, overflowY: 'auto', background: 'white', border: '1px solid #ccc', listStyle: 'none', padding: 0 }}>
          {COUNTRIES.map((c) => <ListboxOption key={c.iso} value={c} style={{ padding: 2 }}>{label(c)}</ListboxOption>)}
        </ListboxOptions>
      </Listbox>
      <label>Phone <input type="tel" value={phone} onChange={(e) => { setPhone(e.target.value); update(country, e.target.value); }} /></label>
      <button type="submit">Send code</button>
    </form>
  );
}

keep({ country: 'FR', phone: '', e164: '+33' });
createRoot(document.getElementById('app')).render(<App />);
