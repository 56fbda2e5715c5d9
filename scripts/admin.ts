// npm run admin -- <verb>: the operator's command (README "Operators", ADR 034).
import { runAdminCli } from '../bff/app1/src/admin/cli';

runAdminCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
