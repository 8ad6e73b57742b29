// mui-one-time-password-input: six MUI TextFields, focus moving on by itself.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MuiOtpInput } from 'mui-one-time-password-input';
import Button from '@mui/material/Button';
import { keep, params, submit } from './report.js';

const length = Number(params.get('n') || 6);

function App() {
  const [code, setCode] = useState('');
  return (
    <form onSubmit={submit}>
      <p>Enter the verification code we sent you</p>
      <MuiOtpInput length={length} value={code} onChange={(next) => { setCode(next); keep({ code: next }); }} />
      <Button type="submit" variant="contained">Verify</Button>
    </form>
  );
}

keep({ code: '' });
createRoot(document.getElementById('app')).render(<App />);
