// The third-party npm package piston-client against `vmrun serve`: the
// runtime list, python and sh jobs with stdout, stdin, args, exit codes,
// several files and a timeout, exactly as a Piston user's code calls it.
//
//   node piston_client_test.mjs VMRUN NPM_DIR
//
// NPM_DIR holds node_modules/piston-client (scripts/setup.sh installs it
// into .deps/npm). Exits 77 (skipped) when it is missing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [vmrun, npmDir] = process.argv.slice(2);
const clientPath = resolve(npmDir, 'node_modules/piston-client/index.js');
if (!existsSync(clientPath)) {
  console.log(`SKIP: no piston-client in ${npmDir} (run scripts/setup.sh)`);
  process.exit(77);
}
const { piston } = await import(pathToFileURL(clientPath).href);

let failures = 0;
function check(what, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : ': ' + JSON.stringify(detail)}`);
  if (!ok) failures++;
}

const jobsDir = mkdtempSync(join(tmpdir(), 'vmrun-serve-test-'));
const server = spawn(vmrun, ['serve', '--listen', '127.0.0.1:0', '--jobs', '2', '--jobs-dir', jobsDir,
                             '--max-timeout', '20s', '--log-level', 'warn'],
                     { stdio: ['ignore', 'pipe', 'inherit'] });
const deadline = setTimeout(() => { console.log('FAIL: test took over 90 s'); server.kill('SIGKILL'); process.exit(1); }, 90000);
const port = await new Promise((ok, fail) => {
  let seen = '';
  server.stdout.on('data', (d) => {
    seen += d;
    const m = seen.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    if (m) ok(Number(m[1]));
  });
  server.on('exit', (code) => fail(new Error(`vmrun serve exited with ${code}`)));
});
const client = piston({ server: `http://127.0.0.1:${port}` });

try {
  const runtimes = await client.runtimes();
  const python = runtimes.find((r) => r.language === 'python');
  const bash = runtimes.find((r) => r.language === 'bash');
  check('runtimes: python listed with a 3.x.y version', python && /^3\.\d+\.\d+$/.test(python.version), runtimes);
  check('runtimes: bash (busybox sh) listed, alias sh', bash && bash.aliases.includes('sh'), runtimes);
  check('runtimes: every entry has language, version, aliases',
        runtimes.every((r) => typeof r.language === 'string' && typeof r.version === 'string' && Array.isArray(r.aliases)),
        runtimes);

  // The version listed is the one that runs.
  let r = await client.execute('python', 'import platform; print(platform.python_version())');
  check('python: stdout is the listed version', r.run && r.run.stdout === `${python.version}\n`, r);
  check('python: code 0, signal null', r.run && r.run.code === 0 && r.run.signal === null, r);
  check('python: language and version answered', r.language === 'python' && r.version === python.version, r);

  r = await client.execute('python', 'import sys\nprint(sys.argv[1:])\nprint(input()[::-1])',
                           { stdin: 'olleh\n', args: ['a b', 'c'] });
  check('python: args and stdin', r.run && r.run.stdout === "['a b', 'c']\nhello\n", r);

  // piston-client's own default args are ["1", "2", "3"].
  r = await client.execute('python', 'import sys; print(len(sys.argv) - 1); sys.exit(7)');
  check('python: default args and exit code 7', r.run && r.run.stdout === '3\n' && r.run.code === 7, r);
  check('python: non-zero exit is status RE', r.run && r.run.status === 'RE', r);

  r = await client.execute('python', 'import sys; sys.stderr.write("oops\\n"); print("out")');
  check('python: stderr apart, output holds both', r.run && r.run.stderr === 'oops\n' && r.run.stdout === 'out\n' &&
        r.run.output.includes('oops') && r.run.output.includes('out'), r);

  r = await client.execute('python', 'import sys, time\nprint("a", flush=True); time.sleep(0.1)\n' +
                           'print("b", file=sys.stderr, flush=True); time.sleep(0.1)\nprint("c", flush=True)');
  check('python: output interleaves stdout and stderr in order', r.run && r.run.output === 'a\nb\nc\n' &&
        r.run.stdout === 'a\nc\n' && r.run.stderr === 'b\n', r);

  r = await client.execute({
    language: 'python',
    files: [{ name: 'main.py', content: 'import helper\nprint(helper.twice(21))' },
            { name: 'helper.py', content: 'def twice(x):\n    return 2 * x\n' }],
    args: [],
  });
  check('python: several files, the first runs and imports the second', r.run && r.run.stdout === '42\n', r);

  const started = Date.now();
  r = await client.execute('python', 'while True: pass', { runTimeout: 1000 });
  const took = Date.now() - started;
  check('python: run_timeout 1000 stops an endless loop (SIGKILL, TO)',
        r.run && r.run.signal === 'SIGKILL' && r.run.code === null && r.run.status === 'TO' &&
        r.run.stop_reason === 'time_limit', r);
  check(`python: the timeout answer came in time (${took} ms)`, took < 15000, took);

  r = await client.execute('bash', 'echo "hi $1 $#"; read line; echo "got $line"; exit 4', { stdin: 'x\n', args: ['there'] });
  check('bash: stdout, args, stdin and exit code', r.run && r.run.stdout === 'hi there 1\ngot x\n' && r.run.code === 4, r);

  r = await client.execute({ language: 'sh', version: bash.version, files: [{ content: 'seq 3 | busybox tac' }], args: [] });
  check('sh alias with an explicit version runs busybox sh', r.run && r.run.stdout === '3\n2\n1\n' && r.language === 'bash', r);

  r = await client.execute('cobol', 'DISPLAY "HI"');
  check('unknown language: a message, no run', r.message && !r.run, r);
} catch (e) {
  check('no exception', false, String(e && e.stack || e));
} finally {
  server.kill('SIGTERM');
  await new Promise((ok) => server.on('exit', ok));
  clearTimeout(deadline);
}
const left = readdirSync(jobsDir);
check('job directories removed', left.length === 0, left);
rmSync(jobsDir, { recursive: true, force: true });
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
