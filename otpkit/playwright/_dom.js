// Page-side half of otpkit.playwright: looks at the form the way a person would and answers with
// a plan (which element, which widget, what to pick) for the Python side to act on. One function,
// evaluated with (root element, request); every element it names is tagged with a data-otpkit
// attribute so Playwright can locate it afterwards. It never types or clicks itself: the Python
// side does that with real input events, so the page's own scripts see what a user would cause.
(root, req) => {
  const doc = root.ownerDocument || document;
  const win = doc.defaultView || window;
  const ATTR = 'data-otpkit';
  const token = Math.random().toString(36).slice(2, 8);
  let serial = 0;
  // Started from a user's Locator rather than a whole page: that element may itself be the field.
  const scoped = root !== doc.documentElement;
  // Tags of elements the caller already used for something else (the phone field, the send
  // button). Untagged elements read as null, so only real tags may go in.
  const excluded = new Set((req.exclude || []).filter((t) => typeof t === 'string' && t).map((t) => t.split('|').pop()));

  // ---------- generic helpers ----------

  // Case- and accent-insensitive text: "Doğrula" and "DOGRULA" compare equal.
  const fold = (s) =>
    String(s == null ? '' : s)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  const digits = (s) => String(s == null ? '' : s).replace(/\D+/g, '');
  // Splits identifiers like "userPhone_number" into words so \b-style tests work on them.
  const idWords = (s) => fold(String(s || '').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[^A-Za-z0-9]+/g, ' '));

  // Every element under root matching sel, piercing open shadow roots and same-origin frames
  // (a verification step often lives in an embedded dialog), in document order.
  const frameDoc = (el) => {
    if (el.tagName !== 'IFRAME' && el.tagName !== 'FRAME') return null;
    try {
      const d = el.contentDocument;
      return d && d.documentElement && rendered(el) ? d.documentElement : null;
    } catch (e) {
      return null; // cross-origin: not ours to look into
    }
  };
  const all = (sel, from) => {
    const base = from || root;
    const out = [];
    const visit = (scope) => {
      for (const el of scope.querySelectorAll('*')) {
        if (el.matches(sel)) out.push(el);
        if (el.shadowRoot) visit(el.shadowRoot);
        const inner = frameDoc(el);
        if (inner) {
          if (inner.matches(sel)) out.push(inner);
          visit(inner);
        }
      }
    };
    if (base.matches && base.matches(sel)) out.push(base);
    visit(base);
    return out;
  };

  // A tag names the element and the frames around it ("frame|element"), since Playwright must
  // enter each frame to reach it.
  const plainTag = (el) => {
    let t = el.getAttribute(ATTR);
    if (!t) {
      t = `${token}-${serial++}`;
      el.setAttribute(ATTR, t);
    }
    return t;
  };
  const tag = (el) => {
    if (el === root && scoped) return '@root';
    const path = [plainTag(el)];
    let w = el.ownerDocument.defaultView;
    while (w && w !== win && w.frameElement) {
      path.unshift(plainTag(w.frameElement));
      w = w.parent;
    }
    return path.join('|');
  };
  const byTag = (t) => {
    if (t === '@root') return root;
    const last = String(t).split('|').pop();
    const found = all(`[${ATTR}="${last}"]`);
    return found.length ? found[0] : null;
  };
  const winOf = (el) => (el.ownerDocument && el.ownerDocument.defaultView) || win;

  // Laid out and not hidden. Opacity is ignored on purpose: OTP libraries draw a transparent
  // real <input> over fake slots, and country pickers overlay a transparent <select>.
  const rendered = (el) => {
    if (!el || !el.isConnected || el.getClientRects().length === 0) return false;
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
    const st = winOf(el).getComputedStyle(el);
    return st.visibility !== 'hidden' && st.visibility !== 'collapse';
  };
  // What a person could actually see and use: rendered, a real size, not parked off-screen
  // (honeypot fields for bots are usually tiny or at left:-9999px).
  const seen = (el) => {
    if (!rendered(el)) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4) return false;
    const w = winOf(el);
    return r.right + w.scrollX > 0 && r.bottom + w.scrollY > 0;
  };

  const TEXT_TYPES = new Set(['', 'text', 'tel', 'number', 'search', 'password', 'email', 'url']);
  const isTextEntry = (el) =>
    el.tagName === 'INPUT' &&
    TEXT_TYPES.has((el.getAttribute('type') || '').toLowerCase()) &&
    !el.disabled &&
    !el.readOnly;

  // Text of el without form controls, option lists and scripts, capped: enough for captions.
  const plainText = (el, limit) => {
    let out = '';
    const skip = 'select,option,script,style,template,textarea,input,ul,ol,[role=listbox]';
    const visit = (node) => {
      if (out.length > limit) return;
      if (node.nodeType === 3) out += ' ' + node.nodeValue;
      else if (node.nodeType === 1 && !node.matches(skip)) for (const c of node.childNodes) visit(c);
    };
    visit(el);
    return out.replace(/\s+/g, ' ').trim();
  };

  // Everything a person reads about a field: its label(s), aria texts, placeholder, title,
  // and a caption sitting next to it in a wrapper that holds no other field.
  const captionOf = (el) => {
    const parts = [];
    if (el.labels) for (const l of el.labels) parts.push(plainText(l, 200));
    for (const attr of ['aria-labelledby', 'aria-describedby']) {
      for (const id of (el.getAttribute(attr) || '').split(/\s+/)) {
        const home = el.getRootNode();
        const t = id && (home.getElementById ? home.getElementById(id) : doc.getElementById(id));
        if (t) parts.push(plainText(t, 200));
      }
    }
    for (const attr of ['aria-label', 'placeholder', 'title', 'data-placeholder']) parts.push(el.getAttribute(attr) || '');
    let p = el.parentElement;
    for (let i = 0; i < 3 && p && p !== root.parentElement; i++, p = p.parentElement) {
      const fields = Array.from(p.querySelectorAll('input,textarea')).filter((f) => f !== el && isTextEntry(f) && rendered(f));
      if (fields.length) break;
      const t = plainText(p, 200);
      if (t.length <= 120) parts.push(t);
    }
    return fold(parts.join(' | '));
  };
  const nameOf = (el) => idWords([el.name, el.id, el.getAttribute('data-testid'), el.className].join(' '));
  const autocompleteOf = (el) => fold(el.getAttribute('autocomplete') || '');

  // ---------- phone numbers ----------

  const PHONE_WORDS =
    /phone|fone|telef|teleph|teléf|mobile|mobil|movil|cellular|celular|handy|gsm|msisdn|whatsapp|телеф|мобил|手机|手機|電話|电话|携帯|휴대|전화|फ़ोन|फोन|هاتف|جوال|טלפון|dien thoai|โทรศัพท์/;
  const PHONE_TOKENS = /(^| )(tel|cell|phone|mobile|msisdn|gsm)( |$)/;
  const NOT_PHONE =
    /(^| )(code|otp|pin|verif\w*|zip|postal|postcode|e ?mail|captcha|promo|coupon|card|cvv|cvc|amount|search)( |$)/;
  const CODE_WORDS =
    /code|otp|one ?time|verif|passcode|pin\b|token|sms|kod|codigo|código|код|验证码|驗證碼|確認コード|認証|인증|रिक्त|رمز|קוד|ma xac|รหัส/;
  const NOT_CODE = /promo|coupon|discount|referral|invite|voucher|gift|captcha|postal|zip|post ?code|country|area|dial|iban|swift/;

  const PICKERS = [
    {
      kind: 'intl-tel-input',
      container: '.iti',
      button: '.iti__selected-country, .iti__selected-flag, .iti__flag-container button, .iti__country-container button, .iti__flag-container',
      list: '.iti__country-list, .iti__dropdown-content',
      item: 'li[data-country-code], li.iti__country',
    },
    {
      kind: 'react-phone-input-2',
      container: '.react-tel-input',
      button: '.selected-flag, .flag-dropdown',
      list: '.country-list',
      item: 'li[data-country-code], li.country',
    },
    {
      kind: 'mui-tel-input',
      container: '.MuiTelInput-TextField',
      button: '.MuiTelInput-IconButton',
      list: '.MuiTelInput-Menu [role=menu], .MuiTelInput-Menu [role=listbox]',
      item: '.MuiTelInput-MenuItem',
    },
    {
      kind: 'vue-tel-input',
      container: '.vue-tel-input',
      button: '.vti__dropdown',
      list: '.vti__dropdown-list',
      item: '.vti__dropdown-item',
    },
  ];

  // Names a person might see for the wanted country, in English, the page's language and the
  // browser's, plus the common short forms Intl does not produce.
  const ALIASES = {
    US: ['usa', 'united states of america', 'america'],
    GB: ['uk', 'great britain', 'britain', 'england'],
    TR: ['turkey', 'turkiye', 'türkiye'],
    RU: ['russia', 'russian federation'],
    CZ: ['czech republic', 'czechia'],
    KR: ['south korea', 'republic of korea', 'korea, republic of'],
    AE: ['uae', 'united arab emirates'],
    NL: ['holland', 'the netherlands'],
    VN: ['viet nam'],
    IR: ['iran'],
  };
  const countryNames = (region) => {
    const names = new Set((ALIASES[region] || []).map(fold));
    const langs = ['en', doc.documentElement.lang, ...(navigator.languages || []), 'de', 'fr', 'es', 'pt', 'ru', 'tr', 'it', 'zh', 'ja'];
    for (const lang of langs) {
      if (!lang) continue;
      try {
        const name = new Intl.DisplayNames([lang], { type: 'region' }).of(region);
        if (name && name !== region) names.add(fold(name));
      } catch (e) {
        // An invalid lang attribute on the page; other languages still help.
      }
    }
    return Array.from(names).filter((n) => n.length > 1);
  };
  // What a person would type to find the country: its name in English, then in the page's language.
  const searchNames = (region) => {
    const out = [];
    for (const lang of ['en', doc.documentElement.lang]) {
      try {
        const name = lang && new Intl.DisplayNames([lang], { type: 'region' }).of(region);
        if (name && name !== region && !out.includes(name)) out.push(name);
      } catch (e) {
        // An invalid lang attribute on the page.
      }
    }
    // Older lists keep older names ("Turkey" for "Türkiye").
    for (const alias of ALIASES[region] || []) if (alias.length > 3 && out.length < 3 && !out.some((n) => fold(n) === fold(alias))) out.push(alias);
    return out;
  };
  const flagEmoji = (region) => String.fromCodePoint(...region.toUpperCase().split('').map((c) => 0x1f1a5 + c.charCodeAt(0)));

  // What an option / list item / picker button says about the country it stands for.
  const describeCountry = (el, textOverride) => {
    const value = el.value != null && el.tagName === 'OPTION' ? String(el.value) : '';
    const attr = (n) => el.getAttribute(n) || '';
    let region = attr('data-country-code') || attr('data-country') || attr('data-iso') || attr('data-iso2');
    if (!region && /^[A-Za-z]{2}$/.test(value.trim())) region = value.trim();
    if (!region && /\d/.test(value)) {
      const m = value.match(/(?:^|[^A-Za-z])([A-Za-z]{2})(?=[^A-Za-z]|$)/);
      if (m) region = m[1];
    }
    // What a person reads wins over data attributes (react-phone-input-2 puts one wrong
    // data-dial-code on every entry).
    const text = textOverride != null ? textOverride : el.textContent || '';
    let dial = '';
    const m = `${value} ${text} ${attr('title')} ${attr('aria-label')}`.match(/\+\s*(\d{1,4})(?!\d)/);
    if (m) dial = m[1];
    else dial = digits(attr('data-dial-code') || attr('data-dialcode') || attr('data-dial'));
    if (!dial && /^(00)?\d{1,4}$/.test(value.trim())) dial = value.trim().replace(/^00/, '');
    // Flag sprites name the country in a class: "iti__flag iti__gb", "flag us", "fi fi-de".
    const flags = new Set();
    for (const f of [el, ...el.querySelectorAll('[class*="flag"], [class*="fi-"]')]) {
      const cls = typeof f.className === 'string' ? f.className : '';
      if (!/flag|fi-/.test(cls)) continue;
      for (const t of cls.split(/\s+/)) {
        const m = t.match(/^(?:.*(?:__|-|_))?([a-z]{2})$/i);
        if (m) flags.add(m[1].toUpperCase());
      }
    }
    return {
      region: region.toUpperCase(),
      dial,
      flags,
      text: fold(`${text} ${attr('title')} ${attr('aria-label')}`),
      raw: `${text} ${attr('title')}`,
    };
  };

  // How well a described country matches the wanted one; below 3 is no match, negative is
  // a different country. A dial code alone is 3 (it may be shared: +1, +7, +44).
  const countryScore = (info, want) => {
    let score = 0;
    if (info.region) score += info.region === want.region ? 5 : -20;
    if (info.dial) score += info.dial === want.dial ? 3 : -20;
    if (info.flags.size) score += info.flags.has(want.region) ? 4 : -5;
    if (info.raw.includes(flagEmoji(want.region))) score += 4;
    const bare = info.text.replace(/\+\s*\d+|[()\[\]:,]/g, ' ').replace(/\s+/g, ' ').trim();
    for (const name of want.names) {
      if (bare === name) {
        score += 5;
        break;
      }
      const i = bare.indexOf(name);
      const before = i > 0 ? bare[i - 1] : ' ';
      const after = bare[i + name.length] || ' ';
      if (i >= 0 && !/\p{L}/u.test(before) && !/\p{L}/u.test(after)) {
        score += 3;
        break;
      }
    }
    return score;
  };

  const COUNTRY_HINT = /country|dial|(^| )code( |$)|prefix|(^| )cc( |$)|calling|land|pais|pays|ulke|страна|国家|国/;
  // Other short-coded lists that sit next to phone fields in address forms.
  const NOT_COUNTRY = /state|province|region|county|city|gender|salutation|title|month|day|year|type|language/;
  const isCountrySelect = (sel) => {
    const opts = Array.from(sel.options);
    if (opts.length < 2) return false;
    const described = nameOf(sel) + ' ' + captionOf(sel);
    // ("Country/Region" is still a country list.)
    if (NOT_COUNTRY.test(described) && !/country|pais|pays|ulke|страна/.test(described)) return false;
    // Dial codes or flags on most options say it plainly; a list of names needs its label to.
    const looksLike = opts.filter((o) => /\+\s*\d{1,4}/.test(o.text + o.value) || /[\u{1F1E6}-\u{1F1FF}]/u.test(o.text)).length;
    return looksLike / opts.length >= 0.5 || COUNTRY_HINT.test(described);
  };

  const phoneScore = (el) => {
    if (el === root && scoped) return 100;
    if (!isTextEntry(el) || !seen(el)) return -1;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'email' || type === 'password' || type === 'url') return -1;
    const ac = autocompleteOf(el);
    if (/one-time-code|tel-country-code|tel-area-code|tel-extension/.test(ac)) return -1;
    const names = nameOf(el);
    const caption = captionOf(el);
    let s = 0;
    if (type === 'tel') s += 6;
    if (/(^| )tel(-national|-local)?( |$)/.test(ac)) s += 6;
    if (PHONE_TOKENS.test(names) || PHONE_WORDS.test(names)) s += 4;
    if (PHONE_WORDS.test(caption) || /(^|[^a-z])tel\.?($|[^a-z])/.test(caption)) s += 4;
    if ((el.getAttribute('inputmode') || '') === 'tel') s += 3;
    if (PICKERS.some((p) => el.closest(p.container))) s += 5;
    if (NOT_PHONE.test(names) || (CODE_WORDS.test(caption) && !PHONE_WORDS.test(caption))) s -= 8;
    // A phone number needs at least 7 characters; one-character boxes are OTP slots.
    if (el.maxLength > 0 && el.maxLength < 7) s -= 10;
    return s;
  };

  // Containers around the field, closest first, up to the form (or the root we were given).
  const surroundings = (el, levels) => {
    const out = [];
    let p = el.parentElement;
    while (p && out.length < levels) {
      out.push(p);
      if (p === root || p.tagName === 'FORM') break;
      p = p.parentElement;
    }
    return out;
  };

  // ---------- what a country control shows ----------

  // Every region's name (English and the page's language) to its ISO code, for controls that
  // show only a name ("France"). Built on first use.
  let regionTable = null;
  const regionsByName = () => {
    if (regionTable) return regionTable;
    regionTable = new Map();
    for (const lang of ['en', doc.documentElement.lang]) {
      if (!lang) continue;
      let names;
      try {
        names = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
      } catch (e) {
        continue;
      }
      for (let a = 65; a <= 90; a++) {
        for (let b = 65; b <= 90; b++) {
          const code = String.fromCharCode(a, b);
          let name = null;
          try {
            name = names.of(code);
          } catch (e) {
            name = null;
          }
          if (name && name !== code && !regionTable.has(fold(name))) regionTable.set(fold(name), code);
        }
      }
    }
    for (const [code, aliases] of Object.entries(ALIASES)) for (const n of aliases) if (!regionTable.has(fold(n))) regionTable.set(fold(n), code);
    return regionTable;
  };
  const nameToRegion = (text) => {
    const bare = fold(text).replace(/\+\s*\d+|[()\[\]:,]/g, ' ').replace(/\s+/g, ' ').trim();
    if (!bare) return '';
    const table = regionsByName();
    if (table.has(bare)) return table.get(bare);
    let best = '';
    let bestLength = 3;
    for (const [name, code] of table) {
      if (name.length <= bestLength) continue;
      const i = bare.indexOf(name);
      if (i < 0) continue;
      const before = i > 0 ? bare[i - 1] : ' ';
      const after = bare[i + name.length] || ' ';
      if (!/\p{L}/u.test(before) && !/\p{L}/u.test(after)) {
        best = code;
        bestLength = name.length;
      }
    }
    return best;
  };
  // Text a person sees in el: skips visually hidden helpers (screen-reader live regions).
  const visibleText = (el, limit) => {
    let out = '';
    const visit = (node) => {
      if (out.length > limit) return;
      if (node.nodeType === 3) {
        out += ' ' + node.nodeValue;
        return;
      }
      if (node.nodeType !== 1 || node.matches('script,style,template,select,option,input,textarea,[role=listbox],[role=menu]')) return;
      const r = node.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) return;
      for (const c of node.childNodes) visit(c);
    };
    visit(el);
    return out.replace(/\s+/g, ' ').trim();
  };
  // The country a control (picker button, combobox, select) shows now: ISO region and/or dial.
  const shownCountry = (el) => {
    if (!el || !el.isConnected) return null;
    let target = el;
    let text;
    if (el.tagName === 'SELECT') {
      target = el.selectedOptions[0];
      if (!target) return { region: '', dial: '', text: '' };
      text = target.text;
    } else {
      const inputs = all('input', el).filter((i) => rendered(i) && i.value);
      text = [visibleText(el, 300), ...inputs.map((i) => i.value)].join(' ');
    }
    const info = describeCountry(target, text);
    let region = info.region;
    if (!region && info.flags.size === 1) region = Array.from(info.flags)[0];
    const emoji = `${text} ${info.raw}`.match(/([\u{1F1E6}-\u{1F1FF}])([\u{1F1E6}-\u{1F1FF}])/u);
    if (!region && emoji) region = String.fromCharCode(emoji[1].codePointAt(0) - 0x1f1a5, emoji[2].codePointAt(0) - 0x1f1a5);
    if (!region) region = nameToRegion(`${text} ${target.getAttribute('title') || ''} ${target.getAttribute('aria-label') || ''}`);
    if (!region) {
      const iso = text.replace(/[\u{1F1E6}-\u{1F1FF}]/gu, ' ').replace(/\+\s*\d+/g, ' ').trim();
      if (/^[A-Z]{2}$/.test(iso)) region = iso;
    }
    return { region: region.toUpperCase(), dial: info.dial, text: `${text} ${target.getAttribute('title') || ''}`.replace(/\s+/g, ' ').trim().slice(0, 80) };
  };

  // A "+44" printed beside the field (forced calling code, separate dial code, fixed prefix).
  const printedPrefix = (input) => {
    for (const around of surroundings(input, 3)) {
      const found = Array.from(around.querySelectorAll('span,div,label,i,b,strong,small,p')).find(
        (e) => !e.querySelector('input,select') && !e.closest('[role=listbox],[role=menu]') && /^\+\s?\d{1,4}$/.test((e.textContent || '').trim()) && rendered(e),
      );
      if (found) return digits(found.textContent);
    }
    return '';
  };

  // ---------- phone numbers: finding the field and its country control ----------

  const TRIGGERS = '[role=combobox],[aria-haspopup],.ant-select,button';
  // A generic country control near the field: a combobox, listbox button or searchable select
  // whose face shows a country. Returns the widget's outer box (what a person clicks).
  const findCountryControl = (input, around) => {
    for (const trigger of all(TRIGGERS, around)) {
      if (trigger === input || trigger.contains(input) || !rendered(trigger)) continue;
      let box = trigger;
      while (box.parentElement && box.parentElement !== around && !box.parentElement.contains(input)) box = box.parentElement;
      if (box.contains(input) || box.tagName === 'FORM') continue;
      const shown = shownCountry(box);
      if (shown && (shown.region || shown.dial)) {
        const disabled = trigger.disabled || trigger.getAttribute('aria-disabled') === 'true' || /disabled/.test(String(box.className));
        return { box, shown, disabled };
      }
    }
    return null;
  };

  const findPhone = () => {
    const want = { region: req.region, dial: req.dial, names: countryNames(req.region) };
    let best = null;
    let bestScore = 3;
    for (const el of all('input')) {
      if (excluded.has(el.getAttribute(ATTR))) continue;
      const s = phoneScore(el);
      if (s > bestScore) {
        best = el;
        bestScore = s;
      }
    }
    if (!best) return null;
    const input = best;
    const plan = { input: tag(input), kind: 'plain', mode: 'e164', value: input.value };
    const ac = autocompleteOf(input);
    if (/tel-national|tel-local/.test(ac)) plan.mode = 'national';
    const e164Length = req.dial.length + req.national.length + 1;
    if (input.maxLength > 0 && input.maxLength < e164Length && input.maxLength >= req.national.length) plan.mode = 'national';

    // A known country-picker widget around the field.
    for (const picker of PICKERS) {
      const box = input.closest(picker.container);
      if (!box) continue;
      plan.kind = 'picker';
      plan.widget = picker.kind;
      // Selectors in order of preference: the real button before its wrapper.
      let button = null;
      for (const sel of picker.button.split(',')) {
        button = all(sel.trim(), box).find(rendered) || null;
        if (button) break;
      }
      if (!button) return plan;
      plan.control = tag(button);
      plan.disabled = Boolean(button.disabled || button.getAttribute('aria-disabled') === 'true' || button.closest('.iti--disabled'));
      plan.selected = countryScore(describeCountry(button, ''), want) >= 4;
      return plan;
    }

    for (const around of surroundings(input, 4)) {
      // A <select> of countries or dialling codes next to the field.
      const selects = all('select', around).filter((s) => !s.disabled && rendered(s) && isCountrySelect(s));
      if (selects.length) {
        const sel = selects[0];
        let bestIndex = -1;
        let bestOption = 2;
        Array.from(sel.options).forEach((o, i) => {
          if (o.disabled) return;
          const sc = countryScore(describeCountry(o, o.text), want);
          if (sc > bestOption) {
            bestOption = sc;
            bestIndex = i;
          }
        });
        plan.kind = 'select';
        plan.mode = 'national';
        plan.control = tag(sel);
        plan.option = bestIndex;
        plan.selected = bestIndex >= 0 && sel.selectedIndex === bestIndex;
        return plan;
      }
      // A searchable select, combobox or listbox button showing a country.
      const control = findCountryControl(input, around);
      if (control) {
        plan.kind = 'combobox';
        plan.mode = 'national';
        plan.control = tag(control.box);
        plan.disabled = control.disabled;
        plan.selected = countryScore(describeCountry(control.box, control.shown.text), want) >= 4 || (control.shown.region === req.region);
        return plan;
      }
      // A separate small field for the dialling code ("+1" | "555 0100").
      const dialInputs = all('input', around).filter((f) => {
        if (f === input || !isTextEntry(f) || !seen(f)) return false;
        const ac2 = autocompleteOf(f);
        const hint = COUNTRY_HINT.test(nameOf(f)) || /dial|calling code|country code|ulke kodu/.test(captionOf(f));
        return /tel-country-code/.test(ac2) || (hint && (f.maxLength < 0 || f.maxLength <= 6)) || (/^\+?\d{1,4}$/.test(f.value.trim()) && f.maxLength > 0 && f.maxLength <= 5);
      });
      if (dialInputs.length) {
        plan.kind = 'dial-input';
        plan.mode = 'national';
        plan.dialInput = tag(dialInputs[0]);
        plan.dialValue = dialInputs[0].value;
        return plan;
      }
      if (printedPrefix(input)) {
        plan.mode = 'national';
        return plan;
      }
    }
    return plan;
  };

  // What the widget holds now: the field's value, the country its control shows, a dial code
  // printed beside it, and hidden inputs of the widget that carry a number.
  const readout = () => {
    const input = byTag(req.input);
    if (!input || !rendered(input)) return null;
    const control = req.control ? byTag(req.control) : null;
    const dialInput = req.dialInput ? byTag(req.dialInput) : null;
    const hidden = [];
    const box = surroundings(input, 3).pop();
    if (box) {
      for (const h of all('input[type=hidden]', box)) {
        if (/\d{5,}/.test(h.value) && (PHONE_WORDS.test(idWords(h.name)) || PHONE_TOKENS.test(idWords(h.name)) || /number|full/.test(idWords(h.name)))) hidden.push(h.value);
      }
    }
    return {
      value: String(input.value),
      control: control ? shownCountry(control) : null,
      prefix: dialInput ? digits(dialInput.value) : printedPrefix(input),
      hidden,
    };
  };

  // An open list of countries (after the control was clicked): its search box, if it has one,
  // and the entry for the wanted country among the options shown.
  const OPTIONS = '[role=option],[role=menuitem],[role=menuitemradio],.ant-select-item-option,li.country,li.iti__country,.vti__dropdown-item';
  const SEARCH_HINT = /search|filter|suche|buscar|recherche|ara|поиск/;
  const deepActive = () => {
    let a = doc.activeElement;
    for (;;) {
      if (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      else if (a && frameDoc(a)) a = a.contentDocument.activeElement;
      else return a;
    }
  };
  const popup = () => {
    const input = byTag(req.input);
    const want = { region: req.region, dial: req.dial, names: countryNames(req.region) };
    // (seen, not just rendered: antd keeps a zero-size copy of its options for screen readers)
    const options = all(OPTIONS, doc.documentElement).filter((o) => seen(o) && !o.closest('select') && o !== input);
    let search = null;
    const active = deepActive();
    if (active && active !== input && active.tagName === 'INPUT' && isTextEntry(active) && rendered(active)) search = active;
    if (!search) {
      search = all('input', doc.documentElement).find(
        (i) => i !== input && isTextEntry(i) && seen(i) && (i.type === 'search' || SEARCH_HINT.test(fold(`${i.className} ${i.placeholder} ${i.getAttribute('aria-label') || ''}`))),
      ) || null;
    }
    let best = null;
    let bestScore = 2;
    for (const o of options) {
      const sc = countryScore(describeCountry(o, o.textContent), want);
      if (sc > bestScore) {
        best = o;
        bestScore = sc;
      }
    }
    // What to type into the search box: the list shows dial codes only, or names.
    const sample = options.slice(0, 20).map((o) => o.textContent || '');
    const dialsOnly = sample.length > 0 && sample.every((t) => /\+\s*\d/.test(t) && !/\p{L}{3,}/u.test(t));
    return {
      open: options.length > 0,
      search: search ? tag(search) : null,
      searchValue: search ? search.value : null,
      item: best ? tag(best) : null,
      dialsOnly,
      names: searchNames(req.region),
    };
  };

  // ---------- one-time codes ----------

  const otpEvidence = (el) => {
    const ac = autocompleteOf(el);
    const names = nameOf(el);
    const caption = captionOf(el);
    let s = 0;
    if (/one-time-code/.test(ac)) s += 8;
    if (el.hasAttribute('data-input-otp')) s += 8;
    if (CODE_WORDS.test(names)) s += 5;
    if (CODE_WORDS.test(caption)) s += 4;
    if ((el.getAttribute('inputmode') || '') === 'numeric') s += 2;
    if (/\\d|0-9/.test(el.getAttribute('pattern') || '')) s += 1;
    if (el.maxLength === req.length) s += 3;
    else if (el.maxLength >= 4 && el.maxLength <= 8) s += 2;
    if (NOT_CODE.test(names) || NOT_CODE.test(caption)) s -= 10;
    if (/(^| )tel(-national|-local)?( |$)|email|username/.test(ac)) s -= 10;
    if ((PHONE_WORDS.test(names) || PHONE_TOKENS.test(names) || PHONE_WORDS.test(caption)) && !/one-time-code/.test(ac)) s -= 10;
    if (PICKERS.some((p) => el.closest(p.container))) s -= 20;
    return s;
  };

  const findOtp = () => {
    const fields = all('input').filter(
      (el) => isTextEntry(el) && !excluded.has(el.getAttribute(ATTR)) && (el === root || rendered(el)),
    );
    if (scoped && root.tagName === 'INPUT') return { kind: 'single', input: '@root' };

    // Split boxes: one character each, several side by side.
    const boxLike = fields.filter((el) => {
      if (!seen(el)) return false;
      if (el.maxLength === 1 || el.getAttribute('size') === '1') return true;
      const r = el.getBoundingClientRect();
      // Wide boxes count when nothing limits their length (MUI's stretch to fill the row);
      // grouping below keeps only boxes side by side.
      return (r.width <= 64 || el.maxLength < 0) && otpEvidence(el) > 0;
    });
    let group = null;
    for (let level = 1; level <= 3 && !group; level++) {
      const byParent = new Map();
      for (const el of boxLike) {
        let p = el;
        // Boxes at the top of a shadow root have the host as their parent.
        for (let i = 0; i < level && p; i++) p = p.parentElement || (p.getRootNode() && p.getRootNode().host) || null;
        if (!p) continue;
        if (!byParent.has(p)) byParent.set(p, []);
        byParent.get(p).push(el);
      }
      for (const siblings of byParent.values()) {
        const top = siblings[0].getBoundingClientRect().top;
        const members = siblings.filter((el) => Math.abs(el.getBoundingClientRect().top - top) < 8);
        if (members.length < 3) continue;
        const better = !group || (members.length === req.length && group.length !== req.length) || (members.length > group.length && group.length !== req.length);
        if (better) group = members;
      }
    }
    if (group) return { kind: 'split', boxes: group.map(tag) };

    let best = null;
    let bestScore = 3;
    for (const el of fields) {
      if (el.maxLength > 0 && el.maxLength < req.length) continue;
      const s = otpEvidence(el);
      // Hidden real inputs (tiny, transparent) only count with strong evidence.
      if (!seen(el) && s < 8) continue;
      if (s > bestScore) {
        best = el;
        bestScore = s;
      }
    }
    return best ? { kind: 'single', input: tag(best) } : null;
  };

  // ---------- buttons ----------

  const BUTTON_WORDS = {
    send: [
      [/send|get (a |the |my )?code|request (a |the )?code|text me|sms me|kod gonder|gonder|enviar|envoyer|senden|anfordern|отправ|получить|发送|获取|送信|invia|wyslij|verstuur|stuur/, 4],
      [/continue|next|verify|weiter|devam|далее|продолж|suivant|siguiente|continuar|avanti|dalej|下一步|次へ|ileri/, 2],
      [/submit|sign ?up|register|sign ?in|log ?in|kayit|giris|ok\b|go\b/, 1],
    ],
    verify: [
      [/verify|confirm|dogrula|onayla|verificar|confirmar|verifier|valider|bestatigen|verifizieren|подтверд|провер|验证|确认|確認|認証|conferma|verifica|potwierdz|weryfik|bevestig/, 4],
      [/submit|continue|next|sign ?up|register|sign ?in|log ?in|done|complete|finish|weiter|devam|далее|продолж|kayit|giris|gonder|enviar|envoyer|senden/, 2],
      [/ok\b|go\b|check/, 1],
    ],
  };
  const NOT_BUTTON = {
    send: /google|facebook|apple|github|microsoft|twitter|cancel|back|close|iptal|geri|abbrechen|zuruck|отмен|назад|privacy|terms/,
    verify: /resend|send again|new code|another code|tekrar|yeniden|reenviar|renvoyer|erneut|повтор|change|edit|wrong number|cancel|back|close|iptal|geri|abbrechen|zuruck|отмен|назад|google|facebook|apple/,
  };

  const findButton = () => {
    const near = req.near ? byTag(req.near) : null;
    const nearForm = near ? near.closest('form') : null;
    let best = null;
    let bestScore = 1;
    for (const el of all('button, input[type=submit], input[type=button], input[type=image], [role=button], a')) {
      if (excluded.has(el.getAttribute(ATTR)) || !seen(el)) continue;
      if (PICKERS.some((p) => el.closest(p.container))) continue;
      const text = fold((el.innerText || el.value || '') + ' ' + (el.getAttribute('aria-label') || el.getAttribute('title') || '')).trim();
      if (text.length > 60 || NOT_BUTTON[req.purpose].test(text)) continue;
      let s = 0;
      for (const [re, weight] of BUTTON_WORDS[req.purpose]) {
        if (re.test(text)) {
          s = weight;
          break;
        }
      }
      const isSubmit = (el.tagName === 'BUTTON' && (el.getAttribute('type') || 'submit') === 'submit') || (el.tagName === 'INPUT' && el.type === 'submit');
      if (el.tagName === 'A' && s < 4) continue;
      if (!s && !(isSubmit && nearForm && el.form === nearForm)) continue;
      if (near) {
        if (nearForm && el.closest('form') === nearForm) s += 2;
        if (near.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) s += 1;
      }
      if (isSubmit) s += 1;
      const disabled = el.disabled || el.getAttribute('aria-disabled') === 'true';
      if (disabled) s -= 1;
      if (s > bestScore) {
        best = { button: tag(el), disabled, text: text.slice(0, 60) };
        bestScore = s;
      }
    }
    return best;
  };

  // ---------- small reads and focus moves ----------

  const values = () =>
    (req.refs || []).map((t) => {
      const el = byTag(t);
      return el && rendered(el) ? String(el.value == null ? '' : el.value) : null;
    });

  const focus = () => {
    const el = byTag(req.ref);
    if (!el) return null;
    el.focus();
    try {
      if (req.caret === 'end') el.setSelectionRange(el.value.length, el.value.length);
      else el.select();
    } catch (e) {
      // type=number/email inputs have no selection API; typing still goes to the focused field.
    }
    if (!req.settle) return String(el.value);
    // Give the page's focus handlers (and a framework's batched re-render) time to run first.
    return new Promise((resolve) => setTimeout(() => resolve(el.isConnected ? String(el.value) : null), req.settle));
  };

  switch (req.op) {
    case 'phone':
      return findPhone();
    case 'readout':
      return readout();
    case 'popup':
      return popup();
    case 'otp':
      return findOtp();
    case 'button':
      return findButton();
    case 'values':
      return values();
    case 'focus':
      return focus();
    default:
      throw new Error(`otpkit: unknown request ${req.op}`);
  }
}
