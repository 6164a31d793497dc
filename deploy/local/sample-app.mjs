// Client side of deploy/local/sample-app.sh: talks to the root's REST API like any user would
// (login, POST /api/application/, POST /api/service/<id>/instance, GET /api/service/<id>).
import { readFileSync } from 'node:fs';

const [command, root, passwordFile, slaFile] = process.argv.slice(2);
const sla = JSON.parse(readFileSync(slaFile, 'utf8'));
const app = sla.applications[0];
const say = (text) => console.log(`[canopy] ${text}`);
const fail = (text) => {
  console.error(`[canopy] ERROR: ${text}`);
  process.exit(1);
};

async function api(method, path, token, body) {
  const response = await fetch(`${root}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error) => fail(`${root} unreachable (${error.cause?.code ?? error.message}); is Canopy up?`));
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  return { status: response.status, body: json };
}

async function login() {
  const password = readFileSync(passwordFile, 'utf8').trim();
  const { status, body } = await api('POST', '/api/auth/login', undefined, {
    username: 'Admin',
    password,
  });
  if (status !== 200) fail(`login as Admin failed (HTTP ${status}: ${body?.message})`);
  return body.token;
}

async function findApp(token) {
  const { body } = await api('GET', '/api/applications/', token);
  return (body ?? []).find(
    (a) =>
      a.application_name === app.application_name &&
      a.application_namespace === app.application_namespace,
  );
}

async function services(token, application) {
  const out = [];
  for (const id of application.microservices) {
    const { status, body } = await api('GET', `/api/service/${id}`, token);
    if (status === 200) out.push(body);
  }
  return out;
}

const describe = (service) =>
  (service.instance_list ?? [])
    .map(
      (i) =>
        `${service.microservice_name}#${i.instance_number} ${i.status}` +
        (i.status_detail ? ` (${i.status_detail})` : '') +
        (i.worker_id ? ` on worker ${i.worker_id}` : ''),
    )
    .join(', ') || `${service.microservice_name}: no instances`;

async function deploy() {
  const token = await login();
  let application = await findApp(token);
  if (application) {
    say(`app ${app.application_name} exists already (${application.applicationID})`);
  } else {
    const { status, body } = await api('POST', '/api/application/', token, sla);
    if (status !== 200) fail(`creating the app failed (HTTP ${status}): ${JSON.stringify(body)}`);
    application = body[0];
    say(`app ${app.application_name} created (${application.applicationID}) from ${slaFile}`);
  }
  for (const service of await services(token, application)) {
    if ((service.instance_list ?? []).length > 0) continue;
    const { status, body } = await api('POST', `/api/service/${service.microserviceID}/instance`, token);
    if (status !== 200) fail(`starting ${service.microservice_name} failed (HTTP ${status}): ${body?.message}`);
    say(`instance requested for ${service.microservice_name}`);
  }
  const started = Date.now();
  let last = '';
  for (;;) {
    const current = await services(token, application);
    const line = current.map(describe).join('; ');
    if (line !== last) say(`${((Date.now() - started) / 1000).toFixed(1)}s  ${line}`);
    last = line;
    const instances = current.flatMap((s) => s.instance_list ?? []);
    if (instances.length > 0 && instances.every((i) => i.status === 'RUNNING')) break;
    // FAILED/DEAD are final; NO_WORKER_CAPACITY, NoActiveClusterWithCapacity & co. are retried
    // by the schedulers, so they are shown and waited out.
    if (instances.some((i) => i.status === 'FAILED' || i.status === 'DEAD')) {
      fail(`an instance cannot run: ${line}`);
    }
    if (Date.now() - started > 120_000) fail(`not RUNNING after 120 s: ${line}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // With the worker's data plane on, port mappings answer on its underlay address (the
  // instance's host_ip); with Docker's bridge on every address, loopback included.
  const web = (await services(token, application)).find((s) => s.microservice_name === 'web');
  const host = web?.instance_list?.[0]?.host_ip || '127.0.0.1';
  say('all instances RUNNING. Try:');
  say(`  curl http://${host}:18080/          (the web service, via its port mapping)`);
  say('  (the ticker calls the web service at its ServiceIP 10.30.80.80: see the logs)');
  say('  sudo bash deploy/local/sample-app.sh logs');
}

async function status() {
  const token = await login();
  const application = await findApp(token);
  if (!application) fail(`app ${app.application_name} is not deployed (sample-app.sh deploy)`);
  for (const s of await services(token, application)) {
    say(describe(s));
    for (const i of s.instance_list ?? []) {
      say(`  #${i.instance_number}: host ${i.host_ip || '-'}, cpu ${i.cpu_percent ?? 0} %, memory ${i.memory_percent ?? 0} %`);
    }
  }
}

async function logs() {
  const token = await login();
  const application = await findApp(token);
  if (!application) fail(`app ${app.application_name} is not deployed (sample-app.sh deploy)`);
  for (const s of await services(token, application)) {
    for (const i of s.instance_list ?? []) {
      say(`----- ${s.microservice_name}#${i.instance_number} (${i.status})`);
      process.stdout.write(i.logs ? `${i.logs}\n` : '(no output yet)\n');
    }
  }
}

async function remove() {
  const token = await login();
  const application = await findApp(token);
  if (!application) return say(`app ${app.application_name} is not deployed`);
  const { status } = await api('DELETE', `/api/application/${application.applicationID}`, token);
  if (status !== 200) fail(`delete failed (HTTP ${status})`);
  say(`app ${app.application_name} deleted; its containers are being removed by the worker`);
}

await { deploy, status, logs, delete: remove }[command]();
