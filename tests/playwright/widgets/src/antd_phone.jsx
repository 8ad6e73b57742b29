// antd: a searchable Select of dial codes (virtual list) beside an Input, as on the page;
// ?only=CN,FR offers only those countries (the wanted one cannot be set).
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Button, Input, Select, Space } from 'antd';
import { COUNTRIES } from './countries.js';
import { keep, params, submit } from './report.js';

const only = params.get('only') ? params.get('only').split(',') : null;
const OPTIONS = COUNTRIES.filter((c) => !only || only.includes(c.iso)).map((c) => ({ value: c.iso, label: `+${c.dial}`, title: c.name }));

function App() {
  const [country, setCountry] = useState('CN');
  const [phone, setPhone] = useState('');
  const update = (iso, p) => {
    const dial = COUNTRIES.find((c) => c.iso === iso).dial;
    keep({ country: iso, phone: p, e164: `+${dial}${p.replace(/\D/g, '')}` });
  };
  return (
    <form onSubmit={submit}>
      <label htmlFor="phone">Phone number</label>
      <Space.Compact>
        <Select showSearch optionFilterProp="label" value={country} options={OPTIONS} style={{ width: 110 }} popupMatchSelectWidth={160}
          onChange={(iso) => { setCountry(iso); update(iso, phone); }} />
        <Input id="phone" value={phone} placeholder="Phone number" onChange={(e) => { setPhone(e.target.value); update(country, e.target.value); }} />
      </Space.Compact>
      <Button htmlType="submit" type="primary">Send code</Button>
    </form>
  );
}

keep({ country: 'CN', phone: '', e164: '+86' });
createRoot(document.getElementById('app')).render(<App />);
