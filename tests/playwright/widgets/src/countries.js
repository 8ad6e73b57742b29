// Country lists for the generic pickers (react-select, MUI Autocomplete, antd, headless UI), from
// libphonenumber-js's metadata and the browser's own country names, as real sign-up forms do.
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';

const names = new Intl.DisplayNames(['en'], { type: 'region' });

export const flag = (iso) => String.fromCodePoint(...iso.split('').map((c) => 0x1f1a5 + c.charCodeAt(0)));

export const COUNTRIES = getCountries()
  .map((iso) => ({ iso, name: names.of(iso), dial: getCountryCallingCode(iso) }))
  .sort((a, b) => a.name.localeCompare(b.name));

export const byIso = (iso) => COUNTRIES.find((c) => c.iso === iso);
