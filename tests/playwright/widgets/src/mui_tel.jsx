// mui-tel-input: flag button opening a MUI Menu of countries; ?force=1 prints the calling code
// beside the field (forceCallingCode).
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MuiTelInput, matchIsValidTel } from 'mui-tel-input';
import Button from '@mui/material/Button';
import { flag } from './countries.js';
import { keep, params, submit } from './report.js';

const force = params.get('force') === '1';

function App() {
  const [value, setValue] = useState('');
  const onChange = (next, info) => {
    setValue(next);
    keep({ value: next, country: info.countryCode, callingCode: info.countryCallingCode, national: info.nationalNumber, valid: matchIsValidTel(next) });
  };
  return (
    <form onSubmit={submit}>
      <MuiTelInput
        label="Phone number"
        value={value}
        onChange={onChange}
        defaultCountry="FR"
        forceCallingCode={force}
        // Flags from the CDN would need the network; an emoji shows the same country.
        getFlagElement={(iso, { countryName }) => <span className={`flag flag-${iso.toLowerCase()}`} aria-label={countryName}>{flag(iso)}</span>}
      />
      <Button type="submit" variant="contained">Send code</Button>
    </form>
  );
}

keep({ value: '', country: 'FR' });
createRoot(document.getElementById('app')).render(<App />);
