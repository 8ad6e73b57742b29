// Web components with open shadow roots: a sign-up card holding a <select> of flags and ISO codes
// (values are dial codes) and a phone field, and inside it a code-boxes element of its own.
import { keep, submit } from './report.js';

const CODES = [['US', '1'], ['FR', '33'], ['DE', '49'], ['GB', '44'], ['PL', '48'], ['TR', '90'], ['CA', '1']];
const flag = (iso) => String.fromCodePoint(...iso.split('').map((c) => 0x1f1a5 + c.charCodeAt(0)));

class CodeBoxes extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>input{width:2em;text-align:center}</style>${'<input maxlength="1" inputmode="numeric">'.repeat(6)}`;
    const boxes = Array.from(root.querySelectorAll('input'));
    boxes.forEach((box, i) => box.addEventListener('input', () => {
      if (box.value && boxes[i + 1]) boxes[i + 1].focus();
      keep({ code: boxes.map((b) => b.value).join('') });
    }));
  }
}

class SignupCard extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `
      <form>
        <label>Country <select name="cc">${CODES.map(([iso, dial]) => `<option value="${dial}">${flag(iso)} ${iso}</option>`).join('')}</select></label>
        <label>Mobile <input type="tel" name="mobile"></label>
        <p>Code</p><code-boxes></code-boxes>
        <button type="submit">Send code</button>
      </form>`;
    const select = root.querySelector('select');
    const input = root.querySelector('input[type=tel]');
    const update = () => keep({ dial: select.value, country: select.selectedOptions[0].textContent.slice(-2), e164: `+${select.value}${input.value.replace(/\D/g, '')}` });
    select.addEventListener('change', update);
    input.addEventListener('input', update);
    root.querySelector('form').addEventListener('submit', submit);
    update();
  }
}

customElements.define('code-boxes', CodeBoxes);
customElements.define('signup-card', SignupCard);
document.getElementById('app').innerHTML = '<signup-card></signup-card>';
