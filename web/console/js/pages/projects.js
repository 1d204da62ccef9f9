// projects.js - the projects list: create, open, and delete with a typed
// confirmation, cascading through the datasets and the models that are not
// hosted (the old console's behaviour; DeleteProject itself refuses while
// anything remains).
import { lfv } from '../client.js';
import { clear, confirmTyped, guarded, h, notify } from '../ui.js';

export async function projectsPage(view) {
  const list = h('tbody');
  const nameInput = h('input#new-project', { placeholder: 'project name', required: true,
    pattern: '[a-zA-Z0-9][a-zA-Z0-9_\\-]*', maxlength: 255 });
  view.append(
    h('h1', {}, 'Projects'),
    h('form.inline#create-project', {
      async onsubmit(event) {
        event.preventDefault();
        const name = nameInput.value.trim();
        if (await guarded(() => lfv.createProject(name))) {
          notify(`Project ${name} created.`, 'ok');
          location.hash = `#/projects/${encodeURIComponent(name)}`;
        }
      },
    }, nameInput, h('button.primary', { type: 'submit' }, 'Create project')),
    h('table.list#projects', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'), h('th'))), list));

  const projects = [];
  let token = null;
  do {
    const page = await guarded(() => lfv.listProjects(token));
    if (!page) return;
    projects.push(...page.Projects);
    token = page.NextToken;
  } while (token);
  clear(list, projects.length ? projects.map((p) => h('tr', {},
    h('td', {}, h('a', { href: `#/projects/${encodeURIComponent(p.ProjectName)}` }, p.ProjectName)),
    h('td', {}, new Date(p.CreationTimestamp * 1000).toLocaleString()),
    h('td', {}, h('button.danger', { onclick: () => deleteProject(p.ProjectName, view) }, 'Delete')))) :
    h('tr', {}, h('td.empty', { colSpan: 3 }, 'No projects yet.')));
}

async function deleteProject(name, view) {
  if (!await confirmTyped(`Delete project ${name}?`,
    'Its datasets and models are deleted with it. Images in S3 stay.', 'delete')) return;
  const done = await guarded(async () => {
    const models = (await lfv.listModels(name)).Models;
    const hosted = [];
    for (const m of models) {
      const d = (await lfv.describeModel(name, m.ModelVersion)).ModelDescription;
      if (['HOSTED', 'STARTING_HOSTING', 'STOPPING_HOSTING'].includes(d.Status)) hosted.push(m.ModelVersion);
    }
    if (hosted.length) throw new Error(`Stop hosting model ${hosted.join(', ')} first.`);
    for (const m of models) await lfv.deleteModel(name, m.ModelVersion);
    for (const d of (await lfv.describeProject(name)).ProjectDescription.Datasets || [])
      await lfv.deleteDataset(name, d.DatasetType);
    await lfv.deleteProject(name);
    return true;
  });
  if (done) {
    notify(`Project ${name} deleted.`, 'ok');
    view.replaceChildren();
    projectsPage(view);
  }
}
