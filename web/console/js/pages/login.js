// login.js - the access key the console signs with.  It is checked with a
// ListProjects call before it is kept (in sessionStorage only).
import { api, logIn, logOut } from '../client.js';
import { errorText, h } from '../ui.js';

export function loginPage(view) {
  const keyId = h('input#access-key-id', { name: 'accessKeyId', required: true, autocomplete: 'username' });
  const secret = h('input#secret-access-key', { name: 'secretAccessKey', type: 'password', required: true,
    autocomplete: 'current-password' });
  const region = h('input#region', { name: 'region', value: 'us-east-1', required: true });
  const problem = h('p.error#login-error', { role: 'alert' });
  const form = h('form.login', {
    async onsubmit(event) {
      event.preventDefault();
      problem.textContent = '';
      logIn({ accessKeyId: keyId.value.trim(), secretAccessKey: secret.value, region: region.value.trim() });
      try {
        await api('GET', '/projects', { params: [['maxResults', '1']] });
        location.hash = '#/projects';
      } catch (error) {
        logOut();
        problem.textContent = `Log-in failed: ${errorText(error)}`;
      }
    },
  },
  h('h1', {}, 'Log in to Vigil'),
  h('p', {}, 'Use an access key of this server (vigil serve prints the root key at its first start). ' +
    'The key stays in this tab and signs every request; it is never sent itself.'),
  h('label', {}, 'Access key id', keyId),
  h('label', {}, 'Secret access key', secret),
  h('label', {}, 'Region', region),
  h('button.primary', { type: 'submit' }, 'Log in'),
  problem);
  view.append(form);
}
