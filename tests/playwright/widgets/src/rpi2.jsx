// react-phone-input-2: flag dropdown with a search box; the field holds "+<dial> ...".
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import PhoneInputModule from 'react-phone-input-2';
import 'react-phone-input-2/lib/style.css';
import { keep, params, submit } from './report.js';

const PhoneInput = PhoneInputModule.default || PhoneInputModule;
const search = params.get('search') !== '0';

function App() {
  const [value, setValue] = useState('');
  return (
    <form onSubmit={submit}>
      <label>Mobile</label>
      <PhoneInput country="us" enableSearch={search} value={value}
        onChange={(v, data) => { setValue(v); keep({ value: v, country: data.countryCode, dialCode: data.dialCode }); }} />
      <button type="submit">Get code</button>
    </form>
  );
}

keep({ value: '', country: 'us', dialCode: '1' });
createRoot(document.getElementById('app')).render(<App />);
