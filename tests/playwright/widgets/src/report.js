// What every widget page shares: the state the app would submit, kept on window.widgetState and
// written into #result when the form is submitted (the tests read that, not the DOM value).
export const params = new URLSearchParams(window.location.search);

export function keep(state) {
  window.widgetState = { ...(window.widgetState || {}), ...state };
}

export function submit(event) {
  if (event) event.preventDefault();
  document.getElementById('result').textContent = JSON.stringify(window.widgetState || {});
}
