// antd Input.OTP: six boxes, focus moving on by itself.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Button, Input } from 'antd';
import { keep, submit } from './report.js';

function App() {
  const [code, setCode] = useState('');
  return (
    <form onSubmit={submit}>
      <p>Verification code</p>
      <Input.OTP length={6} value={code} onChange={(next) => { setCode(next); keep({ code: next }); }}
        onInput={(cells) => keep({ typed: cells.join('') })} />
      <Button htmlType="submit" type="primary">Verify</Button>
    </form>
  );
}

keep({ code: '' });
createRoot(document.getElementById('app')).render(<App />);
