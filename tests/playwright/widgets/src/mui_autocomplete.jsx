// A MUI Autocomplete of countries (name and dial code) next to a plain TextField.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import Autocomplete from '@mui/material/Autocomplete';
import TextField from '@mui/material/TextField';
import Button from '@mui/material/Button';
import { COUNTRIES, byIso } from './countries.js';
import { keep, submit } from './report.js';

function App() {
  const [country, setCountry] = useState(byIso('FR'));
  const [phone, setPhone] = useState('');
  const update = (c, p) => keep({ country: c ? c.iso : null, phone: p, e164: c ? `+${c.dial}${p.replace(/\D/g, '')}` : null });
  return (
    <form onSubmit={submit} style={{ display: 'flex', gap: 8 }}>
      <Autocomplete
        options={COUNTRIES}
        value={country}
        sx={{ width: 260 }}
        getOptionLabel={(c) => `${c.name} (+${c.dial})`}
        isOptionEqualToValue={(a, b) => a.iso === b.iso}
        onChange={(e, c) => { setCountry(c); update(c, phone); }}
        renderInput={(p) => <TextField {...p} label="Country" />}
      />
      <TextField label="Mobile number" value={phone} onChange={(e) => { setPhone(e.target.value); update(country, e.target.value); }} />
      <Button type="submit" variant="contained">Send code</Button>
    </form>
  );
}

keep({ country: 'FR', phone: '', e164: null });
createRoot(document.getElementById('app')).render(<App />);
