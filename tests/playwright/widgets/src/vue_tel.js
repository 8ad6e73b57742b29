// vue-tel-input (Vue 3): flag dropdown with a search box; the app keeps the parsed number.
import { createApp, h, ref } from 'vue';
import { VueTelInput } from 'vue-tel-input';
import 'vue-tel-input/vue-tel-input.css';
import { keep, submit } from './report.js';

const App = {
  setup() {
    const phone = ref('');
    return () => h('form', { onSubmit: submit }, [
      h('label', 'Phone number'),
      h(VueTelInput, {
        modelValue: phone.value,
        'onUpdate:modelValue': (v) => { phone.value = v; },
        defaultCountry: 'US',
        autoDefaultCountry: false,
        dropdownOptions: { showSearchBox: true, showFlags: true, showDialCodeInSelection: true },
        onOnInput: (number, obj) => keep({ value: number, e164: obj && obj.number ? obj.number : null, country: (obj && obj.countryCode) || null, valid: Boolean(obj && obj.valid) }),
      }),
      h('button', { type: 'submit' }, 'Send code'),
    ]);
  },
};

keep({ value: '', e164: null, country: 'US' });
createApp(App).mount('#app');
