// intl-tel-input (vanilla, with its utils): flag dropdown with a search box; ?separate=1 shows
// the dial code beside the field (separateDialCode).
import intlTelInput from 'intl-tel-input/intlTelInputWithUtils';
import 'intl-tel-input/styles-no-assets';
import { keep, params, submit } from './report.js';

document.getElementById('app').innerHTML = `
  <form id="signup"><label for="phone">Phone</label> <input type="tel" id="phone" name="phone">
  <button type="submit">Continue</button></form>`;
const input = document.getElementById('phone');
const iti = intlTelInput(input, { initialCountry: 'us', separateDialCode: params.get('separate') === '1' });
const update = () => keep({ number: iti.getNumber(), country: (iti.getSelectedCountry() || {}).iso2 || null, valid: iti.isValidNumber() });
input.addEventListener('input', update);
input.addEventListener('countrychange', update);
document.getElementById('signup').addEventListener('submit', (e) => { update(); submit(e); });
update();
