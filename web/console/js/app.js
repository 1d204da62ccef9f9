// app.js - the console's entry point: a hash router over the pages.  Each
// page is a function (view, params) that fills its own fresh container, so
// a page still loading when the user moves on fills a detached node, and a
// page that polls stops once its container left the document.
import { credentials, logOut } from './client.js';
import { loginPage } from './pages/login.js';
import { projectsPage } from './pages/projects.js';
import { projectPage } from './pages/project.js';
import { maskPage } from './pages/mask_editor.js';
import { modelPage } from './pages/model.js';
import { dashboardPage } from './pages/dashboard.js';

const routes = [
  [/^#\/login$/, loginPage],
  [/^#\/projects$/, projectsPage],
  [/^#\/projects\/([^/]+)$/, projectPage],
  [/^#\/projects\/([^/]+)\/datasets\/(train|test)\/mask\/(.+)$/, maskPage],
  [/^#\/projects\/([^/]+)\/models\/(\d+)$/, modelPage],
  [/^#\/dashboard$/, dashboardPage],
];

function route() {
  const view = document.getElementById('view');
  const creds = credentials();
  document.getElementById('nav').hidden = !creds;
  document.getElementById('who').textContent = creds ? creds.accessKeyId : '';
  const hash = creds ? location.hash || '#/projects' : '#/login';
  if (hash !== location.hash) {
    location.hash = hash;
    return;
  }
  for (const [pattern, page] of routes) {
    const match = pattern.exec(hash);
    if (match) {
      const container = document.createElement('div');
      view.replaceChildren(container);
      page(container, match.slice(1).map(decodeURIComponent));
      return;
    }
  }
  location.hash = '#/projects';
}

document.getElementById('logout').addEventListener('click', () => {
  logOut();
  location.hash = '#/login';
});
window.addEventListener('hashchange', route);
route();
